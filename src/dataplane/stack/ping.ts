/**
 * `ping` from a namespace: ICMP echo requests on the namespace's Clock, replies and ICMP errors
 * matched by echo id and sequence, as iputils ping reports them (RTTs, reply TTLs, losses, and
 * "From X icmp_seq=N Destination Host Unreachable" style errors).
 */

import { ICMP_TYPE_DEST_UNREACHABLE, buildIcmpEcho, formatIpv4, writeU32 } from '../../net/index.js';
import type { TimerHandle } from '../../util/clock.js';
import { toIp } from './cidr.js';
import type { IcmpErrorReport } from './icmp.js';
import type { NetNamespace } from './namespace.js';

export interface PingOptions {
  /** Default 1. */
  count?: number;
  /** ICMP data bytes (ping -s); default 56, so 84-byte IPv4 packets. */
  size?: number;
  ttl?: number;
  /** ping -M do. */
  df?: boolean;
  /** Between requests; default 1000 ms. */
  intervalMs?: number;
  /** How long each request waits for its reply; default 1000 ms. */
  timeoutMs?: number;
  /** Source address; default: chosen by the route. */
  src?: number | string;
}

export interface PingReply {
  seq: number;
  from: string;
  rttMs: number;
  ttl: number;
  bytes: number;
}

export interface PingError {
  seq: number;
  from: string;
  /** e.g. "Destination Host Unreachable", "Time to live exceeded", "Frag needed and DF set (mtu = 1400)". */
  message: string;
  type: number;
  code: number;
  nextHopMtu: number;
}

export interface PingResult {
  dst: string;
  transmitted: number;
  received: number;
  replies: PingReply[];
  errors: PingError[];
  /** Sequence numbers that got no reply. */
  lost: number[];
  rtts: number[];
  ttls: number[];
}

const UNREACH_TEXT = ['Destination Net Unreachable', 'Destination Host Unreachable', 'Destination Protocol Unreachable',
  'Destination Port Unreachable', 'Frag needed and DF set', 'Source Route Failed'];

export function describeIcmpError(type: number, code: number, nextHopMtu: number): string {
  if (type !== ICMP_TYPE_DEST_UNREACHABLE) return code === 0 ? 'Time to live exceeded' : 'Frag reassembly time exceeded';
  if (code === 4) return `Frag needed and DF set (mtu = ${nextHopMtu})`;
  if (code === 13) return 'Packet filtered';
  return UNREACH_TEXT[code] ?? `Dest Unreachable, Bad Code: ${code}`;
}

/** Resolves once every request has its reply, error or timeout; the Clock drives all waiting. */
export function ping(ns: NetNamespace, dst: number | string, opts: PingOptions = {}): Promise<PingResult> {
  const target = toIp(dst);
  const count = opts.count ?? 1;
  const size = opts.size ?? 56;
  const interval = opts.intervalMs ?? 1000;
  const timeout = opts.timeoutMs ?? 1000;
  const result: PingResult = { dst: formatIpv4(target), transmitted: 0, received: 0, replies: [], errors: [], lost: [], rtts: [], ttls: [] };
  const pending = new Map<number, { sentAt: number; timer: TimerHandle }>();
  const timers: TimerHandle[] = [];

  return new Promise((resolve) => {
    let finishedProbes = 0;
    const finish = (seq: number, answered: boolean): void => {
      const p = pending.get(seq);
      if (p === undefined) return;
      p.timer.cancel();
      pending.delete(seq);
      if (!answered) result.lost.push(seq);
      if (++finishedProbes === count) {
        socket.close();
        for (const t of timers) t.cancel();
        result.lost.sort((a, b) => a - b);
        resolve(result);
      }
    };
    const socket = ns.icmp.openEcho({
      onReply: (reply) => {
        const p = pending.get(reply.seq);
        if (p === undefined) return; // a duplicate or a late reply
        const rttMs = ns.clock.now() - p.sentAt;
        result.received++;
        result.replies.push({ seq: reply.seq, from: formatIpv4(reply.from), rttMs, ttl: reply.ttl, bytes: reply.bytes });
        result.rtts.push(rttMs);
        result.ttls.push(reply.ttl);
        finish(reply.seq, true);
      },
      onError: (report: IcmpErrorReport, seq: number) => {
        if (!pending.has(seq)) return;
        result.errors.push({
          seq, from: formatIpv4(report.from), message: describeIcmpError(report.type, report.code, report.nextHopMtu),
          type: report.type, code: report.code, nextHopMtu: report.nextHopMtu,
        });
        finish(seq, false);
      },
    });
    const send = (seq: number): void => {
      const src = opts.src !== undefined ? toIp(opts.src) : ns.selectSource(target);
      const packet = buildIcmpEcho({ src, dst: target, echoId: socket.id, seq, payload: pingPayload(size, ns.clock.now()), ttl: opts.ttl, df: opts.df, id: ns.nextIpId() });
      pending.set(seq, { sentAt: ns.clock.now(), timer: ns.clock.setTimeout(() => finish(seq, false), timeout) });
      result.transmitted++;
      ns.sendIp(packet);
    };
    if (count <= 0) {
      socket.close();
      resolve(result);
      return;
    }
    send(1); // ping numbers its requests from 1
    for (let seq = 2; seq <= count; seq++) timers.push(ns.clock.setTimeout(() => send(seq), (seq - 1) * interval));
  });
}

/** iputils' layout: a timestamp in the first 16 bytes (when they fit), then bytes counting up. */
function pingPayload(size: number, now: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = i & 0xff;
  if (size >= 16) {
    writeU32(data, 0, Math.floor(now / 1000));
    writeU32(data, 4, Math.round((now % 1000) * 1000));
  }
  return data;
}
