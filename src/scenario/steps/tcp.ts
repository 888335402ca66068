/**
 * tcp: a bulk transfer over kemu's TCP. kemu listens in the destination's namespace, the source
 * connects and writes `bytes` honouring backpressure, and the receiver timestamps the bytes as they
 * arrive. Goodput is what arrived over the time it took; the steady value is the rate after the
 * first quarter (slow start left out), so on a rate-limited link it shows the share of the link the
 * headers leave to data. The frames both hosts sent on the underlay meanwhile are the packets per transfer.
 *
 * The receiver's buffer is the step's `window` (iperf3 -w), by default 3/4 of what the path's
 * tbf queue holds (rate × 50 ms): TCP then fills the link without tail drops, so the measured rate
 * is the link's and not TCP's loss recovery (in-order bytes only count once a hole is filled, so
 * with losses a rate over a window can catch a burst of held-back data).
 */
import { TcpLayer, type TcpServer, type TcpSocket } from '../../dataplane/tcp/index.js';
import { toIp } from '../../dataplane/stack/index.js';
import type { TcpStep } from '../../topology/scenario-types.js';
import { KemuError } from '../../util/errors.js';
import type { ScenarioContext } from '../context.js';
import { round3 } from '../measure/stats.js';
import { watchFirstPacket } from '../measure/wire.js';
import { type Place, Resolver, type SourcePlace, info, pathBetween } from '../resolve.js';
import type { TcpData } from '../types.js';

const CHUNK = 64 * 1024;
const IPPROTO_TCP = 6;

interface Transfer {
  received: number;
  /** Clock times: first write and last byte received. */
  startedAt: number;
  endedAt: number | undefined;
  /** [time, bytes received so far] as data arrives. */
  samples: [number, number][];
  error: string | null;
}

/** Least-squares slope of bytes over milliseconds; null when it cannot be fitted. */
function slope(s: readonly [number, number][]): number | null {
  const n = s.length;
  if (n < 4) return null;
  const mt = s.reduce((a, [t]) => a + t, 0) / n;
  const mb = s.reduce((a, [, b]) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, b] of s) {
    num += (t - mt) * (b - mb);
    den += (t - mt) ** 2;
  }
  return den > 0 ? num / den : null;
}

/**
 * The steady rate in Mbit/s once a quarter of the bytes arrived (slow start left out): the rest cut
 * into four parts by bytes, a least-squares fit of bytes over time in each, and the median of the
 * four. Fits use every arrival, not two end points, so a late timer moves them by little; the
 * median leaves out a part where this process stalled (the machine is shared). null when too few
 * arrivals were seen.
 */
export function steadyMbps(samples: readonly [number, number][], total: number): number | null {
  const s = samples.filter(([, b]) => b >= total / 4);
  const parts = 4;
  const rates: number[] = [];
  for (let i = 0; i < parts; i++) {
    const lo = total / 4 + (i * (total * 3 / 4)) / parts;
    const hi = total / 4 + ((i + 1) * (total * 3 / 4)) / parts;
    const r = slope(s.filter(([, b]) => b >= lo && b <= hi));
    if (r !== null) rates.push(r);
  }
  if (rates.length < 2) return null;
  rates.sort((a, b) => a - b);
  const mid = rates.length / 2;
  const median = rates.length % 2 ? rates[Math.floor(mid)]! : (rates[mid - 1]! + rates[mid]!) / 2;
  return round3((median * 8) / 1000);
}

