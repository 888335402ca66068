/**
 * Recognising one probe's packets wherever they are: the probe itself (also as fragments, and
 * NAT-ed: the IP id and the source port/echo id survive DNAT), its replies, ICMP errors quoting it,
 * and all of these inside VXLAN, flannel-udp (raw IPv4 in UDP) or IP-in-IP. Pure functions over bytes,
 * so `kemu trace` can follow a packet without the stack knowing that it is being traced.
 */
import { ETHERNET_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP, readU16, readU32 } from '../../net/index.js';

export type ProbeProto = 'icmp' | 'udp' | 'tcp';

export interface ProbeSpec {
  proto: ProbeProto;
  /** Source address and IPv4 id of the probe as sent. */
  src: number;
  ipId: number;
  /** icmp: echo id; udp/tcp: source port. */
  id: number;
  /** icmp: echo sequence; udp/tcp: destination port. */
  seq: number;
}

const MAX_DEPTH = 4;
const VXLAN_FLAG_I = 0x08;

/** Whether an IPv4 packet (possibly truncated, as quoted in ICMP errors) belongs to the probe. */
export function matchesIp(spec: ProbeSpec, p: Uint8Array, depth = 0): boolean {
  if (depth > MAX_DEPTH || p.length < 20 || p[0]! >> 4 !== 4) return false;
  const ihl = (p[0]! & 0x0f) * 4;
  const proto = p[9]!;
  if ((readU16(p, 6) & 0x1fff) !== 0) return readU16(p, 4) === spec.ipId; // a later fragment: only the id tells
  const l4 = p.subarray(Math.min(ihl, p.length));
  if (proto === IPPROTO_IPIP) return matchesIp(spec, l4, depth + 1);
  if (proto === IPPROTO_ICMP) return matchesIcmp(spec, l4, depth);
  if (l4.length < 4 || (proto !== IPPROTO_UDP && proto !== IPPROTO_TCP)) return false;
  const sport = readU16(l4, 0);
  const dport = readU16(l4, 2);
  if (spec.proto === (proto === IPPROTO_UDP ? 'udp' : 'tcp')) {
    // The probe (its destination port may be rewritten by DNAT) or a reply to its source port.
    if ((sport === spec.id && (dport === spec.seq || readU16(p, 4) === spec.ipId)) || dport === spec.id) return true;
  }
  return proto === IPPROTO_UDP && l4.length > 8 && matchesTunnelPayload(spec, l4.subarray(8), depth);
}

/** An Ethernet frame or a raw IPv4 packet (TUN/IPIP devices) carrying the probe. */
export function matchesFrame(spec: ProbeSpec, frame: Uint8Array, linkType: 'ethernet' | 'raw'): boolean {
  if (linkType === 'raw') return matchesIp(spec, frame);
  if (frame.length < ETHERNET_HEADER_LEN || readU16(frame, 12) !== ETHERTYPE_IPV4) return false;
  return matchesIp(spec, frame.subarray(ETHERNET_HEADER_LEN));
}

/** Sender and target address of an ARP frame, or undefined for anything else. */
export function arpAddresses(frame: Uint8Array): { op: number; sender: number; target: number } | undefined {
  if (frame.length < ETHERNET_HEADER_LEN + 28 || readU16(frame, 12) !== ETHERTYPE_ARP) return undefined;
  const a = ETHERNET_HEADER_LEN;
  return { op: readU16(frame, a + 6), sender: readU32(frame, a + 14), target: readU32(frame, a + 24) };
}

/** The probe itself, as opposed to a reply or an error about it (same source, same IP id). */
export function isProbeItself(spec: ProbeSpec, p: Uint8Array): boolean {
  return p.length >= 20 && readU16(p, 4) === spec.ipId && readU32(p, 12) === spec.src;
}

/** The IPv4 packet of a frame, if it carries one. */
export function ipOfFrame(frame: Uint8Array, linkType: 'ethernet' | 'raw'): Uint8Array | undefined {
  if (linkType === 'raw') return frame;
  return frame.length >= ETHERNET_HEADER_LEN + 20 && readU16(frame, 12) === ETHERTYPE_IPV4 ? frame.subarray(ETHERNET_HEADER_LEN) : undefined;
}

function matchesIcmp(spec: ProbeSpec, icmp: Uint8Array, depth: number): boolean {
  if (icmp.length < 8) return false;
  const type = icmp[0]!;
  if (type === 0 || type === 8) return spec.proto === 'icmp' && readU16(icmp, 4) === spec.id && readU16(icmp, 6) === spec.seq;
  // Destination unreachable, source quench, time exceeded, parameter problem: quote the original.
  if (type === 3 || type === 4 || type === 11 || type === 12) return matchesIp(spec, icmp.subarray(8), depth + 1);
  return false;
}

/** VXLAN (flags byte 0x08, an inner Ethernet frame) or flannel-udp (a bare IPv4 packet). */
function matchesTunnelPayload(spec: ProbeSpec, payload: Uint8Array, depth: number): boolean {
  if (payload.length >= 8 + ETHERNET_HEADER_LEN + 20 && payload[0] === VXLAN_FLAG_I && readU16(payload, 8 + 12) === ETHERTYPE_IPV4) {
    return matchesIp(spec, payload.subarray(8 + ETHERNET_HEADER_LEN), depth + 1);
  }
  return payload.length >= 20 && payload[0]! >> 4 === 4 && matchesIp(spec, payload, depth + 1);
}
