/**
 * Builders for whole packets, one allocation each: the inner layer is encoded at its final offset and
 * the outer encoder finds it already in place (see placePayload), so no byte is copied twice.
 */

import { ETHERNET_HEADER_LEN, type EthernetHeader, encodeEthernetInto } from './ethernet.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type Ipv4HeaderInit, encodeIpv4Into, ipv4HeaderLength } from './ipv4.js';
import { UDP_HEADER_LEN, encodeUdpInto } from './udp.js';
import { type TcpHeaderInit, encodeTcpInto, tcpHeaderLength } from './tcp.js';
import { type IcmpMessage, encodeIcmpInto, icmpLength, icmpQuote } from './icmp.js';
import { VXLAN_HEADER_LEN, VXLAN_PORT, encodeVxlanInto, vxlanSourcePort } from './vxlan.js';

const EMPTY = new Uint8Array(0);

/** IPv4 fields a builder accepts besides addresses (protocol is set by the builder). */
export interface Ipv4Spec {
  src: number;
  dst: number;
  ttl?: number;
  id?: number;
  dscp?: number;
  ecn?: number;
  /** Don't Fragment. */
  df?: boolean;
}

export interface Ipv4UdpSpec extends Ipv4Spec {
  srcPort: number;
  dstPort: number;
  payload?: Uint8Array;
  /** Default true; false sends checksum 0 ("none"), as tunnels often do. */
  udpChecksum?: boolean;
}

export interface Ipv4TcpSpec extends Ipv4Spec, TcpHeaderInit {
  payload?: Uint8Array;
}

export interface IcmpEchoSpec extends Ipv4Spec {
  echoId: number;
  seq: number;
  payload?: Uint8Array;
  reply?: boolean;
}

export interface IcmpErrorSpec extends Ipv4Spec {
  kind: 'dest-unreachable' | 'time-exceeded';
  code: number;
  /** The offending datagram; only its header and first 8 data bytes are quoted. */
  original: Uint8Array;
  /** For dest-unreachable code 4 (fragmentation needed). */
  nextHopMtu?: number;
}

export interface VxlanSpec extends Ipv4Spec {
  vni: number;
  innerFrame: Uint8Array;
  /** Default: a hash of the inner flow (vxlanSourcePort). */
  srcPort?: number;
  /** Default 4789; flannel uses FLANNEL_VXLAN_PORT (8472). */
  dstPort?: number;
}

function ipHeader(spec: Ipv4Spec, protocol: number): Ipv4HeaderInit {
  return {
    src: spec.src, dst: spec.dst, protocol, ttl: spec.ttl, id: spec.id, dscp: spec.dscp, ecn: spec.ecn,
    dontFragment: spec.df ?? false,
  };
}

/** Wraps a transport payload that was already written at buf[20..] in an IPv4 header. */
function finishIpv4(buf: Uint8Array, spec: Ipv4Spec, protocol: number): Uint8Array {
  encodeIpv4Into(buf, 0, ipHeader(spec, protocol), buf.subarray(ipv4HeaderLength()));
  return buf;
}

export function buildIpv4Udp(spec: Ipv4UdpSpec): Uint8Array {
  const payload = spec.payload ?? EMPTY;
  const ipLen = ipv4HeaderLength();
  const buf = new Uint8Array(ipLen + UDP_HEADER_LEN + payload.length);
  encodeUdpInto(buf, ipLen, spec, payload, spec.udpChecksum === false ? null : spec);
  return finishIpv4(buf, spec, IPPROTO_UDP);
}

export function buildIpv4Tcp(spec: Ipv4TcpSpec): Uint8Array {
  const payload = spec.payload ?? EMPTY;
  const ipLen = ipv4HeaderLength();
  const buf = new Uint8Array(ipLen + tcpHeaderLength(spec) + payload.length);
  encodeTcpInto(buf, ipLen, spec, payload, spec);
  return finishIpv4(buf, spec, IPPROTO_TCP);
}

function buildIcmp(spec: Ipv4Spec, msg: IcmpMessage): Uint8Array {
  const ipLen = ipv4HeaderLength();
  const buf = new Uint8Array(ipLen + icmpLength(msg));
  encodeIcmpInto(buf, ipLen, msg);
  return finishIpv4(buf, spec, IPPROTO_ICMP);
}

export function buildIcmpEcho(spec: IcmpEchoSpec): Uint8Array {
  return buildIcmp(spec, {
    kind: spec.reply ? 'echo-reply' : 'echo-request', code: 0, id: spec.echoId, seq: spec.seq, payload: spec.payload ?? EMPTY,
  });
}

export function buildIcmpError(spec: IcmpErrorSpec): Uint8Array {
  const original = icmpQuote(spec.original);
  const msg: IcmpMessage = spec.kind === 'dest-unreachable'
    ? { kind: 'dest-unreachable', code: spec.code, nextHopMtu: spec.nextHopMtu ?? 0, original }
    : { kind: 'time-exceeded', code: spec.code, original };
  return buildIcmp(spec, msg);
}

export function buildEthernetFrame(header: EthernetHeader, payload: Uint8Array): Uint8Array {
  const buf = new Uint8Array(ETHERNET_HEADER_LEN + payload.length);
  encodeEthernetInto(buf, 0, header, payload);
  return buf;
}

/**
 * Outer IPv4 + UDP + VXLAN around an inner Ethernet frame, UDP checksum 0 as Linux VXLAN sends by
 * default (the inner packet carries its own checksums).
 */
export function buildVxlanPacket(spec: VxlanSpec): Uint8Array {
  const ipLen = ipv4HeaderLength();
  const buf = new Uint8Array(ipLen + UDP_HEADER_LEN + VXLAN_HEADER_LEN + spec.innerFrame.length);
  const vxlanOff = ipLen + UDP_HEADER_LEN;
  encodeVxlanInto(buf, vxlanOff, spec.vni, spec.innerFrame);
  const ports = { srcPort: spec.srcPort ?? vxlanSourcePort(spec.innerFrame), dstPort: spec.dstPort ?? VXLAN_PORT };
  encodeUdpInto(buf, ipLen, ports, buf.subarray(vxlanOff), null);
  return finishIpv4(buf, spec, IPPROTO_UDP);
}
