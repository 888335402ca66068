/**
 * Reading frames as they leave a host (device taps): where a pod's packet sits inside the frame
 * on the underlay, so the per-packet overhead is a measured difference of two IPv4 lengths, and
 * which encapsulation carried it. Pure functions over bytes; they never throw on short or odd
 * frames (those simply do not match).
 */
import { FLANNEL_VXLAN_PORT, VXLAN_PORT, readIp, readU16, readU32 } from '../../net/index.js';

const ETH_HEADER = 14;
const ETHERTYPE_IPV4 = 0x0800;
export const FLANNEL_UDP_PORT = 8285;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

export type Encapsulation = 'none' | 'vxlan' | 'udp' | 'ipip' | 'other';

export interface WireObservation {
  /** IPv4 total length of the packet the source sent, and of the packet on the underlay. */
  innerBytes: number;
  outerBytes: number;
  /** outerBytes − innerBytes: what the CNI adds to each packet. */
  overhead: number;
  encapsulation: Encapsulation;
  /** The outer UDP destination port, for vxlan and udp. */
  port: number | null;
}

/** Offset of an IPv4 header at `off`, or -1: version 4, a sane header length, and the length fits. */
function ipHeaderAt(frame: Uint8Array, off: number): boolean {
  if (off < 0 || off + 20 > frame.length) return false;
  const vihl = frame[off]!;
  return vihl >> 4 === 4 && (vihl & 0xf) >= 5;
}

/**
 * Finds the innermost IPv4 packet from `src` to `dst` of protocol `proto` inside an Ethernet frame
 * and says how it was carried. undefined when the frame does not carry such a packet.
 */
export function observeFrame(frame: Uint8Array, src: number, dst: number, proto: number): WireObservation | undefined {
  if (frame.length < ETH_HEADER + 20 || readU16(frame, 12) !== ETHERTYPE_IPV4 || !ipHeaderAt(frame, ETH_HEADER)) return undefined;
  // Search backwards: the innermost header wins (an outer header may itself match in host-gw).
  for (let off = frame.length - 20; off >= ETH_HEADER; off--) {
    if (frame[off + 9] !== proto || !ipHeaderAt(frame, off)) continue;
    if (readIp(frame, off + 12) !== src || readIp(frame, off + 16) !== dst) continue;
    const innerBytes = readU16(frame, off + 2);
    const outerBytes = readU16(frame, ETH_HEADER + 2);
    // A cut frame (a capture's snap length, a bad length field) says nothing reliable.
    if (off + innerBytes > frame.length || ETH_HEADER + outerBytes > frame.length) continue;
    const { encapsulation, port } = off === ETH_HEADER ? { encapsulation: 'none' as const, port: null } : outerKind(frame);
    return { innerBytes, outerBytes, overhead: off === ETH_HEADER ? 0 : outerBytes - innerBytes, encapsulation, port };
  }
  return undefined;
}

function outerKind(frame: Uint8Array): { encapsulation: Encapsulation; port: number | null } {
  const proto = frame[ETH_HEADER + 9];
  if (proto === IPPROTO_IPIP) return { encapsulation: 'ipip', port: null };
  if (proto !== IPPROTO_UDP) return { encapsulation: 'other', port: null };
  const udp = ETH_HEADER + (frame[ETH_HEADER]! & 0xf) * 4;
  if (udp + 8 > frame.length) return { encapsulation: 'other', port: null };
  const port = readU16(frame, udp + 2);
  if (port === VXLAN_PORT || port === FLANNEL_VXLAN_PORT) return { encapsulation: 'vxlan', port };
  return { encapsulation: port === FLANNEL_UDP_PORT ? 'udp' : 'other', port };
}

/** A TCP segment in an Ethernet/IPv4 frame: the ports, sequence number and payload. */
export interface TcpSegmentView {
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  payload: Uint8Array;
}

export function tcpSegmentOf(frame: Uint8Array): TcpSegmentView | undefined {
  if (frame.length < ETH_HEADER + 40 || readU16(frame, 12) !== ETHERTYPE_IPV4 || !ipHeaderAt(frame, ETH_HEADER)) return undefined;
  if (frame[ETH_HEADER + 9] !== IPPROTO_TCP) return undefined;
  // A fragment other than the first holds no TCP header.
  if ((readU16(frame, ETH_HEADER + 6) & 0x1fff) !== 0) return undefined;
  const ihl = (frame[ETH_HEADER]! & 0xf) * 4;
  const end = Math.min(frame.length, ETH_HEADER + readU16(frame, ETH_HEADER + 2));
  const tcp = ETH_HEADER + ihl;
  if (tcp + 20 > end) return undefined;
  const dataOffset = (frame[tcp + 12]! >> 4) * 4;
  if (dataOffset < 20 || tcp + dataOffset > end) return undefined;
  return {
    src: readIp(frame, ETH_HEADER + 12), dst: readIp(frame, ETH_HEADER + 16),
    srcPort: readU16(frame, tcp), dstPort: readU16(frame, tcp + 2), seq: readU32(frame, tcp + 4),
    payload: frame.subarray(tcp + dataOffset, end),
  };
}

/** Watches a device's sent frames for the first one carrying a packet src → dst of `proto`. */
export function watchFirstPacket(
  dev: { addTap(tap: (dir: 'rx' | 'tx', frame: Uint8Array) => void): () => void },
  src: number,
  dst: number,
  proto: number,
): { result(): WireObservation | undefined; stop(): void } {
  let seen: WireObservation | undefined;
  const untap = dev.addTap((dir, frame) => {
    if (seen === undefined && dir === 'tx') seen = observeFrame(frame, src, dst, proto);
  });
  return { result: () => seen, stop: untap };
}
