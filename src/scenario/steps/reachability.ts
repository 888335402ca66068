/**
 * The reachability matrix: every selected pod pings every other one (all pairs at once, so the
 * step takes one probe time, not n² of them). A failing pair carries why: the ICMP error and who
 * sent it, the route the source host took, the CNI agent's problem with the destination node.
 */
import { parseEndpoint } from '../../topology/scenario-targets.js';
import type { ReachabilityStep } from '../../topology/scenario-types.js';
import { KemuError } from '../../util/errors.js';
import type { ScenarioContext } from '../context.js';
import { Resolver, type SourcePlace } from '../resolve.js';
import type { ReachabilityCell, ReachabilityData } from '../types.js';
import { pingBetween } from './ping.js';

/** More pods than this and the matrix is no longer readable (and n² pings add up). */
export const MAX_MATRIX_PODS = 16;

export async function runReachability(ctx: ScenarioContext, step: ReachabilityStep): Promise<{ ok: boolean; summary: string; data: ReachabilityData }> {
  const sel = parseEndpoint(`pod/${step.pods}`);
  if (!sel.ok || sel.value.kind !== 'pod-selector') throw new KemuError('ERR_SCENARIO_TARGET', `bad pod selector ${step.pods}`);
  const order = new Map(ctx.cluster.config.nodes.map((n, i) => [n.name, i]));
  const pods = (await new Resolver(ctx.cluster).pods(sel.value.namespace, sel.value.selector, sel.value.node))
    .sort((a, b) => (order.get(a.node ?? '') ?? 0) - (order.get(b.node ?? '') ?? 0) || a.target.localeCompare(b.target))
    .slice(0, MAX_MATRIX_PODS) as SourcePlace[];
  const probe = { count: step.count, interval: step.interval, timeout: step.timeout, size: 56 };
  const pairs = pods.flatMap((a) => pods.filter((b) => b !== a).map((b) => [a, b] as const));
  const cells: ReachabilityCell[] = await Promise.all(pairs.map(async ([a, b]) => {
    const r = await pingBetween(ctx, a, b, probe);
    const ok = r.received === r.sent;
    const reason = ok ? '' : [...r.errors.slice(0, 1), ...r.diagnosis].join('; ');
    return { from: r.from, to: r.to, path: r.path, ok, received: r.received, sent: r.sent, rttMs: r.latencyMs?.p50 ?? null, reason };
  }));
  const good = cells.filter((c) => c.ok).length;
  const failing = [...new Set(cells.filter((c) => !c.ok).map((c) => c.path ?? 'unknown'))];
  const summary = pods.length < 2
    ? `${pods.length} pod(s) match ${step.pods}: nothing to pair`
    : `${good}/${cells.length} pairs reachable${failing.length ? ` (failing: ${failing.join(', ')})` : ''}`;
  const data: ReachabilityData = {
    kind: 'reachability',
    pods: pods.map((p) => ({ name: p.pod?.name ?? p.target, node: p.node, ip: p.ip })),
    cells,
  };
  return { ok: pods.length >= 2 && good === cells.length, summary, data };
}
