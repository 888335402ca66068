/**
 * flannel's udp backend (for debugging, as flannel says: every packet crosses userspace). flannel0 is
 * a TUN with the subnet's .0 as a /32 and MTU underlay − 28 (outer IPv4 + UDP); one route sends the
 * whole pod network to it (`10.244.0.0/16 dev flannel0`, scope universe as flanneld adds it); flanneld
 * reads packets from it and forwards them to the node owning the destination subnet over a UDP socket
 * bound to the node's address, port 8285, with no header of its own (udp-proxy.ts). The TUN and the
 * socket live as long as flanneld runs: stopping the network deletes flannel0 and its route.
 *
 * One deviation: the proxy's ICMP net unreachable carries flannel0's own address as its source, and
 * Linux (like kemu's stack) drops a packet entering flannel0 with a local source as martian. kemu
 * hands that error to the host's output path instead, so the sender gets it.
 */
import { formatIpv4 } from '../../net/addr.js';
import { TunDevice, type UdpSocket } from '../../dataplane/stack/index.js';
import type { Backend, BackendContext, Lease, Network, NetworkConfig, SubnetEvent } from '../backend.js';
import { type Ip4Net, parseIpv4Cidr, subnetIp } from './cidr.js';
import { leaseInfo } from './lease-info.js';
import { installedRoute, netlinkError } from './routes.js';
import { type LeaseHandler, runLeaseLoop } from './run-loop.js';
import { UdpProxy, type UdpProxyStats } from './udp-proxy.js';

export const UDP = 'udp';
export const FLANNEL_UDP_PORT = 8285;
/** Outer IPv4 (20) + UDP (8): what flannel subtracts from the underlay MTU. */
export const UDP_ENCAP_OVERHEAD = 28;
const TUN_NAME = 'flannel0';

export class UdpBackend implements Backend {
  readonly type = UDP;

  async registerNetwork(ctx: BackendContext, config: NetworkConfig): Promise<Network> {
    const lease = await ctx.subnetManager.acquireLease({ publicIP: ctx.ext.extAddr, backendType: UDP, backendData: 'null' });
    const network = parseIpv4Cidr(config.network)!;
    const subnet = parseIpv4Cidr(lease.subnet)!;
    const port = config.backend.port ?? FLANNEL_UDP_PORT;
    const mtu = ctx.ext.dev.mtu - UDP_ENCAP_OVERHEAD;
    // A TUN dies with the process that opened it: one left over means a network that was not stopped.
    if (ctx.ns.device(TUN_NAME) !== undefined) ctx.ns.removeDevice(TUN_NAME);
    const tun = ctx.ns.addDevice(new TunDevice(TUN_NAME, { mtu }));
    try {
      ctx.ns.addAddress(tun, `${subnetIp(subnet)}/32`);
      ensureNetworkRoute(ctx, network);
      const socket = ctx.ns.udp.bind(port, ctx.ext.ifaceAddr);
      return new UdpNetwork(ctx, lease, tun, socket, network, port);
    } catch (err) {
      ctx.ns.removeDevice(TUN_NAME);
      throw err;
    }
  }
}

/** `10.244.0.0/16 dev flannel0` (scope universe): an existing one (EEXIST) is fine. */
function ensureNetworkRoute(ctx: BackendContext, network: Ip4Net): void {
  const have = installedRoute(ctx.ns, network);
  if (have?.dev?.name === TUN_NAME && have.via === undefined) return;
  ctx.ns.routes.replace({ dst: network.text, dev: TUN_NAME, scope: 'global' });
}

class UdpNetwork implements Network, LeaseHandler {
  readonly backendType = UDP;
  readonly proxy: UdpProxy;

  constructor(
    private readonly ctx: BackendContext,
    readonly lease: Lease,
    readonly tun: TunDevice,
    private readonly socket: UdpSocket,
    private readonly network: Ip4Net,
    private readonly port: number,
  ) {
    const ns = ctx.ns;
    this.proxy = new UdpProxy(tun.primaryAddress(), {
      send: (nextHop, packet) => {
        // The textbook's step: flanneld reads the packet from flannel0 and sends it in UDP 8285.
        if (ns.trace !== undefined) ns.traceStep('encap', `flanneld: udp ${port} to ${formatIpv4(nextHop)}:${port} (+28 B: IP 20 + UDP 8)`, 'flannel0', packet.length + 28);
        socket.send(nextHop, port, packet);
      },
      writeTun: (packet) => {
        if (ns.trace !== undefined) ns.traceStep('decap', `flanneld: udp ${port} payload written to flannel0`, 'flannel0', packet.length);
        tun.inject(packet);
      },
      sendIcmp: (packet) => void ns.sendIp(packet),
      drop: (reason, bytes) => ns.dropIp(reason, bytes),
    });
    tun.onPacket((packet) => this.proxy.fromTun(packet));
    socket.onMessage((payload) => this.proxy.fromSocket(payload));
  }

  get mtu(): number {
    return this.tun.mtu;
  }

  get stats(): UdpProxyStats {
    return this.proxy.stats;
  }

  run(signal: AbortSignal): Promise<void> {
    return runLeaseLoop(this.ctx, this.lease, this, signal);
  }

  handleSubnetEvents(events: SubnetEvent[]): void {
    for (const { type, lease } of events) {
      if (lease.attrs.backendType !== UDP) {
        this.ctx.log(`Ignoring non-udp subnet: type=${lease.attrs.backendType}`);
        continue;
      }
      const info = leaseInfo(lease);
      if (info === undefined) continue;
      const { subnet } = info;
      if (type === 'added') {
        this.ctx.log(`Subnet added: ${lease.subnet}`);
        this.proxy.routes.set(subnet.network, subnet.prefixLength, info.publicIP);
      } else {
        this.ctx.log(`Subnet removed: ${lease.subnet}`);
        this.proxy.routes.delete(subnet.network, subnet.prefixLength);
      }
    }
  }

  /** The proxy's table cannot drift; the kernel side can (a deleted route, a TUN set down). */
  check(): void {
    try {
      this.tun.up = true;
      const address = parseIpv4Cidr(this.lease.subnet)!.network;
      if (!this.tun.addresses.some((a) => a.address === address)) this.ctx.ns.addAddress(this.tun, `${subnetIp(parseIpv4Cidr(this.lease.subnet)!)}/32`);
      ensureNetworkRoute(this.ctx, this.network);
      this.ctx.problems.clear('flannel0');
    } catch (err) {
      this.ctx.problems.set('flannel0', `failed to configure ${TUN_NAME}: ${netlinkError(err)}`);
    }
  }

  close(): void {
    this.tun.onPacket(undefined);
    this.socket.close();
    if (this.ctx.ns.device(TUN_NAME) === this.tun) this.ctx.ns.removeDevice(TUN_NAME);
    this.ctx.log(`closed ${TUN_NAME} and UDP port ${this.port}`);
  }
}
