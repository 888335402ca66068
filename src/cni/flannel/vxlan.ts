/**
 * flannel's vxlan backend: device flannel.VNI (VNI 1, UDP 8472, no learning, MTU underlay − 50) with
 * the subnet's .0 as a /32, and its VTEP MAC published as backend-data {"VNI":1,"VtepMAC":"…"}. For
 * each remote node, in this order (the route last, so the kernel never ARPs for the gateway):
 *   ip neigh replace SUBNET.0 lladdr VTEPMAC dev flannel.1 nud permanent
 *   bridge fdb replace VTEPMAC dev flannel.1 dst PUBLIC_IP self permanent
 *   ip route replace SUBNET via SUBNET.0 dev flannel.1 onlink
 * and the reverse on leave. With DirectRouting a node whose public IP is on a connected subnet gets a
 * plain `SUBNET via PUBLIC_IP` instead, and its traffic is not encapsulated.
 */
import { VxlanDevice } from '../../dataplane/stack/index.js';
import { FLANNEL_VXLAN_PORT, FLANNEL_VXLAN_VNI, VXLAN_OVERHEAD, formatIpv4, formatMac, macEquals, parseIpv4 } from '../../net/index.js';
import type { Backend, BackendContext, Lease, Network, NetworkConfig, SubnetEvent } from '../backend.js';
import { type Ip4Net, inNet, parseIpv4Cidr, subnetIp } from './cidr.js';
import { leaseInfo } from './lease-info.js';
import { type RouteWant, deleteRoute, ensureRoute, netlinkError } from './routes.js';
import { type LeaseHandler, runLeaseLoop } from './run-loop.js';

export const VXLAN = 'vxlan';

export class VxlanBackend implements Backend {
  readonly type = VXLAN;

  async registerNetwork(ctx: BackendContext, config: NetworkConfig): Promise<Network> {
    const vni = config.backend.vni ?? FLANNEL_VXLAN_VNI;
    const port = config.backend.port ?? FLANNEL_VXLAN_PORT;
    const dev = ensureVxlanDevice(ctx, `flannel.${vni}`, vni, port);
    // Go's json.Marshal of vxlanLeaseAttrs: these two fields, this order, no spaces.
    const backendData = JSON.stringify({ VNI: vni, VtepMAC: formatMac(dev.mac) });
    const lease = await ctx.subnetManager.acquireLease({ publicIP: ctx.ext.extAddr, backendType: VXLAN, backendData });
    const network = parseIpv4Cidr(config.network)!;
    configureAddress(ctx, dev, parseIpv4Cidr(lease.subnet)!, network);
    return new VxlanNetwork(ctx, lease, dev, config.backend.directRouting === true);
  }
}

/** Reuses a compatible flannel.VNI (a restarted flanneld keeps its VTEP MAC), else (re)creates it. */
function ensureVxlanDevice(ctx: BackendContext, name: string, vni: number, port: number): VxlanDevice {
  const mtu = ctx.ext.dev.mtu - VXLAN_OVERHEAD;
  const local = parseIpv4(ctx.ext.ifaceAddr);
  const existing = ctx.ns.device(name);
  if (existing instanceof VxlanDevice && existing.vni === vni && existing.dstPort === port && local.ok && existing.local === local.value) {
    existing.mtu = mtu;
    return existing;
  }
  if (existing !== undefined) {
    ctx.log(`"${name}" already exists with incompatible configuration; recreating device`);
    ctx.ns.removeDevice(name);
  }
  return ctx.ns.addDevice(new VxlanDevice(name, { vni, port, local: ctx.ext.ifaceAddr, mtu }));
}

/** EnsureV4AddressOnLink: SUBNET.0/32 on the device, other addresses inside the flannel network removed; link up. */
function configureAddress(ctx: BackendContext, dev: VxlanDevice, subnet: Ip4Net, network: Ip4Net): void {
  for (const a of [...dev.addresses]) {
    if (a.address !== subnet.network && inNet(a.address, network)) ctx.ns.removeAddress(dev, `${formatIpv4(a.address)}/${a.prefixLength}`);
  }
  if (!dev.addresses.some((a) => a.address === subnet.network)) ctx.ns.addAddress(dev, `${subnetIp(subnet)}/32`);
  dev.up = true;
}

