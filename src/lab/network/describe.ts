/** One line about the packet that answered a probe, decoded with src/net (for `kemu trace`'s summary). */
import { describeIcmpError } from '../../dataplane/stack/index.js';
import {
  IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN, decodeIcmp, decodeIpv4, decodeTcp, decodeUdp, formatIpv4,
} from '../../net/index.js';

export function isIcmpError(ip: Uint8Array): boolean {
  if (ip.length < 21 || ip[9] !== IPPROTO_ICMP) return false;
  const type = ip[(ip[0]! & 0x0f) * 4];
  return type === 3 || type === 4 || type === 11 || type === 12;
}

export function describeReply(packet: Uint8Array): string {
  const decoded = decodeIpv4(packet, { verifyChecksum: false });
  if (!decoded.ok) return `undecodable reply (${decoded.error.message})`;
  const ip = decoded.value;
  const from = formatIpv4(ip.src);
  if (ip.protocol === IPPROTO_ICMP) {
    const icmp = decodeIcmp(ip.payload);
    if (!icmp.ok) return `malformed ICMP from ${from}`;
    const m = icmp.value;
    if (m.kind === 'echo-reply') return `echo reply from ${from} ttl ${ip.ttl}`;
    if (m.kind === 'dest-unreachable') return `From ${from}: ${describeIcmpError(3, m.code, m.nextHopMtu)}`;
    if (m.kind === 'time-exceeded') return `From ${from}: ${describeIcmpError(11, m.code, 0)}`;
    return `ICMP ${m.kind} from ${from}`;
  }
  if (ip.protocol === IPPROTO_UDP) {
    const udp = decodeUdp(ip.payload);
    return udp.ok ? `udp reply from ${from}:${udp.value.srcPort} (${udp.value.payload.length} bytes) ttl ${ip.ttl}` : `malformed UDP from ${from}`;
  }
  if (ip.protocol === IPPROTO_TCP) {
    const tcp = decodeTcp(ip.payload);
    if (!tcp.ok) return `malformed TCP from ${from}`;
    const f = tcp.value.flags;
    const what = (f & TCP_RST) !== 0 ? 'RST' : (f & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) ? 'SYN-ACK' : `flags 0x${f.toString(16)}`;
    return `tcp ${what} from ${from}:${tcp.value.srcPort} ttl ${ip.ttl}`;
  }
  return `protocol ${ip.protocol} from ${from}`;
}
