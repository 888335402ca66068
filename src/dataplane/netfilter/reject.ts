/**
 * What the stack sends back for a REJECT (ipt_REJECT's nf_send_unreach / nf_send_reset): an ICMP
 * destination-unreachable quoting the rejected datagram, or a TCP RST. Pure: the stack routes the
 * result through its own OUTPUT path, where conntrack sees it as RELATED (or as the reply of the
 * rejected flow) and NAT translates it back, as Linux does for nf_ct_attach'ed replies.
 */
import {
  IPPROTO_ICMP, IPPROTO_TCP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, buildIcmpError, buildIpv4Tcp, decodeIpv4Header,
  decodeTcp,
} from '../../net/index.js';
import { REJECT_WITH, type RejectWith } from './rules.js';
import { isIcmpErrorType } from './tuple.js';

/**
 * The reply to a rejected datagram, or undefined when none is due (a non-first fragment, an ICMP
 * error, a broadcast or multicast destination, tcp-reset for a non-TCP packet or an RST).
 * `src` is an ICMP reply's source address; the default is the rejected packet's destination, which is
 * right for INPUT and OUTPUT (a RST always comes from the rejected packet's destination). For FORWARD the stack passes the address of the interface the packet
 * came in on, as icmp_send picks it.
 */
export function buildRejectReply(original: Uint8Array, how: RejectWith, src?: number): Uint8Array | undefined {
  const ip = decodeIpv4Header(original, { verifyChecksum: false });
  if (!ip.ok || ip.value.fragmentOffset !== 0) return undefined;
  const h = ip.value;
  if (h.dst === 0xffffffff || h.dst >>> 28 === 0xe) return undefined;
  if (how === 'tcp-reset') {
    if (h.protocol !== IPPROTO_TCP) return undefined;
    const tcp = decodeTcp(h.payload);
    if (!tcp.ok || tcp.value.flags & TCP_RST) return undefined;
    const t = tcp.value;
    // RFC 9293 reset generation: acknowledge what was sent unless the segment carried an ACK.
    const hasAck = (t.flags & TCP_ACK) !== 0;
    const len = t.payload.length + (t.flags & TCP_SYN ? 1 : 0) + (t.flags & TCP_FIN ? 1 : 0);
    // A reset always speaks for the peer the segment was sent to (nf_send_reset), whatever `src` says.
    return buildIpv4Tcp({
      src: h.dst, dst: h.src, srcPort: t.dstPort, dstPort: t.srcPort,
      seq: hasAck ? t.ack : 0, ack: hasAck ? 0 : (t.seq + len) >>> 0, flags: hasAck ? TCP_RST : TCP_RST | TCP_ACK, window: 0,
    });
  }
  if (h.protocol === IPPROTO_ICMP && h.payload.length > 0 && isIcmpErrorType(h.payload[0]!)) return undefined;
  return buildIcmpError({ src: src ?? h.dst, dst: h.src, kind: 'dest-unreachable', code: REJECT_WITH[how], original });
}
