/**
 * Connection tuples as nf_conntrack sees them, read straight from IPv4 bytes. ICMP queries are keyed
 * like Linux keys them: the echo id takes the source-port slot and the ICMP type the destination-port
 * slot, so an echo request and an echo reply are told apart (the reply tuple inverts 8 <-> 0).
 */
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, readU16, readU32 } from '../../net/index.js';

export interface Tuple {
  readonly src: number;
  readonly dst: number;
  readonly proto: number;
  /** TCP/UDP source port; ICMP query id. */
  readonly sport: number;
  /** TCP/UDP destination port; ICMP query type. */
  readonly dport: number;
}

/** Request type <-> reply type of the ICMP queries conntrack follows (echo, timestamp, info, mask). */
const ICMP_INVERT: Readonly<Record<number, number>> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17 };
const ICMP_REQUESTS = new Set([8, 13, 15, 17]);
const ICMP_ERRORS = new Set([3, 4, 5, 11, 12]);

export function isIcmpQuery(type: number): boolean {
  return ICMP_INVERT[type] !== undefined;
}

export function isIcmpRequest(type: number): boolean {
  return ICMP_REQUESTS.has(type);
}

export function isIcmpErrorType(type: number): boolean {
  return ICMP_ERRORS.has(type);
}

export function tupleKey(t: Tuple): string {
  // Seven UTF-16 units (addresses split in halves; protocol, ports and ids fit one each): an opaque
  // map key built several times per packet, four times cheaper than decimal text.
  return String.fromCharCode(t.src >>> 16, t.src & 0xffff, t.dst >>> 16, t.dst & 0xffff, t.proto, t.sport, t.dport);
}

export function invertTuple(t: Tuple): Tuple {
  if (t.proto === IPPROTO_ICMP) return { src: t.dst, dst: t.src, proto: t.proto, sport: t.sport, dport: ICMP_INVERT[t.dport] ?? t.dport };
  return { src: t.dst, dst: t.src, proto: t.proto, sport: t.dport, dport: t.sport };
}

export function tupleEquals(a: Tuple, b: Tuple): boolean {
  return a.src === b.src && a.dst === b.dst && a.proto === b.proto && a.sport === b.sport && a.dport === b.dport;
}

/** Protocols whose tuples carry ports (or an id) that NAT may rewrite. */
export function hasPorts(proto: number): boolean {
  return proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_ICMP;
}

export type PacketKind = 'track' | 'icmp-error' | 'invalid';

export interface ParsedPacket {
  kind: PacketKind;
  /** The packet's own tuple ('track'), or the tuple of the datagram an ICMP error quotes. */
  tuple: Tuple;
  tcpFlags: number;
}

const INVALID: ParsedPacket = { kind: 'invalid', tuple: { src: 0, dst: 0, proto: 0, sport: 0, dport: 0 }, tcpFlags: 0 };

/**
 * Classifies an IPv4 datagram for conntrack. Non-first fragments are 'invalid': Linux conntrack sees
 * only reassembled datagrams (nf_defrag_ipv4), and so must a stack that uses these hooks.
 */
export function parsePacket(buf: Uint8Array): ParsedPacket {
  if (buf.length < 20 || buf[0]! >>> 4 !== 4) return INVALID;
  const ihl = (buf[0]! & 0x0f) * 4;
  const end = Math.min(buf.length, readU16(buf, 2));
  if (ihl < 20 || end < ihl) return INVALID;
  if ((readU16(buf, 6) & 0x1fff) !== 0) return INVALID;
  const proto = buf[9]!;
  const src = readU32(buf, 12);
  const dst = readU32(buf, 16);
  const l4 = ihl;
  if (proto === IPPROTO_TCP) {
    if (end < l4 + 14) return INVALID;
    return { kind: 'track', tuple: { src, dst, proto, sport: readU16(buf, l4), dport: readU16(buf, l4 + 2) }, tcpFlags: buf[l4 + 13]! };
  }
  if (proto === IPPROTO_UDP) {
    if (end < l4 + 8) return INVALID;
    return { kind: 'track', tuple: { src, dst, proto, sport: readU16(buf, l4), dport: readU16(buf, l4 + 2) }, tcpFlags: 0 };
  }
  if (proto === IPPROTO_ICMP) {
    if (end < l4 + 8) return INVALID;
    const type = buf[l4]!;
    if (isIcmpQuery(type)) return { kind: 'track', tuple: { src, dst, proto, sport: readU16(buf, l4 + 4), dport: type }, tcpFlags: 0 };
    if (!isIcmpErrorType(type)) return INVALID;
    const inner = quotedTuple(buf, l4 + 8, end);
    return inner === undefined ? INVALID : { kind: 'icmp-error', tuple: inner, tcpFlags: 0 };
  }
  return { kind: 'track', tuple: { src, dst, proto, sport: 0, dport: 0 }, tcpFlags: 0 };
}

/** Tuple of the datagram quoted by an ICMP error at buf[off..end): header plus 8 bytes, as RFC 792 quotes. */
function quotedTuple(buf: Uint8Array, off: number, end: number): Tuple | undefined {
  if (end < off + 20 || buf[off]! >>> 4 !== 4) return undefined;
  const ihl = (buf[off]! & 0x0f) * 4;
  const proto = buf[off + 9]!;
  const src = readU32(buf, off + 12);
  const dst = readU32(buf, off + 16);
  const l4 = off + ihl;
  if (ihl < 20) return undefined;
  if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) {
    if (end < l4 + 4) return undefined;
    return { src, dst, proto, sport: readU16(buf, l4), dport: readU16(buf, l4 + 2) };
  }
  if (proto === IPPROTO_ICMP) {
    // An error about an error is never tracked (RFC 1122 forbids sending one anyway).
    if (end < l4 + 8 || !isIcmpQuery(buf[l4]!)) return undefined;
    return { src, dst, proto, sport: readU16(buf, l4 + 4), dport: buf[l4]! };
  }
  return { src, dst, proto, sport: 0, dport: 0 };
}
