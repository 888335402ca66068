/**
 * The packet plane of a cluster, built from its Topology: one underlay segment per subnet (real UDP
 * on loopback by default), one host namespace per node with eth0 on its subnet, one router namespace
 * per topology router with an interface on each of its subnets, and a `gateway` namespace holding
 * the .1 of every subnet no router serves (docker's bridge gateway under kind: the machine the
 * cluster runs on, where outside clients come from). Every node's default route points at its
 * subnet's .1. Pods are attached on demand (see pods.ts); cross-node pod routes are the CNI's job.
 */
import { Netfilter } from '../../dataplane/netfilter/index.js';
import { EthernetDevice, NetNamespace, type Bridge, type NetDevice, parseCidr } from '../../dataplane/stack/index.js';
import { formatIpv4 } from '../../net/index.js';
import { prefixMask } from '../../net/addr.js';
import { TcpLayer } from '../../dataplane/tcp/index.js';
import { type RandomSource, type UnderlayKind, type UnderlayPort, createSegment } from '../../dataplane/underlay/index.js';
import type { Topology, UnderlaySubnet } from '../../topology/types.js';
import { type Clock, RealClock } from '../../util/clock.js';
import { KemuError } from '../../util/errors.js';
import { type PodAttacher, type PodNet, attachPod, detachPod } from './pods.js';

export interface LabNetworkOptions {
  clock: Clock;
  /** 'dgram' (default): every underlay interface is a UDP socket on 127.0.0.1. */
  kind?: UnderlayKind;
  /** Drives underlay loss/duplication/jitter; pass seededRandom(n) for repeatable impaired runs. */
  random?: RandomSource;
}

type UnderlaySegmentLike = ReturnType<typeof createSegment>;

/** One interface on the underlay: the device, its subnet, and (once started) its segment port. */
export interface UnderlayLink {
  owner: string;
  ns: NetNamespace;
  dev: EthernetDevice;
  subnet: UnderlaySubnet;
  segment: UnderlaySegmentLike;
  address: string;
  prefixLength: number;
  port: UnderlayPort | undefined;
}

export interface NodeNet {
  name: string;
  ns: NetNamespace;
  eth0: UnderlayLink;
  /** The node's own rules engine (kube-proxy and CNI programs it). */
  netfilter: Netfilter;
  /** Created by the first attachPod on this node. */
  cni0: Bridge | undefined;
}

export interface RouterNet {
  name: string;
  ns: NetNamespace;
  links: UnderlayLink[];
}

/**
 * RealClock's now() is Date.now(), in whole milliseconds: loopback RTTs are a fraction of one, so
 * ping times and pcap timestamps would all read 0. Same timers, microsecond timestamps.
 */
export class PreciseClock extends RealClock {
  override now(): number {
    return performance.timeOrigin + performance.now();
  }
}

/** The name of the namespace that is the gateway of router-less subnets (and of targets: `gateway`). */
export const GATEWAY = 'gateway';

function firstHost(cidr: string): string {
  const { address, prefixLength } = parseCidr(cidr);
  return formatIpv4(((address & prefixMask(prefixLength)) >>> 0) + 1);
}

export class LabNetwork {
  readonly clock: Clock;
  readonly segments = new Map<string, UnderlaySegmentLike>();
  readonly nodes = new Map<string, NodeNet>();
  readonly routers = new Map<string, RouterNet>();
  /** The gateway of subnets without a router (undefined when routers serve every subnet). */
  gateway: RouterNet | undefined;
  /** Pods by "namespace/name". */
  readonly pods = new Map<string, PodNet>();
  private readonly links: UnderlayLink[] = [];
  private readonly linkByDevice = new Map<NetDevice, UnderlayLink>();
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';

  private constructor(readonly topology: Topology, clock: Clock) {
    this.clock = clock instanceof RealClock && !(clock instanceof PreciseClock) ? new PreciseClock() : clock;
  }