interface Remote {
  lease: Lease;
  /** The remote subnet's .0, its VTEP's address on flannel.1. */
  vtep: number;
  mac: Uint8Array;
  publicIP: number;
  /** The route: via the VTEP on flannel.1, or via the node directly. */
  route: RouteWant;
  direct: boolean;
}

class VxlanNetwork implements Network, LeaseHandler {
  readonly backendType = VXLAN;
  private readonly remotes = new Map<string, Remote>();

  constructor(private readonly ctx: BackendContext, readonly lease: Lease, readonly dev: VxlanDevice, private readonly directRouting: boolean) {}

  get mtu(): number {
    return this.ctx.ext.dev.mtu - VXLAN_OVERHEAD;
  }

  run(signal: AbortSignal): Promise<void> {
    return runLeaseLoop(this.ctx, this.lease, this, signal);
  }

  handleSubnetEvents(events: SubnetEvent[]): void {
    for (const { type, lease } of events) {
      if (lease.attrs.backendType !== VXLAN) {
        this.ctx.log(`ignoring non-vxlan subnet ${lease.subnet}: type=${lease.attrs.backendType}`);
        continue;
      }
      if (type === 'removed') {
        const remote = this.remotes.get(lease.subnet);
        if (remote === undefined) continue;
        this.remotes.delete(lease.subnet);
        this.unprogram(remote);
        continue;
      }
      const remote = this.remoteFor(lease);
      if (remote === undefined) continue;
      this.remotes.set(lease.subnet, remote);
      this.program(remote);
    }
  }

  check(): void {
    for (const remote of this.remotes.values()) this.program(remote);
  }

  private program(r: Remote): void {
    const ns = this.ctx.ns;
    const key = `route ${r.lease.subnet}`;
    try {
      if (!r.direct) {
        const neigh = ns.neighbours.get(this.dev, r.vtep);
        if (neigh?.state !== 'PERMANENT' || neigh.mac === undefined || !macEquals(neigh.mac, r.mac)) ns.neighbours.add(this.dev, r.vtep, r.mac);
        if (this.dev.fdbGet(r.mac) !== r.publicIP) this.dev.fdbAdd(r.mac, r.publicIP);
      }
      ensureRoute(ns, r.route);
      this.ctx.problems.clear(key);
    } catch (err) {
      this.ctx.problems.set(key, `failed to add vxlanRoute (${r.lease.subnet} -> ${subnetIpOf(r)}): ${netlinkError(err)}`);
    }
  }

  private unprogram(r: Remote): void {
    deleteRoute(this.ctx.ns, r.route);
    if (!r.direct) {
      if (this.dev.fdbGet(r.mac) === r.publicIP) this.dev.fdbDelete(r.mac);
      const neigh = this.ctx.ns.neighbours.get(this.dev, r.vtep);
      if (neigh?.mac !== undefined && macEquals(neigh.mac, r.mac)) this.ctx.ns.neighbours.delete(this.dev, r.vtep);
    }
    this.ctx.problems.clear(`route ${r.lease.subnet}`);
  }

  private remoteFor(lease: Lease): Remote | undefined {
    const info = leaseInfo(lease);
    if (info === undefined || info.vtepMac === undefined) {
      this.ctx.log(`error decoding subnet lease JSON of ${lease.node ?? lease.subnet}: ${lease.attrs.backendData}`);
      return undefined;
    }
    const { subnet, publicIP, vtepMac } = info;
    const direct = this.directRouting && this.isOnLink(publicIP);
    const route: RouteWant = direct
      ? { dst: subnet, via: publicIP, dev: this.ctx.ext.dev.name, onlink: false }
      : { dst: subnet, via: subnet.network, dev: this.dev.name, onlink: true };
    return { lease, vtep: subnet.network, mac: vtepMac, publicIP, route, direct };
  }

  /** ip.DirectRouting: the route to the node's address has no gateway (same L2 subnet). */
  private isOnLink(ip: number): boolean {
    const r = this.ctx.ns.routes.lookup(ip);
    return r !== undefined && r.type === 'unicast' && r.via === undefined && r.dev === this.ctx.ext.dev;
  }
}

function subnetIpOf(r: Remote): string {
  return r.lease.subnet.split('/')[0]!;
}
