/**
 * `kemu trace`: one probe through the live emulation, with the stack's own TraceSteps. For the
 * probe's lifetime every namespace gets a trace sink and every device a tap; taps recognise the
 * probe's frames (probe.ts) and mark what the stack is processing as relevant, so the sinks keep only
 * the steps of this probe, its ARP resolution, its reply and any ICMP error about it. This works
 * because the stack processes a received frame synchronously to the end (backlog.ts), and each
 * underlay datagram arrives in its own event: a step belongs to the frame last received.
 */
import { ApiError } from '../../api/errors.js';
import { type NetDevice, type NetNamespace, toIp } from '../../dataplane/stack/index.js';
import type { TraceSink, TraceStep } from '../../dataplane/types.js';
import { DgramPort, type UnderlayPort } from '../../dataplane/underlay/index.js';
import { IPPROTO_TCP, TCP_SYN, buildIcmpEcho, buildIpv4Tcp, buildIpv4Udp, formatIpv4, formatMac, readU32 } from '../../net/index.js';
import { describeReply, isIcmpError } from './describe.js';
import type { LabNetwork } from './network.js';
import { type ProbeProto, type ProbeSpec, arpAddresses, ipOfFrame, isProbeItself, matchesIp } from './probe.js';
import { destinationAddress, resolveNamespaceTarget } from './targets.js';

export interface TraceOptions {
  src: string;
  dst: string;
  proto?: ProbeProto;
  /** udp/tcp destination port (default 33434 for udp, as traceroute; 80 for tcp). */
  port?: number;
  /** icmp: echo data bytes (default 56); udp: payload bytes (default 32). */
  size?: number;
  ttl?: number;
  /** How long to wait for a reply or an error (default 2000 ms). */
  timeoutMs?: number;
}

export interface TraceResult {
  src: { target: string; namespace: string; ip: string };
  dst: { target: string; ip: string };
  proto: ProbeProto;
  port?: number;
  /** reply: an answer came back; error: an ICMP error or a local error; dropped: lost on the way out; timeout: nothing came back. */
  outcome: 'reply' | 'error' | 'timeout' | 'dropped';
  summary: string;
  steps: TraceStep[];
  elapsedMs: number;
}

/** Steps kept per event while it is not known whether they are the probe's. */
const MAX_PENDING = 256;
const locks = new WeakMap<LabNetwork, Promise<unknown>>();

/** One trace at a time per network: the sinks and the relevance flag are shared by all namespaces. */
export function traceProbe(net: LabNetwork, opts: TraceOptions): Promise<TraceResult> {
  const previous = locks.get(net) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => runTrace(net, opts));
  locks.set(net, next);
  return next;
}

