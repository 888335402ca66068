/**
 * ping: ICMP echo from a namespace (src/dataplane/stack ping, as iputils reports it), with the
 * first request watched on the source host's underlay link to measure what the CNI adds to each
 * packet, and a diagnosis when replies do not come back.
 */
import { ping, toIp } from '../../dataplane/stack/index.js';
import type { PingStep } from '../../topology/scenario-types.js';
import type { ScenarioContext } from '../context.js';
import { summarize } from '../measure/stats.js';
import { IPPROTO_ICMP, watchFirstPacket } from '../measure/wire.js';
import { type Place, Resolver, type SourcePlace, info, pathBetween } from '../resolve.js';
import type { PingData, WireOverhead } from '../types.js';
import { diagnose, ownerName } from './diagnose.js';

export interface PingProbe {
  count: number;
  interval: number;
  timeout: number;
  size: number;
}

/** One ping run between two resolved places (also used by the reachability matrix). */
export async function pingBetween(ctx: ScenarioContext, from: SourcePlace, to: Place, probe: PingProbe): Promise<PingData> {
  const c = ctx.cluster;
  const host = from.node === null ? undefined : c.network.nodes.get(from.node);
  const dst = toIp(to.ip);
  // Watched on the source host's underlay link: what leaves the node for the other end.
  const watch = host && to.node !== from.node ? watchFirstPacket(host.eth0.dev, from.ns.selectSource(dst), dst, IPPROTO_ICMP) : undefined;
  let r;
  try {
    r = await ping(from.ns, to.ip, { count: probe.count, intervalMs: probe.interval, timeoutMs: probe.timeout, size: probe.size });
  } finally {
    watch?.stop();
  }
  const seen = watch?.result();
  const wire: WireOverhead | null = seen ? { ...seen } : null;
  const errors = r.errors.slice(0, 3).map((e) => `From ${ownerName(c, e.from)} icmp_seq=${e.seq} ${e.message}`);
  if (r.received < r.transmitted && r.errors.length === 0) errors.push(`${r.transmitted - r.received} of ${r.transmitted} requests got no reply within ${probe.timeout} ms`);
  const fromInfo = info(from);
  const toInfo = info(to);
  return {
    kind: 'ping', from: fromInfo, to: toInfo, path: pathBetween(fromInfo, toInfo), sent: r.transmitted, received: r.received,
    latencyMs: summarize(r.rtts), errors, wire, diagnosis: r.received < r.transmitted ? diagnose(c, fromInfo, toInfo) : [],
  };
}

export async function runPing(ctx: ScenarioContext, step: PingStep): Promise<{ ok: boolean; summary: string; data: PingData }> {
  const resolver = new Resolver(ctx.cluster);
  const from = await resolver.source(step.from);
  const to = await resolver.endpoint(step.to);
  const data = await pingBetween(ctx, from, to, step);
  const lat = data.latencyMs;
  const wire = data.wire ? `, ${data.wire.overhead} B overhead (${data.wire.encapsulation})` : '';
  const why = [...data.errors.slice(0, 1), ...data.diagnosis].join('; ');
  const summary = `${data.received}/${data.sent} replies${lat ? `, rtt p50 ${lat.p50} ms p99 ${lat.p99} ms` : ''}${wire}${why ? ` — ${why}` : ''}`;
  return { ok: data.received > 0, summary, data };
}
