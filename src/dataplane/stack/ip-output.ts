/**
 * IPv4 output and forwarding (ip_local_out / ip_forward → ip_output → ip_finish_output):
 * OUTPUT (locally generated) or TTL + FORWARD (forwarded), route type checks, the MTU/DF check,
 * POSTROUTING on the whole datagram, fragmentation after it (as Linux does, so NAT sees L4 ports),
 * and the device transmit.
 */

import {
  ICMP_TIME_EXCEEDED_TTL, ICMP_TYPE_DEST_UNREACHABLE, ICMP_UNREACH_ADMIN_PROHIBITED, ICMP_UNREACH_FRAG_NEEDED, ICMP_UNREACH_HOST, ICMP_UNREACH_NET,
  IPV4_FLAG_DF, checkIpv4, decrementTtlInPlace, formatIpv4, fragmentIpv4, readU16,
} from '../../net/index.js';
import type { PacketView } from '../types.js';
import { formatCidr } from './cidr.js';
import { type StackView, makeView, runHook, viewHeadroom } from './hooks.js';
import type { NetNamespace } from './namespace.js';
import type { Route } from './routes.js';

const DF = IPV4_FLAG_DF;

/** A datagram this namespace generated (sockets, ICMP, tunnels). Returns false when it was dropped here. */
export function sendLocal(ns: NetNamespace, data: Uint8Array): boolean {
  // Anyone may hand us bytes here: validate the header (not its checksum) before walking it.
  const totalLength = checkIpv4(data, false);
  if (totalLength < 0) {
    ns.dropIp('bad-local-packet', data.length);
    return false;
  }
  return outputLocal(ns, data.length === totalLength ? data : data.subarray(0, totalLength));
}

/**
 * ip_local_out for a datagram the stack built itself (a valid header, exactly `packet.length` long):
 * no second validation. `route` is the caller's outputRoute(dst), if it already looked it up.
 */
export function outputLocal(ns: NetNamespace, packet: Uint8Array, route?: Route): boolean {
  ns.counters.ipOutRequests++;
  const view = makeView(packet, '', ''); // headroom: what pool.ts knows, looked up when transmitted
  const dst = view.dst;
  if (route === undefined) route = ns.outputRoute(dst);
  route = ns.flowRoute(view, route);
  view.outIface = route === undefined ? '' : outputDevice(ns, route);
  if (!runHook(ns, 'OUTPUT', view)) return false;
  if (view.dst !== dst) route = ns.flowRoute(view, ns.outputRoute(view.dst)); // DNAT in OUTPUT re-routes
  if (route === undefined) {
    ns.icmp.deliverLocalError(view.packet, ICMP_TYPE_DEST_UNREACHABLE, ICMP_UNREACH_NET, 0);
    ns.dropIp('no-route', packet.length);
    return false;
  }
  return transmitRouted(ns, view, route, true);
}

/** ip_forward: `route` is the main-table result for the packet's (post-PREROUTING) destination. */
export function forwardPacket(ns: NetNamespace, view: StackView, route: Route | undefined): void {
  const packet = view.packet;
  if (route === undefined) {
    ns.icmp.sendError(packet, 'dest-unreachable', ICMP_UNREACH_NET);
    return ns.dropIp('no-route', packet.length);
  }
  if (!checkRouteType(ns, view, route, false)) return;
  if (packet[8]! <= 1) {
    ns.icmp.sendError(packet, 'time-exceeded', ICMP_TIME_EXCEEDED_TTL);
    return ns.dropIp('ttl-exceeded', packet.length);
  }
  const dev = route.dev!;
  if (packet.length > dev.mtu && (readU16(packet, 6) & DF) !== 0) {
    ns.icmp.sendError(packet, 'dest-unreachable', ICMP_UNREACH_FRAG_NEEDED, dev.mtu);
    return ns.dropIp('frag-needed', packet.length);
  }
  decrementTtlInPlace(packet);
  view.outIface = dev.name;
  if (!runHook(ns, 'FORWARD', view)) return;
  if (transmitRouted(ns, view, route, false)) ns.counters.forwarded++;
}

/**
 * ip_vs_nat_send_or_cont for a packet an INPUT hook rewrote and stole (IPVS's NAT towards a real
 * server): it leaves like a forwarded packet — route on its new destination (a local real server
 * goes through lo), TTL, MTU, POSTROUTING, device — on the same view, so conntrack still finds the
 * entry it got in PREROUTING (OUTPUT is skipped: the packet already has a connection, as
 * nf_conntrack_in skips an skb that carries one). `pkt` is the view the stack handed the hook.
 */