async function runTrace(net: LabNetwork, opts: TraceOptions): Promise<TraceResult> {
  if (!net.running) throw new ApiError('BadRequest', 'the packet plane is not running');
  const proto = opts.proto ?? 'icmp';
  if (proto !== 'icmp' && proto !== 'udp' && proto !== 'tcp') throw new ApiError('BadRequest', `proto must be icmp, udp or tcp, not ${String(proto)}`);
  const from = resolveNamespaceTarget(net, opts.src);
  const dst = destinationAddress(net, opts.dst);
  const ns = from.ns;
  const src = from.kind === 'ip' ? toIp(from.ip) : ns.selectSource(dst) || toIp(from.ip);
  const port = proto === 'icmp' ? undefined : opts.port ?? (proto === 'udp' ? 33434 : 80);
  const session = new TraceSession(net, ns);
  const started = net.clock.now();
  const cleanup: Array<() => void> = [];
  try {
    const ipId = ns.nextIpId();
    let packet: Uint8Array;
    if (proto === 'icmp') {
      const echo = ns.icmp.openEcho({ onReply: () => session.finish('reply'), onError: () => session.finish('error') });
      cleanup.push(() => echo.close());
      session.spec = { proto, src, ipId, id: echo.id, seq: 1 };
      packet = buildIcmpEcho({ src, dst, echoId: echo.id, seq: 1, payload: new Uint8Array(opts.size ?? 56), ttl: opts.ttl, id: ipId });
    } else if (proto === 'udp') {
      const sock = ns.udp.bind(0).onMessage(() => session.finish('reply')).onError(() => session.finish('error'));
      cleanup.push(() => sock.close());
      session.spec = { proto, src, ipId, id: sock.port, seq: port! };
      packet = buildIpv4Udp({ src, dst, srcPort: sock.port, dstPort: port!, payload: new Uint8Array(opts.size ?? 32), ttl: opts.ttl, id: ipId });
    } else {
      const srcPort = 32768 + Math.floor(Math.random() * 28232);
      session.spec = { proto, src, ipId, id: srcPort, seq: port! };
      // Until kemu has TCP, nothing would answer the SYN-ACK but an ICMP protocol unreachable; this
      // handler stands in for the socket that sent the SYN (and leaves a real TCP stack alone).
      if (ns.protocolHandler(IPPROTO_TCP) === undefined) {
        cleanup.push(ns.registerProtocol(IPPROTO_TCP, { receive: () => undefined }));
      }
      packet = buildIpv4Tcp({
        src, dst, srcPort, dstPort: port!, seq: (Math.random() * 0xffffffff) >>> 0, ack: 0, flags: TCP_SYN, window: 64240,
        options: { mss: 1460 }, ttl: opts.ttl, id: ipId,
      });
    }
    session.install();
    cleanup.push(() => session.uninstall());
    const timer = net.clock.setTimeout(() => session.finish('timeout'), Math.min(Math.max(opts.timeoutMs ?? 2000, 1), 30_000));
    cleanup.push(() => timer.cancel());
    session.mark(true);
    if (!ns.sendIp(packet)) session.finish('dropped');
    const outcome = await session.done;
    const steps = session.steps;
    return {
      src: { target: opts.src, namespace: ns.name, ip: formatIpv4(src) },
      dst: { target: opts.dst, ip: formatIpv4(dst) },
      proto,
      ...(port !== undefined ? { port } : {}),
      outcome,
      summary: session.reply !== undefined ? describeReply(session.reply) : summarize(outcome, steps),
      steps,
      elapsedMs: net.clock.now() - started,
    };
  } finally {
    for (const c of cleanup.reverse()) c();
  }
}

function summarize(outcome: TraceResult['outcome'], steps: TraceStep[]): string {
  const drop = [...steps].reverse().find((s) => s.kind === 'drop');
  if (outcome === 'timeout') {
    if (drop !== undefined) return `no reply: dropped in ${drop.namespace} (${drop.detail})`;
    const delivered = [...steps].reverse().find((s) => s.kind === 'deliver');
    return delivered !== undefined ? `delivered in ${delivered.namespace}, no reply` : 'no reply (lost on the way?)';
  }
  if (drop !== undefined) return `dropped in ${drop.namespace} (${drop.detail})`;
  return outcome === 'error' ? 'local error' : outcome;
}

class TraceSession {
  spec!: ProbeSpec;
  readonly steps: TraceStep[] = [];
  reply: Uint8Array | undefined;
  readonly done: Promise<TraceResult['outcome']>;
  private resolve!: (o: TraceResult['outcome']) => void;
  private relevant = false;
  private readonly pending: TraceStep[] = [];
  private resetQueued = false;
  private finished = false;
  private readonly arpInterest = new Set<number>();
  private readonly restore: Array<() => void> = [];

  constructor(private readonly net: LabNetwork, private readonly source: NetNamespace) {
    this.done = new Promise((r) => (this.resolve = r));
  }

  install(): void {
    for (const ns of this.net.namespaces()) {
      const previous = ns.trace;
      const sink: TraceSink = (step) => {
        previous?.(step);
        if (this.finished) return;
        if (this.relevant) this.steps.push(step);
        else if (this.pending.length < MAX_PENDING) {
          this.pending.push(step);
          this.endOfEvent();
        }
      };
      ns.trace = sink;
      this.restore.push(() => {
        if (ns.trace === sink) ns.trace = previous;
      });
      for (const dev of ns.devices()) this.restore.push(dev.addTap((dir, frame, linkType, at) => this.tap(ns, dev, dir, frame, linkType, at)));
    }
  }

