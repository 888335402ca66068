/**
 * felix's VXLAN manager: in vxlan mode the routes come from the datastore, not from BGP. For every
 * other node that published a VTEP (tunnel address + MAC on its Node), in this order:
 *   ip neigh replace VTEP_IP lladdr VTEP_MAC dev vxlan.calico nud permanent
 *   bridge fdb replace VTEP_MAC dev vxlan.calico dst NODE_IP self permanent
 * and for each IPAM block affine to that node (and each address it borrowed from another block):
 *   BLOCK via VTEP_IP dev vxlan.calico onlink proto 80
 * or, with CrossSubnet and the node on this node's subnet, `BLOCK via NODE_IP dev eth0 proto 80`.
 * The node's own blocks get `blackhole BLOCK proto 80`. A VTEP that disappears is removed after
 * its routes (the reverse order), so no packet is routed to a VTEP whose entries are gone.
 */
import type { VxlanDevice } from '../../dataplane/stack/index.js';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import { macEquals } from '../../net/index.js';
import type { CalicoNodeInfo } from './annotations.js';
import type { CalicoIpam } from './ipam.js';
import { FELIX_PROTO, type RouteProgrammer, type RouteWant, blackhole, parsePrefix, prefixText } from './kernel-routes.js';

interface Vtep {
  ip: number;
  mac: Uint8Array;
  nodeIp: number;
}

export class FelixVxlan {
  private readonly vteps = new Map<string, Vtep>();

  constructor(
    private readonly ns: NetNamespace,
    private readonly dev: VxlanDevice,
    private readonly uplink: string,
    private readonly routes: RouteProgrammer,
    private readonly crossSubnet: boolean,
  ) {}

  /** Brings VTEP entries and routes in line with the datastore; returns how many things changed. */
  apply(self: CalicoNodeInfo, nodes: Iterable<CalicoNodeInfo>, ipam: CalicoIpam): number {
    let changes = 0;
    const wantVteps = new Map<string, Vtep>();
    const wanted = new Map<string, RouteWant>();
    for (const block of ipam.blocksOf(self.name)) wanted.set(block, blackhole(parsePrefix(block)!, FELIX_PROTO));
    for (const n of nodes) {
      if (n.name === self.name || n.vxlanTunnel === undefined || n.vxlanMac === undefined) continue;
      wantVteps.set(n.name, { ip: n.vxlanTunnel, mac: n.vxlanMac, nodeIp: n.address });
      const direct = this.crossSubnet && n.prefixLength === self.prefixLength && n.subnet === self.subnet;
      const route = (prefix: [number, number]): RouteWant => direct
        ? { dst: prefix[0], prefixLength: prefix[1], type: 'unicast', via: n.address, dev: this.uplink, onlink: false, proto: FELIX_PROTO }
        : { dst: prefix[0], prefixLength: prefix[1], type: 'unicast', via: n.vxlanTunnel, dev: this.dev.name, onlink: true, proto: FELIX_PROTO };
      for (const block of ipam.blocksOf(n.name)) {
        const p = parsePrefix(block)!;
        wanted.set(prefixText(p[0], p[1]), route(p));
      }
      for (const a of ipam.borrowedBy(n.name)) {
        const p = parsePrefix(`${a.ip}/32`)!;
        wanted.set(prefixText(p[0], 32), route(p));
      }
    }
    // New VTEPs before the routes that use them; stale ones after the routes are gone.
    for (const [name, v] of wantVteps) if (this.program(name, v)) changes++;
    changes += this.routes.apply(wanted);
    for (const [name, v] of [...this.vteps]) {
      if (wantVteps.has(name)) continue;
      this.unprogram(v);
      this.vteps.delete(name);
      changes++;
    }
    return changes;
  }

  private program(name: string, v: Vtep): boolean {
    const old = this.vteps.get(name);
    if (old !== undefined && (old.ip !== v.ip || !macEquals(old.mac, v.mac) || old.nodeIp !== v.nodeIp)) this.unprogram(old);
    this.vteps.set(name, v);
    let changed = false;
    const neigh = this.ns.neighbours.get(this.dev, v.ip);
    if (neigh?.state !== 'PERMANENT' || neigh.mac === undefined || !macEquals(neigh.mac, v.mac)) {
      this.ns.neighbours.add(this.dev, v.ip, v.mac);
      changed = true;
    }
    if (this.dev.fdbGet(v.mac) !== v.nodeIp) {
      this.dev.fdbAdd(v.mac, v.nodeIp);
      changed = true;
    }
    return changed;
  }

  private unprogram(v: Vtep): void {
    if (this.dev.fdbGet(v.mac) === v.nodeIp) this.dev.fdbDelete(v.mac);
    const neigh = this.ns.neighbours.get(this.dev, v.ip);
    if (neigh?.mac !== undefined && macEquals(neigh.mac, v.mac)) this.ns.neighbours.delete(this.dev, v.ip);
  }
}