  /** Builds every namespace, device, address and route; sockets open in start(). */
  static fromTopology(topology: Topology, opts: LabNetworkOptions): LabNetwork {
    const net = new LabNetwork(topology, opts.clock);
    const subnets = new Map(topology.underlay.subnets.map((s) => [s.name, s]));
    for (const s of topology.underlay.subnets) {
      net.segments.set(s.name, createSegment(s.name, { kind: opts.kind, clock: net.clock, random: opts.random, link: s.link }));
    }
    const gateways = new Map<string, string>(); // subnet → its router's address
    for (const r of topology.underlay.routers) {
      const ns = new NetNamespace({ name: r.name, clock: net.clock, ipForward: true });
      const links = r.interfaces.map((iface, i) => net.addLink(r.name, ns, `eth${i}`, subnets.get(iface.subnet)!, iface.address));
      for (const iface of r.interfaces) gateways.set(iface.subnet, iface.address);
      net.routers.set(r.name, { name: r.name, ns, links });
    }
    const unrouted = topology.underlay.subnets.filter((s) => !gateways.has(s.name));
    if (unrouted.length > 0) {
      const ns = new NetNamespace({ name: GATEWAY, clock: net.clock, ipForward: true });
      const links = unrouted.map((s, i) => {
        const address = firstHost(s.cidr);
        gateways.set(s.name, address);
        return net.addLink(GATEWAY, ns, `eth${i}`, s, address);
      });
      net.gateway = { name: GATEWAY, ns, links };
    }
    for (const n of topology.nodes) {
      const subnet = subnets.get(n.subnet);
      if (subnet === undefined) throw new KemuError('ERR_TOPOLOGY', `node ${n.name}: no subnet named ${n.subnet}`);
      const ns = new NetNamespace({ name: n.name, clock: net.clock, ipForward: true });
      const netfilter = new Netfilter({
        // MASQUERADE's source: the out device's address, else (inet_select_addr) the first address
        // of another device — calico's cali veths have none, and hairpin traffic leaves by them.
        addressOf: (iface) => ns.device(iface)?.primaryAddress() || ns.devices().find((d) => d !== ns.lo && d.addresses.length > 0)?.primaryAddress() || undefined,
        isLocal: (ip) => ns.isLocalAddress(ip),
      });
      ns.hooks = netfilter;
      const eth0 = net.addLink(n.name, ns, 'eth0', subnet, n.address);
      TcpLayer.of(ns);
      // A real node's default gateway: everything off-subnet goes to the rack's router (or kind's gateway).
      const gateway = gateways.get(n.subnet);
      if (gateway !== undefined) ns.routes.add({ dst: 'default', via: gateway, dev: 'eth0' });
      net.nodes.set(n.name, { name: n.name, ns, eth0, netfilter, cni0: undefined });
    }
    return net;
  }

  /** Opens one underlay port (socket) per interface. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new KemuError('ERR_NETWORK_STATE', `network is ${this.state}`);
    this.state = 'starting';
    try {
      await Promise.all(this.links.map(async (l) => {
        const port = await l.segment.attach(l.dev.mac, { label: `${l.owner}/${l.dev.name}` });
        l.dev.attach(port);
        l.port = port;
      }));
      this.state = 'running';
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Detaches pods and closes every segment; resolves once every socket handle is released. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const key of [...this.pods.keys()]) this.detachPod(key);
    for (const l of this.links) l.dev.detach();
    await Promise.all([...this.segments.values()].map((s) => s.close()));
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /**
   * A pod sandbox as the bridge CNI plugin makes it: eth0 in a new namespace, veth into the node's
   * cni0 (created on first use with the podCIDR's .1), default route via .1.
   */
  attachPod(nodeName: string, podKey: string, podIP: string, podCIDR: string, opts: { mtu?: number; plugin?: PodAttacher } = {}): PodNet {
    if (this.state === 'stopped') throw new KemuError('ERR_NETWORK_STATE', 'network is stopped');
    if (this.pods.has(podKey)) throw new KemuError('ERR_POD_ATTACHED', `pod ${podKey} is already attached`);
    const pod = opts.plugin !== undefined
      ? opts.plugin(this.node(nodeName), podKey, podIP, opts.mtu)
      : attachPod(this.node(nodeName), podKey, podIP, podCIDR, this.clock, { ...(opts.mtu !== undefined ? { mtu: opts.mtu } : {}) });
    TcpLayer.of(pod.ns); // every Linux namespace speaks TCP: a SYN to a closed port gets a RST
    this.pods.set(podKey, pod);
    return pod;
  }

