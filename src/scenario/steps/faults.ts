/**
 * Faults: powering nodes off and on, links down and up, impairments changed at run time. A node
 * stop is also a measurement: from the moment the host goes dark, how long until the Service's
 * endpoints drop its pods (node lifecycle → endpoints controllers), until the other nodes no longer
 * route to its pods (flannel keeps its routes while the Node object exists; calico withdraws them
 * when BGP sessions time out), until traffic flows again, and how many requests were lost.
 */
import type { EndpointSlice, Node } from '../../api/types.js';
import { toIp } from '../../dataplane/stack/index.js';
import type { ImpairStep, LinkStep, NodeStartStep, NodeStopStep } from '../../topology/scenario-types.js';
import type { ScenarioContext } from '../context.js';
import type { HttpRequestRecord, NodeStopData } from '../types.js';
import { isNodeReady } from '../../api/conditions.js';

type Outcome<D = Record<string, unknown>> = { ok: boolean; summary: string; data: D };

/** Successes in a row, all started after the last failure, that count as "traffic is back". */
const RESTORED_AFTER = 3;

export async function runNodeStop(ctx: ScenarioContext, step: NodeStopStep): Promise<Outcome<NodeStopData>> {
  const c = ctx.cluster;
  const watchedRoutes = specificRoutes(ctx, step.node);
  const before = await readyEndpointsOn(ctx, step.node);
  const endpointsBefore = [...before.values()].reduce((a, b) => a + b, 0);
  const traffic = step.traffic === null ? undefined : ctx.background.get(step.traffic);
  const trafficTimeout = traffic?.step.step === 'http' ? traffic.step.timeout : 0;
  const t0 = ctx.now();
  await c.stopNode(step.node);
  const updated = new Map<string, number>();
  let routesAt: number | null = null;
  const settled = await ctx.until(async () => {
    const now = ctx.now();
    if (routesAt === null && watchedRoutes.length > 0 && specificRoutes(ctx, step.node, watchedRoutes).length === 0) routesAt = now - t0;
    if (updated.size < before.size) {
      const left = await readyEndpointsOn(ctx, step.node);
      for (const svc of before.keys()) if (!updated.has(svc) && !left.has(svc)) updated.set(svc, now - t0);
    }
    if (updated.size < before.size) return false;
    if (traffic?.log === undefined) return true;
    // Requests to a dead endpoint fail only after their timeout: wait that long past the updates.
    if (now - t0 < Math.max(0, ...updated.values()) + trafficTimeout + 100) return false;
    return restoredAt(traffic.log, t0) !== null;
  }, step.observe, 20);
  const observedMs = ctx.now() - t0;
  const log = traffic?.log;
  const during = log?.filter((r) => r.endMs >= t0);
  const restored = log === undefined ? null : restoredAt(log, t0);
  // The traffic's own Service when there is one (what its requests depend on), else every Service.
  const own = traffic?.service !== undefined && before.has(traffic.service) ? traffic.service : undefined;
  const endpointsAt = own !== undefined ? updated.get(own) ?? null
    : updated.size < before.size || before.size === 0 ? null : Math.max(...updated.values());
  const data: NodeStopData = {
    kind: 'node-stop', node: step.node, endpointsUpdatedMs: endpointsAt, routesWithdrawnMs: routesAt,
    trafficRestoredMs: restored === null ? null : Math.max(0, restored - t0), observedMs,
    endpointsOnNode: endpointsBefore, routesToNode: watchedRoutes.length,
    endpointsByService: Object.fromEntries([...before.keys()].map((svc) => [svc, updated.get(svc) ?? null])),
    requestsLost: during === undefined ? null : during.filter((r) => !r.ok).length,
    requestsDuring: during === undefined ? null : during.length,
  };
  const ms = (v: number | null, none: string) => (v === null ? none : `${Math.round(v)} ms`);
  const summary = `endpoints updated ${endpointsBefore === 0 ? 'n/a (none on the node)' : ms(endpointsAt, `not within ${Math.round(observedMs)} ms`)}, ` +
    `routes withdrawn ${watchedRoutes.length === 0 ? 'n/a (none to it)' : ms(routesAt, `not within ${Math.round(observedMs)} ms`)}` +
    (log === undefined ? '' : `, traffic restored ${ms(data.trafficRestoredMs, 'not yet')}, ${data.requestsLost}/${data.requestsDuring} requests lost`);
  return { ok: settled, summary, data };
}

