/**
 * udp: datagrams to a port (agnhost netexec answers "hostname" with the pod's name), each from a
 * socket of its own, as separate clients would send them: through a Service, conntrack then picks
 * an endpoint per datagram, and the replies show the spread over endpoints.
 */
import type { UdpStep } from '../../topology/scenario-types.js';
import type { ScenarioContext } from '../context.js';
import { summarize } from '../measure/stats.js';
import { type PortPlace, Resolver, type SourcePlace, info } from '../resolve.js';
import type { UdpData } from '../types.js';
import { spreadOf } from './spread.js';

export async function runUdp(ctx: ScenarioContext, step: UdpStep): Promise<{ ok: boolean; summary: string; data: UdpData }> {
  const resolver = new Resolver(ctx.cluster);
  const from = await resolver.source(step.from);
  const to = await resolver.portTarget(step.to, from);
  const expected = to.service ? (await resolver.readyEndpoints(to.service)).map((e) => e.pod) : null;
  const answers = await sendAll(ctx, from, to, step);
  const rtts = answers.flatMap((a) => (a === null ? [] : [a.rttMs]));
  const replies = answers.flatMap((a) => (a === null ? [] : [a.text]));
  const data: UdpData = {
    kind: 'udp', from: info(from), to: { ...info(to), port: to.port }, sent: answers.length, received: rtts.length,
    latencyMs: summarize(rtts), spread: expected === null ? null : spreadOf(expected, replies),
  };
  const spread = data.spread ? `, ${Object.keys(data.spread.hits).length}/${data.spread.expected.length} endpoints answered` : '';
  return { ok: data.received > 0, summary: `${data.received}/${data.sent} replies${data.latencyMs ? `, p50 ${data.latencyMs.p50} ms` : ''}${spread}`, data };
}

function sendAll(ctx: ScenarioContext, from: SourcePlace, to: PortPlace, step: UdpStep): Promise<({ rttMs: number; text: string } | null)[]> {
  const payload = new TextEncoder().encode(step.payload);
  return Promise.all(Array.from({ length: step.count }, (_, i) => new Promise<{ rttMs: number; text: string } | null>((resolve) => {
    ctx.clock.setTimeout(() => {
      const sock = from.ns.udp.bind(0);
      const sentAt = ctx.clock.now();
      const finish = (r: { rttMs: number; text: string } | null): void => {
        timer.cancel();
        sock.close();
        resolve(r);
      };
      const timer = ctx.clock.setTimeout(() => finish(null), step.timeout);
      sock.onMessage((data) => finish({ rttMs: ctx.clock.now() - sentAt, text: new TextDecoder().decode(data).trim() }));
      sock.onError(() => finish(null));
      sock.send(to.ip, to.port, payload);
    }, i * step.interval);
  })));
}
