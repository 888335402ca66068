/**
 * ICMP for a namespace: the echo responder, echo "sockets" for ping, errors sent with Linux's rules
 * (never about ICMP errors, non-first fragments, broadcasts or martian sources; rate-limited per
 * destination like icmp_ratelimit, with PMTU errors and errors to ourselves exempt), and errors
 * received delivered to whoever owns the quoted datagram.
 */

import {
  ICMP_TYPE_DEST_UNREACHABLE, ICMP_TYPE_TIME_EXCEEDED, ICMP_UNREACH_FRAG_NEEDED, IPPROTO_ICMP, IPPROTO_UDP,
  type Ipv4Packet, buildIcmpEcho, buildIcmpError, decodeIcmp, decodeIpv4Header, formatIpv4, icmpQuote, readU16, readU32,
} from '../../net/index.js';
import { LIMITED_BROADCAST, isMulticastIp } from './cidr.js';
import { dropReason } from './counters.js';
import type { NetNamespace } from './namespace.js';

/** An ICMP error about a datagram this namespace sent, as its owner (socket, ping, TCP) sees it. */
export interface IcmpErrorReport {
  /** Who reported it: a router, the destination, or this namespace for errors found on output. */
  from: number;
  type: number;
  code: number;
  nextHopMtu: number;
  /** Our datagram's header as quoted (its payload holds at most the first 8 L4 bytes). */
  quoted: Ipv4Packet;
  /** What a Linux socket would report (icmp_err_convert): ECONNREFUSED, EHOSTUNREACH, EMSGSIZE... */
  errno: string;
}

export interface EchoReply {
  from: number;
  seq: number;
  ttl: number;
  /** ICMP message length (header + data), what ping prints as "N bytes from". */
  bytes: number;
  payload: Uint8Array;
}

export interface EchoListener {
  onReply(reply: EchoReply): void;
  onError(report: IcmpErrorReport, seq: number): void;
}

const UNREACH_ERRNO = ['ENETUNREACH', 'EHOSTUNREACH', 'ENOPROTOOPT', 'ECONNREFUSED', 'EMSGSIZE', 'EOPNOTSUPP',
  'ENETUNREACH', 'EHOSTDOWN', 'ENONET', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH',
  'EHOSTUNREACH', 'EHOSTUNREACH'];
const ICMP_ERROR_TYPES = new Set([3, 4, 5, 11, 12]);
const NR_ICMP_TYPES = 18;
/** XRLIM_BURST_FACTOR × icmp_ratelimit: six errors at once, then one per second, per destination. */
const RATE_INTERVAL_MS = 1000;
const RATE_BURST_MS = 6 * RATE_INTERVAL_MS;
const MAX_RATE_PEERS = 4096;

export function errnoFor(type: number, code: number): string {
  if (type === ICMP_TYPE_DEST_UNREACHABLE) return UNREACH_ERRNO[code] ?? 'EHOSTUNREACH';
  return 'EHOSTUNREACH'; // time exceeded and parameter problems
}

export class IcmpLayer {
  private readonly echoListeners = new Map<number, EchoListener>();
  private nextEchoId = 1 + Math.floor(Math.random() * 0xfffe);
  private readonly peers = new Map<number, { tokens: number; last: number }>();

  constructor(private readonly ns: NetNamespace) {}

  /** A ping socket: echo replies and errors carrying the returned id come to `listener`. */
  openEcho(listener: EchoListener): { id: number; close(): void } {
    let id = this.nextEchoId;
    for (let i = 0; i < 0x10000 && this.echoListeners.has(id); i++) id = (id % 0xffff) + 1;
    this.nextEchoId = (id % 0xffff) + 1;
    this.echoListeners.set(id, listener);
    return { id, close: () => this.echoListeners.delete(id) };
  }

  receive(ip: Ipv4Packet, broadcast: boolean): void {
    const ns = this.ns;
    const decoded = decodeIcmp(ip.payload);
    if (!decoded.ok) return ns.dropIp(dropReason('icmp', decoded.error.code), ip.totalLength);
    ns.counters.delivered++;
    const msg = decoded.value;
    switch (msg.kind) {
      case 'echo-request':
        if (broadcast) return; // icmp_echo_ignore_broadcasts=1
        ns.sendIp(buildIcmpEcho({
          src: ip.dst, dst: ip.src, echoId: msg.id, seq: msg.seq, payload: msg.payload, reply: true, dscp: ip.dscp, id: ns.nextIpId(),
        }));
        return;
      case 'echo-reply': {
        const listener = this.echoListeners.get(msg.id);
        if (listener === undefined) return;
        const reply = { from: ip.src, seq: msg.seq, ttl: ip.ttl, bytes: ip.payload.length, payload: msg.payload };
        this.callback(() => listener.onReply(reply));
        return;
      }
      case 'dest-unreachable':
      case 'time-exceeded': {
        const quoted = decodeIpv4Header(msg.original, { verifyChecksum: false });
        if (!quoted.ok) return;
        const type = msg.kind === 'dest-unreachable' ? ICMP_TYPE_DEST_UNREACHABLE : ICMP_TYPE_TIME_EXCEEDED;
        const nextHopMtu = msg.kind === 'dest-unreachable' ? msg.nextHopMtu : 0;
        this.dispatch({ from: ip.src, type, code: msg.code, nextHopMtu, quoted: quoted.value, errno: errnoFor(type, msg.code) });
        return;
      }
      default:
        return;
    }
  }

