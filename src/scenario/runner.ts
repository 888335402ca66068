/**
 * Runs a scenario's steps in order against a running cluster. Each step becomes one StepResult:
 * `ok` or `failed` by what it measured, `error` when it could not run (a target that does not
 * exist, an API error). A background step starts and the next step follows at once; its result
 * takes its place in the list when it finishes, and the run waits for every background step
 * before it ends. Asserts judge earlier results (steps/assert.ts).
 */
import type { ScenarioStep } from '../topology/scenario-types.js';
import { isTrafficStep, stepLabel } from '../topology/scenario-types.js';
import type { ScenarioContext } from './context.js';
import { evaluateAssert } from './steps/assert.js';
import { runAwait, runMeasure, runScale, runSleep, runWaitReady } from './steps/control.js';
import { runDns } from './steps/dns.js';
import { runImpair, runLink, runNodeStart, runNodeStop } from './steps/faults.js';
import { runHttp } from './steps/http.js';
import { runPing } from './steps/ping.js';
import { runReachability } from './steps/reachability.js';
import { runTcp } from './steps/tcp.js';
import { runUdp } from './steps/udp.js';
import type { HttpLive } from './steps/http.js';
import type { StepData, StepResult } from './types.js';

export interface RunnerHooks {
  /** A step starts (background steps too). */
  onStart?(index: number, total: number, label: string, step: ScenarioStep): void;
  /** A step has its result. */
  onResult?(result: StepResult, total: number): void;
}

type Outcome = { ok: boolean; summary: string; data: StepData | Record<string, unknown> };

function dispatch(ctx: ScenarioContext, step: ScenarioStep, live: HttpLive | undefined): Promise<Outcome> {
  switch (step.step) {
    case 'wait-ready': return runWaitReady(ctx, step);
    case 'sleep': return runSleep(ctx, step);
    case 'measure': return runMeasure(ctx);
    case 'ping': return runPing(ctx, step);
    case 'udp': return runUdp(ctx, step);
    case 'tcp': return runTcp(ctx, step);
    case 'http': return runHttp(ctx, step, live);
    case 'dns': return runDns(ctx, step);
    case 'reachability': return runReachability(ctx, step);
    case 'node-stop': return runNodeStop(ctx, step);
    case 'node-start': return runNodeStart(ctx, step);
    case 'link-down':
    case 'link-up': return runLink(ctx, step);
    case 'impair': return runImpair(ctx, step);
    case 'scale': return runScale(ctx, step);
    case 'await': return runAwait(ctx, step);
    case 'assert': {
      const data = evaluateAssert(step, ctx.results.get(step.of));
      const failed = data.checks.filter((c) => !c.ok);
      const summary = data.checks.map((c) => `${c.ok ? 'PASS' : 'FAIL'} ${c.check}: ${c.detail}`).join('; ');
      return Promise.resolve({ ok: failed.length === 0, summary: `${step.of}: ${summary}`, data });
    }
  }
}

/** Data of kind-specific steps is typed; control steps report a free-form detail. */
function asStepData(d: Outcome['data']): StepData {
  return typeof (d as { kind?: unknown }).kind === 'string' ? (d as StepData) : { kind: 'generic', detail: d as Record<string, unknown> };
}

async function runOne(ctx: ScenarioContext, step: ScenarioStep, index: number, live?: HttpLive): Promise<StepResult> {
  const startedMs = ctx.now();
  const base = {
    index, step: step.step, label: stepLabel(step, index), where: `${ctx.file}:${step.line}:${step.col}`,
    startedMs, background: isTrafficStep(step) && step.background,
  };
  try {
    const o = await dispatch(ctx, step, live);
    return { ...base, status: o.ok ? 'ok' : 'failed', summary: o.summary, durationMs: ctx.now() - startedMs, data: asStepData(o.data) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ...base, status: 'error', summary: `error: ${message}`, durationMs: ctx.now() - startedMs, data: null, error: message };
  }
}

export async function runScenario(ctx: ScenarioContext, steps: readonly ScenarioStep[], hooks: RunnerHooks = {}): Promise<StepResult[]> {
  const results: (StepResult | undefined)[] = new Array(steps.length).fill(undefined);
  const record = (r: StepResult): StepResult => {
    results[r.index] = r;
    ctx.results.set(r.label, r);
    hooks.onResult?.(r, steps.length);
    return r;
  };
  const pending: Promise<StepResult>[] = [];
  for (const [i, step] of steps.entries()) {
    const label = stepLabel(step, i);
    hooks.onStart?.(i, steps.length, label, step);
    if (isTrafficStep(step) && step.background) {
      const live: HttpLive = { log: [] };
      const done = runOne(ctx, step, i, live).then(record);
      // The entry shares `live`: node-stop reads the requests (and their Service) while they run.
      const entry = { step, done, get log() { return step.step === 'http' ? live.log : undefined; }, get service() { return live.service; } };
      ctx.background.set(label, entry);
      pending.push(done);
      continue;
    }
    record(await runOne(ctx, step, i));
  }
  await Promise.all(pending);
  return results as StepResult[];
}