export function sendStolen(ns: NetNamespace, pkt: PacketView): boolean {
  const view = pkt as StackView;
  const packet = view.packet;
  const route = ns.flowRoute(view, ns.outputRoute(view.dst));
  if (route === undefined) {
    ns.icmp.sendError(packet, 'dest-unreachable', ICMP_UNREACH_NET);
    ns.dropIp('no-route', packet.length);
    return false;
  }
  if (route.type !== 'local') {
    if (!checkRouteType(ns, view, route, false)) return false;
    if (packet[8]! <= 1) {
      ns.icmp.sendError(packet, 'time-exceeded', ICMP_TIME_EXCEEDED_TTL);
      ns.dropIp('ttl-exceeded', packet.length);
      return false;
    }
    const dev = route.dev!;
    if (packet.length > dev.mtu && (readU16(packet, 6) & DF) !== 0) {
      ns.icmp.sendError(packet, 'dest-unreachable', ICMP_UNREACH_FRAG_NEEDED, dev.mtu);
      ns.dropIp('frag-needed', packet.length);
      return false;
    }
    decrementTtlInPlace(packet);
  }
  view.outIface = outputDevice(ns, route);
  return transmitRouted(ns, view, route, false);
}

/** Shared tail: route type, MTU/DF, POSTROUTING, fragmentation, device. */
function transmitRouted(ns: NetNamespace, view: StackView, route: Route, local: boolean): boolean {
  if (!checkRouteType(ns, view, route, local)) return false;
  const dev = route.type === 'local' ? ns.lo : route.dev!;
  const nextHop = route.type === 'local' ? view.dst : route.via ?? view.dst;
  if (view.packet.length > dev.mtu && (readU16(view.packet, 6) & DF) !== 0) {
    // Only locally generated packets get here (forwarding checked before FORWARD): EMSGSIZE to the socket.
    ns.icmp.deliverLocalError(view.packet, ICMP_TYPE_DEST_UNREACHABLE, ICMP_UNREACH_FRAG_NEEDED, dev.mtu);
    ns.dropIp('frag-needed', view.packet.length);
    return false;
  }
  view.outIface = dev.name;
  if (!runHook(ns, 'POSTROUTING', view)) return false;
  const packet = view.packet;
  if (ns.trace !== undefined) {
    const via = route.via === undefined ? '' : ` via ${formatIpv4(route.via)}`;
    ns.traceStep('route', `${formatIpv4(view.dst)} matched ${formatCidr(route.dst, route.prefixLength)}${via} dev ${dev.name}`, dev.name, packet.length);
    ns.traceStep('tx', `${formatIpv4(view.src)} > ${formatIpv4(view.dst)} proto ${view.protocol} ttl ${packet[8]}`, dev.name, packet.length);
  }
  if (packet.length <= dev.mtu) {
    dev.transmitIp(packet, nextHop, viewHeadroom(view));
    return true;
  }
  const fragments = fragmentIpv4(packet, dev.mtu);
  if (!fragments.ok) {
    ns.dropIp('fragmentation-failed', packet.length);
    return false;
  }
  ns.counters.fragmentsCreated += fragments.value.length;
  if (ns.trace !== undefined) ns.traceStep('fragment', `${fragments.value.length} fragments for mtu ${dev.mtu}`, dev.name, packet.length);
  for (const fragment of fragments.value) dev.transmitIp(fragment, nextHop);
  return true;
}

/** Blackhole drops silently; unreachable and prohibit answer (locally: to the socket; else: ICMP). */
function checkRouteType(ns: NetNamespace, view: PacketView, route: Route, local: boolean): boolean {
  if (route.type === 'unicast' || route.type === 'local' || route.type === 'broadcast') return true;
  if (route.type === 'blackhole') {
    ns.dropIp('blackhole', view.packet.length);
    return false;
  }
  const code = route.type === 'unreachable' ? ICMP_UNREACH_HOST : ICMP_UNREACH_ADMIN_PROHIBITED;
  if (local) ns.icmp.deliverLocalError(view.packet, ICMP_TYPE_DEST_UNREACHABLE, code, 0);
  else ns.icmp.sendError(view.packet, 'dest-unreachable', code);
  ns.dropIp(route.type, view.packet.length);
  return false;
}

function outputDevice(ns: NetNamespace, route: Route): string {
  return route.type === 'local' ? ns.lo.name : route.dev?.name ?? '';
}
