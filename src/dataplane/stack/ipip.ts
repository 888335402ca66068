/**
 * An IP-in-IP tunnel (tunl0, calico's ipip mode): protocol 4. Transmit wraps the inner datagram in an
 * outer IPv4 header to the route's gateway (`via X dev tunl0 onlink`, as Linux's ip_tunnel_xmit uses
 * rt_nexthop when the tunnel has no fixed remote) and sends it through the namespace's own output
 * path. Receive: the namespace's protocol-4 handler decapsulates into the matching tunnel device.
 * Like tunl0 (ttl inherit, no pmtudisc), the outer header copies the inner TTL, DSCP and DF.
 */

import {
  IPPROTO_IPIP, IPV4_FLAG_DF, IPV4_MAX_PACKET_LEN, IPV4_MIN_HEADER_LEN, type Ipv4Packet, formatIpv4, readU16, writeIpv4Header,
} from '../../net/index.js';
import { toIp } from './cidr.js';
import { NetDevice } from './device.js';
import type { NetNamespace } from './namespace.js';
import { prependSpace } from './pool.js';
import { sendEncapsulated } from './tunnel.js';

/** The tunnels of each namespace, for the one protocol-4 handler to choose from. */
const tunnelsByNamespace = new WeakMap<NetNamespace, Set<IpipDevice>>();

export class IpipDevice extends NetDevice {
  readonly kind = 'ipip';
  readonly linkType = 'raw';
  readonly local: number;
  readonly remote: number;

  constructor(name = 'tunl0', opts: { local?: number | string; remote?: number | string; mtu?: number } = {}) {
    super(name, opts.mtu ?? 1480);
    this.local = opts.local === undefined ? 0 : toIp(opts.local);
    this.remote = opts.remote === undefined ? 0 : toIp(opts.remote);
  }

  override onAttach(ns: NetNamespace): void {
    let set = tunnelsByNamespace.get(ns);
    if (set === undefined) {
      tunnelsByNamespace.set(ns, (set = new Set()));
      ns.registerProtocol(IPPROTO_IPIP, (_packet, ip) => decapsulate(ns, ip));
    }
    set.add(this);
  }

  override onDetach(): void {
    if (this.ns !== undefined) tunnelsByNamespace.get(this.ns)?.delete(this);
  }

  transmitIp(inner: Uint8Array, nextHop: number, headroom = 0): void {
    const ns = this.ns!;
    if (!this.up) return this.dropTx('device-down', inner.length);
    const remote = this.remote !== 0 ? this.remote : nextHop;
    const src = this.local !== 0 ? this.local : ns.selectSource(remote);
    if (src === 0 || remote === 0) return this.dropTx('tunnel-no-endpoint', inner.length);
    if (inner.length + IPV4_MIN_HEADER_LEN > IPV4_MAX_PACKET_LEN) return this.dropTx('tunnel-too-big', inner.length);
    this.countTx(inner);
    // The outer header goes into the inner packet's headroom when it has some (pool.ts): no copy.
    const outer = prependSpace(inner, IPV4_MIN_HEADER_LEN, headroom);
    const tos = inner[1]! & 0xfc; // DSCP copied, ECN not
    writeIpv4Header(outer, 0, outer.length, ns.nextIpId(), readU16(inner, 6) & IPV4_FLAG_DF, inner[8]!, IPPROTO_IPIP, src, remote, tos);
    if (ns.trace !== undefined) ns.traceStep('encap', `ipip ${formatIpv4(src)} > ${formatIpv4(remote)}`, this.name, outer.length);
    if (!sendEncapsulated(ns, outer)) this.dropTx('tunnel-loop', inner.length);
  }

  protected receive(inner: Uint8Array): void {
    this.countRx(inner);
    if (!this.up) return this.dropRx('device-down', inner.length);
    this.ns!.receiveIp(this, inner);
  }
}

/** ipip_rcv: the tunnel whose endpoints match best (fixed local and remote beat wildcards). */
function decapsulate(ns: NetNamespace, outer: Ipv4Packet): void {
  let best: IpipDevice | undefined;
  let bestScore = -1;
  for (const t of tunnelsByNamespace.get(ns) ?? []) {
    if ((t.local !== 0 && t.local !== outer.dst) || (t.remote !== 0 && t.remote !== outer.src)) continue;
    const score = (t.local !== 0 ? 1 : 0) + (t.remote !== 0 ? 2 : 0);
    if (score > bestScore) [best, bestScore] = [t, score];
  }
  if (best === undefined) return ns.dropIp('ipip-no-tunnel', outer.totalLength);
  if (ns.trace !== undefined) ns.traceStep('decap', `ipip ${formatIpv4(outer.src)} > ${formatIpv4(outer.dst)}`, best.name, outer.totalLength);
  best.deliverToStack(outer.payload);
}
