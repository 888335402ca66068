/**
 * BGP on an underlay router of the topology (`underlay.routers[].bgp`), the top-of-rack peer calico
 * docs pair with the nodes of a rack: one speaker in the router's namespace, over kemu TCP, peering
 * with every node on the router's subnets (from the router's address on that subnet), installing
 * the best route of every block as `BLOCK via NODE dev ethX proto bird`. With an AS of its own it
 * is an eBGP peer and passes the blocks of one rack on to the other (next hop self); with the
 * nodes' AS it is an iBGP peer that only learns them. It waits for the nodes to connect (passive),
 * as a ToR configured for a rack would.
 */
import { BgpSpeaker, type LearnedRoute, type PeerStatus } from '../../bgp/speaker.js';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import { formatIpv4, parseIpv4 } from '../../net/index.js';
import type { Topology } from '../../topology/types.js';
import type { Clock } from '../../util/clock.js';
import { type BgpListener, BGP_PORT, listenBgp, tcpConnector } from './bgp-transport.js';
import { type BgpTimingInput, bgpTimers } from './bgp-timing.js';
import { BirdKernel } from './bird-kernel.js';
import { resolveNextHop } from './kernel-routes.js';
import type { RouterPeer } from './peers.js';
import { formatNodeStatus } from './views.js';

export interface RouterBgpPeer {
  name: string;
  address: string;
  asn: number;
}

export interface RouterBgpOptions {
  name: string;
  ns: NetNamespace;
  asn: number;
  peers: RouterBgpPeer[];
  clock: Clock;
  timing?: BgpTimingInput;
  port?: number;
  log?(line: string): void;
}

/** The routers that speak BGP on `nodeName`'s subnet, as that node's peers. */
export function routerPeersFor(topology: Topology, nodeName: string): RouterPeer[] {
  const node = topology.nodes.find((n) => n.name === nodeName);
  if (node === undefined) return [];
  const out: RouterPeer[] = [];
  for (const r of topology.underlay.routers) {
    if (r.bgp === null) continue;
    const iface = r.interfaces.find((i) => i.subnet === node.subnet);
    if (iface !== undefined) out.push({ name: r.name, address: iface.address, asn: r.bgp.asNumber });
  }
  return out;
}

/** A router's BGP peers: every node on one of its subnets, in the calico AS `nodeAsn`. */
export function routerBgpPeers(topology: Topology, routerName: string, nodeAsn: number): RouterBgpPeer[] {
  const r = topology.underlay.routers.find((x) => x.name === routerName);
  if (r === undefined) return [];
  return topology.nodes.filter((n) => r.subnets.includes(n.subnet)).map((n) => ({ name: n.name, address: n.address, asn: nodeAsn }));
}

export class CalicoRouterBgp {
  readonly speaker: BgpSpeaker;
  private listener: BgpListener | undefined;
  /** BIRD's kernel protocol, as on the nodes: changed prefixes programmed once per turn. */
  private readonly kernel: BirdKernel;
  private readonly problems = new Map<string, string>();

  constructor(private readonly o: RouterBgpOptions) {
    const ns = o.ns;
    const t = bgpTimers(o.clock, o.timing ?? {});
    const routerId = this.firstAddress();
    this.kernel = new BirdKernel({
      ns, clock: o.clock, blackholes: false, who: `router ${o.name}`,
      routes: { uplink: '', tunnel: undefined, crossSubnet: false, sameSubnet: () => true, resolve: (nh) => resolveNextHop(ns, nh) },
      report: { set: (k, m) => void this.problems.set(k, m), clear: (k) => void this.problems.delete(k) },
    });
    this.speaker = new BgpSpeaker({
      asn: o.asn, routerId, holdTime: t.holdTime, ...(t.keepaliveTime === undefined ? {} : { keepaliveTime: t.keepaliveTime }),
      connectRetryMs: t.connectRetryMs, errorWaitMs: t.errorWaitMs, clock: t.clock, connector: tcpConnector(ns),
      onRoutes: (changes) => this.kernel.learn(changes),
      log: (line) => o.log?.(`${o.name}: bird: ${line}`),
    });
  }

  start(): void {
    if (this.listener !== undefined) return;
    this.listener = listenBgp(this.o.ns, { port: this.o.port ?? BGP_PORT }, (t) => this.speaker.accept(t));
    const timers = bgpTimers(this.o.clock, this.o.timing ?? {});
    this.kernel.startGrace(timers.clock, timers.holdTime * 1000); // routes of an earlier instance, as on a node
    for (const p of this.o.peers) {
      const local = this.o.ns.selectSource(ipOf(p.address));
      this.speaker.addPeer({
        address: p.address, asn: p.asn, port: this.o.port ?? BGP_PORT, passive: true, type: 'node specific',
        ...(local === 0 ? {} : { localAddress: formatIpv4(local) }),
      });
    }
  }

  async stop(): Promise<void> {
    this.listener?.close();
    this.listener = undefined;
    await this.speaker.close();
  }

  status(): PeerStatus[] {
    return this.speaker.status();
  }

  learnedRoutes(): LearnedRoute[] {
    return this.speaker.learnedRoutes();
  }

  /** `birdc show protocols`-like table of the router's sessions. */
  nodeStatus(): string {
    return formatNodeStatus(this.listener !== undefined, this.status());
  }

  /** Routes it could not install, one message each. */
  errors(): string[] {
    return [...this.problems.values()];
  }

  private firstAddress(): string {
    for (const d of this.o.ns.devices()) if (d !== this.o.ns.lo && d.addresses.length > 0) return formatIpv4(d.addresses[0]!.address);
    return '0.0.0.0';
  }
}

function ipOf(text: string): number {
  const r = parseIpv4(text);
  return r.ok ? r.value : 0;
}