  /** Removes the pod's veth pair and namespace; false when the pod was not attached. */
  detachPod(podKey: string): boolean {
    const pod = this.pods.get(podKey);
    if (pod === undefined) return false;
    if (pod.detach !== undefined) pod.detach();
    else detachPod(this.node(pod.node), pod);
    this.pods.delete(podKey);
    return true;
  }

  /** A powered-off host: its underlay link goes down both ways (and up again on power-on). */
  setNodeLinkDown(name: string, down: boolean): void {
    this.nodes.get(name)?.eth0.port?.setDown(down);
  }

  node(name: string): NodeNet {
    const n = this.nodes.get(name);
    if (n === undefined) throw new KemuError('ERR_NO_SUCH_NODE', `no node named ${name} (nodes: ${[...this.nodes.keys()].join(', ')})`);
    return n;
  }

  /**
   * Where traffic from outside the cluster enters toward a node: the namespace holding the .1 of the
   * node's subnet (its router, or the gateway).
   */
  edgeOf(nodeName: string): RouterNet {
    const subnet = this.node(nodeName).eth0.subnet.name;
    for (const r of [...this.routers.values(), ...(this.gateway ? [this.gateway] : [])]) {
      if (r.links.some((l) => l.subnet.name === subnet)) return r;
    }
    throw new KemuError('ERR_NO_GATEWAY', `subnet ${subnet} of node ${nodeName} has no gateway`);
  }

  /** Every namespace: nodes, routers, the gateway, then pods. */
  namespaces(): NetNamespace[] {
    return [
      ...[...this.nodes.values()].map((n) => n.ns),
      ...[...this.routers.values()].map((r) => r.ns),
      ...(this.gateway ? [this.gateway.ns] : []),
      ...[...this.pods.values()].map((p) => p.ns),
    ];
  }

  /** The underlay link of a device that sits on a segment (host eth0, router interfaces). */
  linkOf(dev: NetDevice): UnderlayLink | undefined {
    return this.linkByDevice.get(dev);
  }

  /** Who owns an address: the namespace and device carrying it. */
  ownerOf(ip: number): { ns: NetNamespace; dev: NetDevice } | undefined {
    for (const ns of this.namespaces()) {
      for (const dev of ns.devices()) if (dev !== ns.lo && dev.addresses.some((a) => a.address === ip)) return { ns, dev };
    }
    return undefined;
  }

  private addLink(owner: string, ns: NetNamespace, name: string, subnet: UnderlaySubnet, address: string): UnderlayLink {
    const prefixLength = Number(subnet.cidr.split('/')[1]);
    // The interface MTU is the link's: a 1400-MTU rack gets 1400-MTU interfaces, so routers answer
    // oversized DF packets with "fragmentation needed" exactly where the smaller link starts.
    const dev = ns.addDevice(new EthernetDevice(name, { mtu: subnet.link.mtu }));
    ns.addAddress(dev, `${address}/${prefixLength}`);
    const link: UnderlayLink = { owner, ns, dev, subnet, segment: this.segments.get(subnet.name)!, address, prefixLength, port: undefined };
    this.links.push(link);
    this.linkByDevice.set(dev, link);
    return link;
  }
}