/** When traffic came back: the start of the first success after the last failure that ended after t0 (null: not yet). */
export function restoredAt(log: readonly HttpRequestRecord[], t0: number): number | null {
  const after = log.filter((r) => r.endMs >= t0).sort((a, b) => a.startMs - b.startMs);
  const lastFailure = after.filter((r) => !r.ok).reduce<number | null>((m, r) => (m === null || r.startMs > m ? r.startMs : m), null);
  const since = after.filter((r) => r.ok && (lastFailure === null || r.startMs > lastFailure));
  if (lastFailure === null) return after.length > 0 ? t0 : null;
  return since.length >= RESTORED_AFTER ? since[0]!.startMs : null;
}

/** [other node, pod IP] pairs routed by a specific (non-default) route toward the node's pods. */
function specificRoutes(ctx: ScenarioContext, node: string, among?: [string, string][]): [string, string][] {
  const net = ctx.cluster.network;
  const pairs = among ?? [...net.nodes.values()].filter((n) => n.name !== node).flatMap((other) =>
    [...net.pods.values()].filter((p) => p.node === node).map((p) => [other.name, p.ip] as [string, string]));
  return pairs.filter(([other, ip]) => {
    const r = net.node(other).ns.routes.lookup(toIp(ip));
    return r !== undefined && r.prefixLength > 0 && r.type === 'unicast';
  });
}

/** Ready endpoints on the node, by Service ("namespace/name"); Services with none are absent. */
async function readyEndpointsOn(ctx: ScenarioContext, node: string): Promise<Map<string, number>> {
  const slices = await ctx.cluster.client.list<EndpointSlice>('endpointslices');
  const out = new Map<string, number>();
  for (const s of slices.items) {
    const svc = `${s.metadata.namespace}/${s.metadata.labels?.['kubernetes.io/service-name'] ?? s.metadata.name}`;
    for (const e of s.endpoints ?? []) if (e.nodeName === node && e.conditions?.ready !== false) out.set(svc, (out.get(svc) ?? 0) + 1);
  }
  return out;
}

export async function runNodeStart(ctx: ScenarioContext, step: NodeStartStep): Promise<Outcome> {
  const t0 = ctx.now();
  await ctx.cluster.startNode(step.node);
  if (!step.wait) return { ok: true, summary: `${step.node} powered on`, data: { node: step.node } };
  const ready = await ctx.until(async () => {
    const n = await ctx.cluster.client.get<Node>('nodes', undefined, step.node);
    return isNodeReady(n);
  }, step.timeout, 50);
  const ms = Math.round(ctx.now() - t0);
  return { ok: ready, summary: ready ? `${step.node} Ready after ${ms} ms` : `${step.node} not Ready within ${step.timeout} ms`, data: { node: step.node, readyMs: ready ? ms : null } };
}

export async function runLink(ctx: ScenarioContext, step: LinkStep): Promise<Outcome> {
  const down = step.step === 'link-down';
  const net = ctx.cluster.network;
  if (step.node !== null) net.setNodeLinkDown(step.node, down);
  else net.segments.get(step.subnet!)!.setDown(down);
  const what = step.node !== null ? `${step.node}'s link` : `subnet ${step.subnet}`;
  return { ok: true, summary: `${what} ${down ? 'down' : 'up'}`, data: { node: step.node, subnet: step.subnet, down } };
}

export async function runImpair(ctx: ScenarioContext, step: ImpairStep): Promise<Outcome> {
  const net = ctx.cluster.network;
  if (step.node !== null) net.node(step.node).eth0.port?.setImpairments(step.params);
  else net.segments.get(step.subnet!)!.setImpairments(step.params);
  const text = Object.entries(step.params).map(([k, v]) => `${k}=${v === null ? 'unlimited' : v}`).join(' ');
  return { ok: true, summary: `${step.node !== null ? `${step.node}'s link` : `subnet ${step.subnet}`}: ${text}`, data: { ...step.params } };
}