export async function runTcp(ctx: ScenarioContext, step: TcpStep): Promise<{ ok: boolean; summary: string; data: TcpData }> {
  const resolver = new Resolver(ctx.cluster);
  const from = await resolver.source(step.from);
  const to = await resolver.endpoint(step.to);
  if (to.ns === undefined) throw new KemuError('ERR_SCENARIO_TARGET', `${step.to}: kemu can only listen in a namespace it runs (a node or a pod)`);
  const net = ctx.cluster.network;
  const hosts = [...new Set([from.node, to.node].filter((n): n is string => n !== null))].map((n) => net.node(n));
  const framesBefore = hosts.map((h) => h.eth0.dev.counters.txPackets);
  const retransmitsBefore = TcpLayer.of(from.ns).counters.retransmits;
  const srcHost = from.node === null ? undefined : net.nodes.get(from.node);
  const dst = toIp(to.ip);
  const watch = srcHost && from.node !== to.node ? watchFirstPacket(srcHost.eth0.dev, from.ns.selectSource(dst), dst, IPPROTO_TCP) : undefined;
  let t: Transfer;
  try {
    const linkMbps = bottleneckMbps(ctx, from, to);
    t = await transfer(ctx, from, to as SourcePlace, step, step.window ?? autoWindow(linkMbps));
  } finally {
    watch?.stop();
  }
  const completed = t.received >= step.bytes && t.error === null;
  const end = t.endedAt ?? ctx.clock.now();
  const elapsedMs = end - t.startedAt;
  const mbps = (bytes: number, ms: number) => (ms > 0 ? round3((bytes * 8) / (ms * 1000)) : null);
  const steady = completed ? steadyMbps(t.samples, step.bytes) : null;
  const seen = watch?.result();
  const data: TcpData = {
    kind: 'tcp', from: info(from), to: { ...info(to), port: step.port }, path: pathBetween(info(from), info(to)),
    bytes: step.bytes, received: t.received, completed, elapsedMs: round3(elapsedMs),
    goodputMbps: completed ? mbps(t.received, elapsedMs) : null, steadyGoodputMbps: steady,
    linkRateMbps: bottleneckMbps(ctx, from, to),
    window: step.window ?? autoWindow(bottleneckMbps(ctx, from, to)),
    underlayPackets: hosts.length === 0 ? null : hosts.reduce((sum, h, i) => sum + h.eth0.dev.counters.txPackets - framesBefore[i]!, 0),
    retransmits: TcpLayer.of(from.ns).counters.retransmits - retransmitsBefore,
    podMtu: from.pod ? from.ns.device('eth0')?.mtu ?? null : null,
    wire: seen ? { ...seen } : null,
    error: t.error,
  };
  const summary = completed
    ? `${(step.bytes / 1048576).toFixed(2)} MiB in ${(elapsedMs / 1000).toFixed(2)} s: ${data.goodputMbps} Mbit/s (steady ${steady ?? '-'} Mbit/s` +
      `${data.linkRateMbps === null ? '' : ` of a ${data.linkRateMbps} Mbit/s link`}), ${data.underlayPackets ?? '-'} underlay frames, ${data.retransmits} retransmits`
    : `transfer failed after ${t.received} bytes: ${t.error ?? 'incomplete'}`;
  return { ok: completed, summary, data };
}

/** 3/4 of a tbf queue (rate × 50 ms) in payload bytes, 16 KiB at least; null: TCP's default. */
export function autoWindow(linkMbps: number | null): number | null {
  if (linkMbps === null) return null;
  const queueBytes = (linkMbps * 1e6 / 8) * 0.05;
  return Math.max(16 * 1024, Math.floor(queueBytes * 0.75 * (1460 / 1514)));
}

/** The lowest link rate on the segments of both ends (routers forward at the segment rates). */
function bottleneckMbps(ctx: ScenarioContext, a: Place, b: Place): number | null {
  const rates = [a.subnet, b.subnet]
    .filter((s): s is string => s !== null)
    .map((s) => ctx.cluster.network.segments.get(s)?.link.rate ?? null)
    .filter((r): r is number => r !== null);
  return rates.length === 0 ? null : Math.min(...rates) / 1e6;
}

function transfer(ctx: ScenarioContext, from: SourcePlace, to: SourcePlace, step: TcpStep, window: number | null): Promise<Transfer> {
  const clock = ctx.clock;
  const t: Transfer = { received: 0, startedAt: clock.now(), endedAt: undefined, samples: [], error: null };
  let server: TcpServer;
  const receiver = TcpLayer.of(to.ns);
  try {
    server = receiver.listen(step.port);
  } catch (err) {
    return Promise.resolve({ ...t, error: `cannot listen on ${to.ip}:${step.port}: ${(err as Error).message}` });
  }
  // The buffer of connections accepted from now on (setsockopt SO_RCVBUF on the listener), until ours is accepted.
  const savedBuffer = receiver.options.receiveBuffer;
  if (window !== null) receiver.options.receiveBuffer = window;
  const restoreBuffer = (): void => {
    if (savedBuffer === undefined) delete receiver.options.receiveBuffer;
    else receiver.options.receiveBuffer = savedBuffer;
  };
  let client: TcpSocket | undefined;
  let accepted: TcpSocket | undefined;
  return new Promise<Transfer>((resolve) => {
    let done = false;
    const finish = (error: string | null): void => {
      if (done) return;
      done = true;
      timer.cancel();
      restoreBuffer();
      t.error = error;
      server.close();
      client?.destroy();
      accepted?.destroy();
      resolve(t);
    };
    const timer = clock.setTimeout(() => finish(`timed out after ${step.timeout} ms`), step.timeout);
    server.once('connection', (s: TcpSocket) => {
      restoreBuffer();
      accepted = s;
      s.on('data', (d: Buffer) => {
        t.received += d.length;
        t.samples.push([clock.now(), t.received]);
        if (t.received >= step.bytes) {
          t.endedAt = clock.now();
          finish(null);
        }
      });
      s.on('error', (err: Error) => finish(`receiver: ${err.message}`));
    });
    client = TcpLayer.of(from.ns).connect({ host: to.ip, port: step.port });
    client.on('error', (err: Error) => finish(err.message));
    client.once('connect', () => {
      const chunk = Buffer.alloc(CHUNK, 0x5a);
      let written = 0;
      t.startedAt = clock.now();
      const pump = (): void => {
        while (written < step.bytes && !done) {
          const n = Math.min(CHUNK, step.bytes - written);
          written += n;
          if (!client!.write(n === CHUNK ? chunk : chunk.subarray(0, n))) return void client!.once('drain', pump);
        }
      };
      pump();
    });
  });
}
