/**
 * BIRD inside calico-node, reduced: one BGP speaker on the node address, port 179 of kemu's TCP;
 * the sessions confd would render (peers.ts) kept in line by `setPeers`; the node's affine blocks
 * and the /32 of every address it borrowed from another node's block exported (`setExports`; the
 * block owner keeps its blackhole, the /32 is more specific); and its kernel protocol
 * (bird-kernel.ts). In vxlan mode the pool's routes are left to felix.
 */
import { BgpSpeaker, type LearnedRoute, type PeerStatus } from '../../bgp/speaker.js';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import { parseIpv4, prefixMask } from '../../net/index.js';
import type { Clock } from '../../util/clock.js';
import { type BgpListener, BGP_PORT, listenBgp, tcpConnector } from './bgp-transport.js';
import { type BgpTimingInput, bgpTimers } from './bgp-timing.js';
import { type CalicoNetConfig, IPIP_DEVICE } from './config.js';
import { BirdKernel } from './bird-kernel.js';
import { type BirdRouteContext, resolveNextHop } from './kernel-routes.js';
import { type PeerWant, samePeer } from './peers.js';
import type { BirdRouteLine } from './views.js';

export interface BirdOptions {
  ns: NetNamespace;
  routerId: string;
  asn: number;
  /** Set on route reflector nodes (routeReflectorClusterID). */
  clusterId?: string;
  port?: number;
  clock: Clock;
  timing?: BgpTimingInput;
  /** How learned routes become kernel routes. */
  routes: BirdRouteContext;
  /** Prefixes BIRD must not program (vxlan: the pool, which felix owns). */
  skip?(prefix: [number, number]): boolean;
  /** Whether BIRD's static protocol programs the own blocks' blackholes (not in vxlan mode). */
  blackholes: boolean;
  report: { set(key: string, message: string): void; clear(key: string): void };
  log(line: string): void;
}

export interface NodeBirdInput {
  nodeName: string;
  ns: NetNamespace;
  /** The node's address and its subnet's prefix length (calico's IPv4Address). */
  address: string;
  prefixLength: number;
  uplink: string;
  config: CalicoNetConfig;
  clock: Clock;
  timing?: BgpTimingInput;
  port?: number;
  report: BirdOptions['report'];
  log(line: string): void;
}

/** BIRD as confd configures it for a node: router ID = address, the mode's kernel programming. */
export function nodeBirdOptions(i: NodeBirdInput): BirdOptions {
  const { config } = i;
  const ip = parseIpv4(i.address);
  const mask = prefixMask(i.prefixLength);
  const subnet = ip.ok ? (ip.value & mask) >>> 0 : 0;
  const [poolText = '', poolLenText = '32'] = config.pool.split('/');
  const pool = parseIpv4(poolText);
  const poolLen = Number(poolLenText);
  const inPool = (p: [number, number]): boolean => pool.ok && p[1] >= poolLen && ((p[0] & prefixMask(poolLen)) >>> 0) === pool.value;
  return {
    ns: i.ns, routerId: i.address, asn: config.asNumber, clock: i.clock, blackholes: config.mode !== 'vxlan',
    ...(config.routeReflectors.includes(i.nodeName) ? { clusterId: config.routeReflectorClusterId } : {}),
    ...(i.timing === undefined ? {} : { timing: i.timing }), ...(i.port === undefined ? {} : { port: i.port }),
    routes: {
      uplink: i.uplink, tunnel: config.mode === 'ipip' ? IPIP_DEVICE : undefined, crossSubnet: config.crossSubnet,
      sameSubnet: (nh) => ((nh & mask) >>> 0) === subnet, resolve: (nh) => resolveNextHop(i.ns, nh), inPool,
    },
    // vxlan: calico's kernel filter leaves the VXLAN pool to felix.
    ...(config.mode === 'vxlan' && pool.ok ? { skip: inPool } : {}),
    report: i.report, log: i.log,
  };
}

export class Bird {
  readonly speaker: BgpSpeaker;
  private readonly kernel: BirdKernel;
  private listener: BgpListener | undefined;
  private readonly peers = new Map<string, PeerWant>();
  private exported = new Set<string>();
  private ownBlocks: string[] = [];
  private readonly startedAt: number;

