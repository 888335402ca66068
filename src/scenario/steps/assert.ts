/**
 * assert: checks the result of an earlier step. Pure: a step's data in, one verdict per condition
 * out, each with the measured value it was judged on.
 */
import type { AssertStep } from '../../topology/scenario-types.js';
import type { AssertData, StepData, StepResult } from '../types.js';

type Check = AssertData['checks'][number];

interface Figures {
  /** Probes answered / sent (or pairs reachable / pairs, lookups answered / made...). */
  good: number;
  total: number;
  p99: number | null;
}

function figures(d: StepData, path: AssertStep['pairs']): Figures | undefined {
  switch (d.kind) {
    case 'ping':
      return { good: d.received, total: d.sent, p99: d.latencyMs?.p99 ?? null };
    case 'udp':
      return { good: d.received, total: d.sent, p99: d.latencyMs?.p99 ?? null };
    case 'http':
      return { good: d.succeeded, total: d.requests, p99: d.latencyMs?.p99 ?? null };
    case 'dns':
      return { good: d.succeeded, total: d.lookups, p99: d.latencyMs?.p99 ?? null };
    case 'tcp':
      return { good: d.completed ? 1 : 0, total: 1, p99: null };
    case 'reachability': {
      const cells = d.cells.filter((c) => path === null || c.path === path);
      const rtts = cells.flatMap((c) => (c.rttMs === null ? [] : [c.rttMs]));
      return { good: cells.filter((c) => c.ok).length, total: cells.length, p99: rtts.length ? Math.max(...rtts) : null };
    }
    default:
      return undefined;
  }
}

export function evaluateAssert(step: AssertStep, target: StepResult | undefined): AssertData {
  const checks: Check[] = [];
  const data = { kind: 'assert' as const, of: step.of, checks };
  if (target === undefined || target.data === null) {
    checks.push({ check: 'result', ok: false, detail: `step "${step.of}" has no result${target?.error ? ` (${target.error})` : ''}` });
    return data;
  }
  const f = figures(target.data, step.pairs);
  if (f === undefined) {
    checks.push({ check: 'result', ok: false, detail: `a ${target.step} step has nothing to assert on` });
    return data;
  }
  const scope = step.pairs === null ? '' : ` (${step.pairs} pairs)`;
  if (step.reachable !== null) {
    // Reachable means an answer came back; for the matrix, from every pair in scope. Loss is what
    // successRate checks. Unreachable means nothing ever came back.
    const all = target.data.kind === 'reachability' || target.data.kind === 'tcp';
    const ok = step.reachable ? f.total > 0 && (all ? f.good === f.total : f.good > 0) : f.good === 0;
    const detail = target.data.kind === 'reachability'
      ? `${f.good}/${f.total} pairs reachable${scope}`
      : target.data.kind === 'tcp' ? (f.good ? 'transfer completed' : 'transfer failed') : `${f.good}/${f.total} answered`;
    checks.push({ check: step.reachable ? 'reachable' : 'unreachable', ok, detail });
  }
  if (step.latencyUnder !== null) {
    const ok = f.p99 !== null && f.p99 < step.latencyUnder;
    checks.push({ check: `latency p99 < ${step.latencyUnder} ms`, ok, detail: f.p99 === null ? 'no latency measured (no answers)' : `p99 ${f.p99} ms${scope}` });
  }
  if (step.successRate !== null) {
    const rate = f.total === 0 ? 0 : f.good / f.total;
    checks.push({ check: `success rate ≥ ${pct(step.successRate)}`, ok: rate >= step.successRate - 1e-9, detail: `${f.good}/${f.total} (${pct(rate)})` });
  }
  if (step.allEndpointsHit !== null) {
    const spread = target.data.kind === 'http' || target.data.kind === 'udp' ? target.data.spread : null;
    if (spread === null) checks.push({ check: 'all endpoints hit', ok: false, detail: 'the target is not a Service (no endpoints to compare with)' });
    else {
      const all = spread.expected.length > 0 && spread.missing.length === 0;
      const ok = step.allEndpointsHit ? all : !all;
      const detail = `${spread.expected.length - spread.missing.length}/${spread.expected.length} endpoints answered${spread.missing.length ? ` (never: ${spread.missing.join(', ')})` : ''}`;
      checks.push({ check: step.allEndpointsHit ? 'all endpoints hit' : 'not all endpoints hit', ok, detail });
    }
  }
  return data;
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}