  /** Sends an ICMP error about `original` to its source, unless Linux would stay silent. */
  sendError(original: Uint8Array, kind: 'dest-unreachable' | 'time-exceeded', code: number, nextHopMtu = 0): void {
    const ns = this.ns;
    if (!this.mayAnswer(original)) return;
    const to = readU32(original, 12);
    const exempt = (kind === 'dest-unreachable' && code === ICMP_UNREACH_FRAG_NEEDED) || ns.isLocalAddress(to);
    if (!exempt && !this.allowedTo(to)) {
      ns.counters.icmpRateLimited++;
      return;
    }
    const originalDst = readU32(original, 16);
    const from = ns.isLocalAddress(originalDst) ? originalDst : ns.selectSource(to);
    if (from === 0) return;
    ns.counters.icmpOutErrors++;
    if (ns.trace !== undefined) ns.traceStep('icmp', `${kind} code ${code}${nextHopMtu ? ` mtu ${nextHopMtu}` : ''} to ${formatIpv4(to)}`);
    // DSCP CS6 (TOS 0xc0), as Linux marks ICMP errors (IPTOS_PREC_INTERNETCONTROL).
    ns.sendIp(buildIcmpError({ src: from, dst: to, kind, code, original, nextHopMtu, dscp: 48, id: ns.nextIpId() }));
  }

  /** An error found while sending our own datagram (no route, DF too big): straight to its owner. */
  deliverLocalError(original: Uint8Array, type: number, code: number, nextHopMtu: number): void {
    const quoted = decodeIpv4Header(icmpQuote(original), { verifyChecksum: false });
    if (!quoted.ok) return;
    if (this.ns.trace !== undefined) this.ns.traceStep('error', `local ${errnoFor(type, code)} for ${formatIpv4(quoted.value.dst)}`);
    this.dispatch({ from: quoted.value.src, type, code, nextHopMtu, quoted: quoted.value, errno: errnoFor(type, code) });
  }

  private dispatch(report: IcmpErrorReport): void {
    const q = report.quoted;
    if (q.protocol === IPPROTO_UDP) return this.ns.udp.icmpError(report);
    if (q.protocol === IPPROTO_ICMP) {
      if (q.payload.length < 8 || q.payload[0] !== 8) return;
      const listener = this.echoListeners.get(readU16(q.payload, 4));
      const seq = readU16(q.payload, 6);
      if (listener !== undefined) this.callback(() => listener.onError(report, seq));
      return;
    }
    const handler = this.ns.protocolHandler(q.protocol);
    if (handler?.icmpError !== undefined) this.callback(() => handler.icmpError!(report));
  }

  /** RFC 1122 3.2.2 and Linux icmp_send's early exits. */
  private mayAnswer(original: Uint8Array): boolean {
    if (original.length < 20) return false;
    const src = readU32(original, 12);
    const dst = readU32(original, 16);
    if (src === 0 || src === LIMITED_BROADCAST || isMulticastIp(src)) return false;
    if (dst === LIMITED_BROADCAST || isMulticastIp(dst) || this.ns.localDestination(dst) === 'broadcast') return false;
    if ((readU16(original, 6) & 0x1fff) !== 0) return false; // only the first fragment
    if (original[9] !== IPPROTO_ICMP) return true;
    const ihl = (original[0]! & 0x0f) * 4;
    if (original.length <= ihl) return false;
    const type = original[ihl]!;
    return type <= NR_ICMP_TYPES && !ICMP_ERROR_TYPES.has(type);
  }

  private allowedTo(dst: number): boolean {
    const now = this.ns.clock.now();
    let peer = this.peers.get(dst);
    if (peer === undefined) {
      if (this.peers.size >= MAX_RATE_PEERS) this.peers.clear();
      peer = { tokens: RATE_BURST_MS, last: now };
      this.peers.set(dst, peer);
    }
    peer.tokens = Math.min(RATE_BURST_MS, peer.tokens + (now - peer.last));
    peer.last = now;
    if (peer.tokens < RATE_INTERVAL_MS) return false;
    peer.tokens -= RATE_INTERVAL_MS;
    return true;
  }

  private callback(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ns.handlerError(err);
    }
  }
}