  uninstall(): void {
    for (const r of this.restore.splice(0)) r();
  }

  /** What the stack does next belongs to the probe (or not) until the current event ends. */
  mark(relevant: boolean): void {
    this.relevant = relevant;
    this.pending.length = 0; // steps before a received frame belonged to whatever was processed before it
    if (relevant) this.endOfEvent();
  }

  /**
   * Work started by a timer (an ARP retry, a queued packet finally sent, an ICMP error after ARP
   * failed) has no received frame to mark it: its steps wait here until the event transmits one of
   * the probe's frames (then they are the probe's) or ends (then they were not).
   */
  private promotePending(): void {
    this.steps.push(...this.pending);
    this.mark(true);
  }

  /** Relevance and pending steps last until the current event (a datagram, a timer) has run. */
  private endOfEvent(): void {
    if (this.resetQueued) return;
    this.resetQueued = true;
    queueMicrotask(() => {
      this.relevant = false;
      this.pending.length = 0;
      this.resetQueued = false;
    });
  }

  /** Settles once the synchronous processing in progress (the reply's delivery) has run. */
  finish(outcome: TraceResult['outcome']): void {
    if (this.finished) return;
    queueMicrotask(() => {
      this.finished = true;
      this.resolve(outcome);
    });
  }

  private tap(ns: NetNamespace, dev: NetDevice, dir: 'rx' | 'tx', frame: Uint8Array, linkType: 'ethernet' | 'raw', at: number): void {
    // lo is tapped on transmit only, and what it transmits it receives.
    const receiving = dir === 'rx' || dev.kind === 'loopback';
    const ip = ipOfFrame(frame, linkType);
    let match = false;
    let arpText = '';
    if (ip !== undefined) {
      match = matchesIp(this.spec, ip);
    } else if (linkType === 'ethernet') {
      const arp = arpAddresses(frame);
      if (arp !== undefined) {
        if (dir === 'tx' && this.relevant && arp.op === 1) this.arpInterest.add(arp.target);
        match = this.arpInterest.has(arp.target) || this.arpInterest.has(arp.sender);
        arpText = arp.op === 1 ? `arp who-has ${formatIpv4(arp.target)} tell ${formatIpv4(arp.sender)}` : `arp ${formatIpv4(arp.sender)} is-at ${formatMac(frame, 22)}`;
      }
    }
    if (receiving) this.mark(match);
    if (!match || this.finished) return;
    if (!this.relevant) this.promotePending();
    if (dir === 'tx') this.underlayStep(dev, frame, arpText, at);
    if (receiving && ns === this.source && ip !== undefined && !isProbeItself(this.spec, ip) && readU32(ip, 16) === this.spec.src) {
      this.reply ??= ip.slice();
      this.finish(isIcmpError(ip) ? 'error' : 'reply');
    }
  }

  /** The hop between hosts: which socket sent the frame to which, over the real loopback network. */
  private underlayStep(dev: NetDevice, frame: Uint8Array, arpText: string, at: number): void {
    const link = this.net.linkOf(dev);
    if (link?.port === undefined) return;
    const broadcast = (frame[0]! & 1) === 1;
    const to = broadcast ? undefined : link.segment.port(frame.subarray(0, 6));
    const wire = (p: UnderlayPort | undefined): string => (p instanceof DgramPort ? `${p.address}:${p.udpPort}` : 'memory');
    const peer = broadcast ? 'every port (broadcast)' : to === undefined ? `unknown MAC ${formatMac(frame, 0)}` : `${to.label} ${wire(to)}`;
    const l = link.port.link;
    const impair = [l.delay > 0 ? `delay ${l.delay}ms` : '', l.loss > 0 ? `loss ${+(l.loss * 100).toFixed(3)}%` : ''].filter(Boolean).join(' ');
    this.steps.push({
      at, namespace: `underlay:${link.subnet.name}`, kind: 'underlay', iface: dev.name,
      detail: `${arpText ? arpText + ': ' : ''}${link.port.label} ${wire(link.port)} > ${peer}${impair ? ` (${impair})` : ''}`,
      bytes: frame.length,
    });
  }
}
