/**
 * IPv4 receive (ip_rcv → ip_rcv_finish → ip_local_deliver / ip_forward): validate, PREROUTING,
 * route, then reassemble + INPUT + protocol demux for us, or hand over to forwarding. Every packet
 * ends in exactly one counter; nothing here throws on bad input.
 *
 * The header is validated once (checkIpv4, no allocation) and the walk reads fields from the bytes
 * and the view; only ICMP and registered protocols, which take a decoded Ipv4Packet, get one.
 */

import {
  ICMP_UNREACH_PROTOCOL, IPPROTO_ICMP, IPPROTO_UDP, checkIpv4, decodeIpv4, formatIpv4, ipv4CheckCode, readU16, readU32,
} from '../../net/index.js';
import { LIMITED_BROADCAST, isLoopbackIp, isMulticastIp } from './cidr.js';
import { dropReason } from './counters.js';
import type { NetDevice } from './device.js';
import { type StackView, hooksWantWholeDatagrams, makeView, refreshView, runHook } from './hooks.js';
import { forwardPacket } from './ip-output.js';
import type { NetNamespace } from './namespace.js';
import { sliceView } from './pool.js';

/**
 * `prerouted` is set when a bridge already ran PREROUTING for this packet (br_netfilter).
 * `headroom`: bytes in front of `data` the stack owns beyond what pool.ts knows of it (a received
 * frame's own Ethernet header).
 */
export function receiveIp(ns: NetNamespace, dev: NetDevice, data: Uint8Array, prerouted?: StackView, headroom?: number): void {
  const totalLength = checkIpv4(data);
  if (totalLength < 0) return ns.dropIp(dropReason('ip', ipv4CheckCode(totalLength)), data.length);
  const packet = data.length === totalLength ? data : sliceView(data, 0, totalLength);
  ns.counters.ipInReceives++;
  if (ns.trace !== undefined) {
    ns.traceStep('rx', `${formatIpv4(readU32(packet, 12))} > ${formatIpv4(readU32(packet, 16))} proto ${packet[9]} ttl ${packet[8]}`, dev.name, totalLength);
  }
  if (isMartianSource(ns, dev, readU32(packet, 12))) return ns.dropIp('martian-source', totalLength);
  if (prerouted === undefined && (readU16(packet, 6) & 0x3fff) !== 0 && hooksWantWholeDatagrams(ns)) {
    // nf_defrag_ipv4: conntrack needs the whole datagram, even one that is only passing through.
    const whole = reassemble(ns, dev, packet);
    if (whole !== undefined) receiveIp(ns, dev, whole);
    return;
  }
  let view = prerouted;
  if (view === undefined) {
    view = makeView(packet, dev.name, '', headroom ?? 0);
    if (!runHook(ns, 'PREROUTING', view)) return;
  } else {
    refreshView(view, packet);
  }
  const dst = view.dst; // after PREROUTING: DNAT may have changed where this goes
  const local = ns.localDestination(dst);
  if (local !== undefined) return localDeliver(ns, dev, view, local === 'broadcast');
  if (dst === 0 || isMulticastIp(dst) || (isLoopbackIp(dst) && dev !== ns.lo)) {
    return ns.dropIp('martian-destination', totalLength);
  }
  const route = ns.flowRoute(view, ns.routes.lookup(dst));
  if (route?.type === 'local' || route?.type === 'broadcast') return localDeliver(ns, dev, view, route.type === 'broadcast');
  if (!ns.ipForward) return ns.dropIp('not-forwarding', totalLength); // Linux: no ICMP when forwarding is off
  forwardPacket(ns, view, route);
}

/** fib_validate_source, trimmed: sources that cannot be genuine on this interface. */
function isMartianSource(ns: NetNamespace, dev: NetDevice, src: number): boolean {
  if (dev === ns.lo) return false;
  return src === LIMITED_BROADCAST || isMulticastIp(src) || isLoopbackIp(src) || ns.isLocalAddress(src) || dev.isSubnetBroadcast(src);
}

function localDeliver(ns: NetNamespace, dev: NetDevice, view: StackView, broadcast: boolean): void {
  if ((readU16(view.packet, 6) & 0x3fff) !== 0) { // MF or an offset: a fragment
    const whole = reassemble(ns, dev, view.packet);
    if (whole === undefined) return;
    refreshView(view, whole);
  }
  view.inIface = dev.name;
  if (!runHook(ns, 'INPUT', view)) return;
  deliverToProtocol(ns, dev, view.packet, broadcast);
}

/** The whole datagram once its last fragment arrives; undefined while held or when dropped (counted). */
function reassemble(ns: NetNamespace, dev: NetDevice, packet: Uint8Array): Uint8Array | undefined {
  const fragment = decodeIpv4(packet, { verifyChecksum: false });
  if (!fragment.ok) {
    ns.dropIp(dropReason('ip', fragment.error.code), packet.length);
    return undefined;
  }
  const r = ns.reassembler.pushFragment(fragment.value);
  if (!r.ok) {
    ns.dropIp(dropReason('frag', r.error.code), packet.length);
    return undefined;
  }
  if (r.value === null) {
    ns.counters.fragmentsHeld++;
    ns.scheduleReassemblyExpiry();
    if (ns.trace !== undefined) ns.traceStep('reassembly', `holding fragment id ${fragment.value.id}`, dev.name, packet.length);
    return undefined;
  }
  ns.counters.reassembled++;
  return r.value;
}

function deliverToProtocol(ns: NetNamespace, dev: NetDevice, packet: Uint8Array, broadcast: boolean): void {
  // Hooks and reassembly may have rebuilt the packet: validate what is there now (no checksum, as before).
  const totalLength = checkIpv4(packet, false);
  if (totalLength < 0) return ns.dropIp(dropReason('ip', ipv4CheckCode(totalLength)), packet.length);
  const protocol = packet[9]!;
  if (ns.trace !== undefined) ns.traceStep('deliver', `proto ${protocol} to ${formatIpv4(readU32(packet, 16))}`, dev.name, packet.length);
  if (protocol === IPPROTO_UDP) return ns.udp.input(packet, totalLength, dev, broadcast);
  const decoded = decodeIpv4(packet, { verifyChecksum: false });
  if (!decoded.ok) return ns.dropIp(dropReason('ip', decoded.error.code), packet.length); // unreachable: checked above
  const ip = decoded.value;
  if (protocol === IPPROTO_ICMP) return ns.icmp.receive(ip, broadcast);
  const handler = ns.protocolHandler(protocol);
  if (handler === undefined) {
    ns.dropIp('unknown-protocol', packet.length);
    if (!broadcast) ns.icmp.sendError(packet, 'dest-unreachable', ICMP_UNREACH_PROTOCOL);
    return;
  }
  ns.counters.delivered++;
  try {
    handler.receive(packet, ip, dev);
  } catch (err) {
    ns.handlerError(err);
  }
}