  constructor(private readonly o: BirdOptions) {
    const t = bgpTimers(o.clock, o.timing ?? {});
    this.startedAt = o.clock.now();
    this.kernel = new BirdKernel({
      ns: o.ns, clock: o.clock, routes: o.routes, blackholes: o.blackholes, report: o.report, ...(o.skip === undefined ? {} : { skip: o.skip }),
    });
    this.speaker = new BgpSpeaker({
      asn: o.asn, routerId: o.routerId, listenAddress: o.routerId, holdTime: t.holdTime,
      ...(t.keepaliveTime === undefined ? {} : { keepaliveTime: t.keepaliveTime }),
      connectRetryMs: t.connectRetryMs, errorWaitMs: t.errorWaitMs, clock: t.clock, connector: tcpConnector(o.ns),
      ...(o.clusterId === undefined ? {} : { clusterId: o.clusterId }),
      onRoutes: (changes) => this.kernel.learn(changes),
      log: (line) => o.log(`bird: ${line}`),
    });
  }

  /** HH:MM:SS the speaker started (BIRD's protocols' `since`). */
  get since(): string {
    return new Date(this.startedAt).toISOString().slice(11, 19);
  }

  get running(): boolean {
    return this.listener !== undefined;
  }

  /** `listen bgp address NODE_IP port 179`. Throws ERR_ADDRESS_IN_USE if something else holds it. */
  start(): void {
    if (this.listener !== undefined) return;
    this.listener = listenBgp(this.o.ns, { address: this.o.routerId, port: this.o.port ?? BGP_PORT }, (t) => this.speaker.accept(t));
    // Stale routes of a previous BIRD go once the peers had a hold time to return.
    const t = bgpTimers(this.o.clock, this.o.timing ?? {});
    this.kernel.startGrace(t.clock, t.holdTime * 1000);
  }

  /** Stops every session (Cease) and the listener; the kernel routes stay (`persist`, as calico's BIRD). */
  async stop(): Promise<void> {
    this.kernel.stop();
    this.listener?.close();
    this.listener = undefined;
    await this.speaker.close();
  }

  /** Adds, re-configures and removes sessions; returns how many changed. */
  setPeers(want: Map<string, PeerWant>): number {
    let changes = 0;
    for (const [address, have] of [...this.peers]) {
      const next = want.get(address);
      if (next !== undefined && samePeer(have, next)) continue;
      this.o.log(`peer ${have.name} (${address}) ${next === undefined ? 'removed' : 'reconfigured'}`);
      this.speaker.removePeer(address);
      this.peers.delete(address);
      changes++;
    }
    for (const [address, p] of want) {
      if (this.peers.has(address)) continue;
      this.speaker.addPeer({
        address, asn: p.asn, port: this.o.port ?? BGP_PORT, passive: p.passive, type: p.type, routeReflectorClient: p.routeReflectorClient,
        ...(p.importNextHop === undefined ? {} : { importNextHop: p.importNextHop }),
      });
      this.peers.set(address, p);
      this.o.log(`peer ${p.name} (${address}) added: ${p.type}${p.passive ? ', passive' : ''}${p.routeReflectorClient ? ', rr client' : ''}`);
      changes++;
    }
    return changes;
  }

  /** What the node announces: its affine blocks and its borrowed /32s. */
  setExports(ownBlocks: string[], borrowed: string[]): number {
    this.ownBlocks = ownBlocks;
    this.kernel.setOwnBlocks(ownBlocks);
    const want = new Set([...ownBlocks, ...borrowed]);
    let changes = 0;
    for (const p of this.exported) {
      if (want.has(p)) continue;
      this.speaker.withdraw(p);
      changes++;
    }
    for (const p of want) {
      if (this.exported.has(p)) continue;
      this.speaker.announce(p);
      changes++;
    }
    this.exported = want;
    if (changes > 0) this.program();
    return changes;
  }

  /** Re-applies every kernel route (a resync repairs a route someone deleted). */
  program(): number {
    return this.kernel.program();
  }

  status(): PeerStatus[] {
    return this.speaker.status();
  }

  sessionCounts(): { up: number; total: number } {
    return this.speaker.sessionCounts();
  }

  learnedRoutes(): LearnedRoute[] {
    return this.speaker.learnedRoutes();
  }

  /** Routes as `birdc show route` lists them: own blocks (static1) and the best learned routes. */
  routeLines(): BirdRouteLine[] {
    const since = new Date(this.startedAt).toISOString().slice(11, 19);
    const byPeer = new Map(this.status().map((s) => [s.peerAddress, s]));
    const installed = this.kernel.installed();
    const lines: BirdRouteLine[] = this.ownBlocks.map((b) => ({
      prefix: b, nextHop: undefined, dev: undefined, protocol: 'static1', since, asPath: '', local: true,
    }));
    for (const r of this.learnedRoutes()) {
      const peer = byPeer.get(r.peer);
      lines.push({
        prefix: r.prefix, nextHop: r.nextHop, dev: installed.get(r.prefix)?.dev, protocol: peer?.name ?? r.peer,
        since: peer?.since ?? since, asPath: r.asPath, local: false,
      });
    }
    return lines;
  }
}
