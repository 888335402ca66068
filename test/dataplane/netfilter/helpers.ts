/** Packet builders and checkers shared by the netfilter tests (bytes in, bytes out). */
import { expect } from 'chai';
import type { PacketView } from '../../../src/dataplane/types.js';
import {
  IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, buildIcmpEcho, buildIpv4Tcp, buildIpv4Udp, checksumAdd,
  checksumFinish, decodeIcmp, decodeIpv4, decodeTcp, decodeUdp, ipv4, pseudoHeaderSum, readU16,
} from '../../../src/net/index.js';
import { readPorts } from '../../../src/dataplane/netfilter/index.js';

export { mulberry32 } from '../../net/support.js';

export interface ViewOpts {
  inIface?: string;
  outIface?: string;
  mark?: number;
}

/** A PacketView decoded from the bytes, as the stack would hand it over. */
export function view(packet: Uint8Array, opts: ViewOpts = {}): PacketView {
  const { srcPort, dstPort } = readPorts(packet);
  return {
    packet, src: (packet[12]! << 24 | packet[13]! << 16 | packet[14]! << 8 | packet[15]!) >>> 0,
    dst: (packet[16]! << 24 | packet[17]! << 16 | packet[18]! << 8 | packet[19]!) >>> 0,
    protocol: packet[9]!, srcPort, dstPort, inIface: opts.inIface ?? '', outIface: opts.outIface ?? '', mark: opts.mark ?? 0,
  };
}

export function udp(src: string, sport: number, dst: string, dport: number, payload = 'hello'): Uint8Array {
  return buildIpv4Udp({ src: ipv4(src), dst: ipv4(dst), srcPort: sport, dstPort: dport, payload: new TextEncoder().encode(payload) });
}

export function tcp(src: string, sport: number, dst: string, dport: number, flags: number, seq = 1000, ack = 0, payload = ''): Uint8Array {
  return buildIpv4Tcp({
    src: ipv4(src), dst: ipv4(dst), srcPort: sport, dstPort: dport, seq, ack, flags, window: 65535,
    payload: new TextEncoder().encode(payload),
  });
}

export const ack = (src: string, sport: number, dst: string, dport: number): Uint8Array => tcp(src, sport, dst, dport, TCP_ACK, 1001, 1);

export function ping(src: string, dst: string, id: number, seq = 1, reply = false): Uint8Array {
  return buildIcmpEcho({ src: ipv4(src), dst: ipv4(dst), echoId: id, seq, reply, payload: new Uint8Array(16).fill(0x61) });
}

export interface Checked {
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

const fmt = (ip: number): string => `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;

/** Decodes with every checksum verified (IPv4 header and TCP/UDP/ICMP) and returns the addresses. */
export function checked(packet: Uint8Array): Checked {
  const ip = decodeIpv4(packet);
  if (!ip.ok) throw ip.error;
  const h = ip.value;
  if (h.protocol === IPPROTO_UDP) {
    const u = decodeUdp(h.payload, h);
    if (!u.ok) throw u.error;
    return { src: fmt(h.src), dst: fmt(h.dst), sport: u.value.srcPort, dport: u.value.dstPort };
  }
  if (h.protocol === IPPROTO_TCP) {
    const t = decodeTcp(h.payload, h);
    if (!t.ok) throw t.error;
    return { src: fmt(h.src), dst: fmt(h.dst), sport: t.value.srcPort, dport: t.value.dstPort };
  }
  if (h.protocol === IPPROTO_ICMP) {
    const m = decodeIcmp(h.payload);
    if (!m.ok) throw m.error;
    return { src: fmt(h.src), dst: fmt(h.dst), sport: m.value.kind === 'echo-request' || m.value.kind === 'echo-reply' ? m.value.id : 0, dport: 0 };
  }
  return { src: fmt(h.src), dst: fmt(h.dst), sport: 0, dport: 0 };
}

/**
 * Asserts the checksums a rewrite patched incrementally equal a full recomputation (not merely
 * "verify"): IPv4 header and the TCP/UDP checksum over the pseudo-header.
 */
export function expectChecksumsRecomputed(packet: Uint8Array): void {
  const copy = packet.slice();
  const ihl = (copy[0]! & 15) * 4;
  copy[10] = 0;
  copy[11] = 0;
  const ipSum = checksumFinish(checksumAdd(copy, 0, ihl));
  expect(readU16(packet, 10), 'IPv4 header checksum').to.equal(ipSum);
  const proto = copy[9]!;
  if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return;
  const off = ihl + (proto === IPPROTO_TCP ? 16 : 6);
  const len = readU16(copy, 2) - ihl;
  copy[off] = 0;
  copy[off + 1] = 0;
  const src = readU16(copy, 12) * 65536 + readU16(copy, 14);
  const dst = readU16(copy, 16) * 65536 + readU16(copy, 18);
  let sum = checksumFinish(checksumAdd(copy, ihl, ihl + len, pseudoHeaderSum(src, dst, proto, len)));
  if (proto === IPPROTO_UDP && sum === 0) sum = 0xffff;
  expect(readU16(packet, off), 'L4 checksum').to.equal(sum);
}
