/**
 * calico-node for one simulated host (felix + BIRD + confd, reduced), level-triggered like the
 * flannel agent: every trigger (any Node changing, an IPAM change, the resync timer, a retry) runs
 * one `sync`, which compares and repairs:
 *   - the tunnel (ipip: tunl0, vxlan: vxlan.calico) with its address from IPAM (handle
 *     ipip-tunnel-addr-NODE / vxlan-tunnel-addr-NODE: the first address of the node's first block);
 *   - the node's calico annotations (address/prefix, tunnel address, VTEP MAC);
 *   - BIRD: sessions from the other nodes' annotations, the topology's BGP routers and the BGPPeer
 *     resources (global, or this node's), exports (own
 *     blocks, borrowed /32s), kernel routes from the best paths (bird.ts);
 *   - felix: VXLAN neighbours, FDB and routes from the datastore (vxlan mode), cali-nat-outgoing;
 *   - NetworkUnavailable False (CalicoIsUp) once programmed; problems as Warning Events, True.
 * Learned routes are programmed as soon as BGP delivers them, not on the next sync.
 */
import { AgentCore } from '../agent-core.js';
import type { ApiClient } from '../../api/client.js';
import type { Informer } from '../../api/client/informer.js';
import type { KubeObject, Node } from '../../api/types.js';
import type { PeerStatus } from '../../bgp/speaker.js';
import type { Ruleset } from '../../dataplane/netfilter/index.js';
import type { NetDevice, NetNamespace } from '../../dataplane/stack/index.js';
import { formatIpv4, parseIpv4, prefixMask } from '../../net/index.js';
import type { Clock } from '../../util/clock.js';
import { LeaseHub } from '../flannel/lease-hub.js';
import { type CalicoNodeInfo, calicoAnnotationPatch, calicoNodeInfo } from './annotations.js';
import { Bird, nodeBirdOptions } from './bird.js';
import type { BgpTimingInput } from './bgp-timing.js';
import type { CalicoNetConfig } from './config.js';
import { Felix } from './felix.js';
import type { CalicoIpam } from './ipam.js';
import { type RouterPeer, desiredPeers, parseBgpPeers } from './peers.js';
import { CalicoProblems } from './problems.js';
import { type BirdRouteLine, formatBirdProtocols, formatBirdRoutes, formatNodeStatus } from './views.js';

/** What the agent needs of a host (LabNetwork's NodeNet has it). */
export interface CalicoHost {
  ns: NetNamespace;
  eth0: { dev: NetDevice; address: string; prefixLength: number };
  netfilter: { ruleset: Ruleset };
}

export interface CalicoAgentOptions {
  nodeName: string;
  host: CalicoHost;
  client: ApiClient;
  /** The shared Node informer (started here if nobody started it). */
  nodes: Informer<Node>;
  clock: Clock;
  /** The cluster's one IPAM (shared by every node's agent and CNI plugin). */
  ipam: CalicoIpam;
  config: CalicoNetConfig;
  /** The shared BGPPeer informer (crd.projectcalico.org/v1 bgppeers); none: no BGPPeer resources. */
  bgpPeers?: Informer<KubeObject>;
  /** Routers speaking BGP on this node's subnet (routerPeersFor(topology, node)). */
  routers?: RouterPeer[];
  /** The topology's timing.bgp* (unscaled) and timing.speed. */
  timing?: BgpTimingInput;
  /** BGP port on the emulated network; 179. */
  bgpPort?: number;
  /** Kernel-state check period (BIRD rescans the kernel every 2 s, felix every 90 s); default 10 s. */
  resyncPeriodMs?: number;
  retryMs?: number;
  log?(line: string): void;
}

export type CalicoPhase = 'Pending' | 'Running' | 'Degraded' | 'Failed' | 'Stopped';

export interface CalicoAgentStatus {
  node: string;
  mode: string;
  phase: CalicoPhase;
  message: string;
  mtu: number;
  tunnelAddress?: string;
  blocks: string[];
  /** "2/3": Established sessions of configured ones. */
  bgp: string;
  problems: string[];
}

export class CalicoAgent {
  readonly nodeName: string;
  private readonly hub: LeaseHub;
  private readonly problems = new CalicoProblems();
  /** Sync loop, timers, log, problems → Events and condition: as flanneld's (agent-core.ts). */
  private readonly core: AgentCore;
  private readonly address: number;
  private bird: Bird | undefined;
  private felix: Felix;
  private programmed = false;
  private phase: CalicoPhase = 'Stopped';
  private message = 'not started';
  private stopped = true;
  private mtuWaiters: Array<(mtu: number | undefined) => void> = [];
  private peerHandlers = false;
  private invalidPeers = new Set<string>();
  /** What setPeers was last computed from (see reconcile). */
  private peerInputs: object[] = [];

  constructor(private readonly o: CalicoAgentOptions) {
    this.nodeName = o.nodeName;
    this.hub = LeaseHub.of(o.nodes);
    this.core = new AgentCore({
      nodeName: o.nodeName, daemon: 'calico-node', client: o.client, hub: this.hub, clock: o.clock, problems: this.problems,
      retryMs: o.retryMs, log: (line) => o.log?.(line), sync: () => this.sync(), active: () => !this.stopped,
    });
    const address = parseIpv4(o.host.eth0.address);
    this.address = address.ok ? address.value : 0;
    this.felix = new Felix({ nodeName: o.nodeName, host: o.host, ipam: o.ipam, config: o.config, report: this.core.reporter, log: (l) => this.log(l) });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.phase = 'Pending';
    this.message = 'waiting for the Node informer';
    this.o.nodes.start();
    this.core.track(this.hub.subscribe(() => this.kick()));
    this.core.track(this.o.ipam.onChange(() => this.kick()));
    this.core.resyncEvery(this.o.resyncPeriodMs ?? 10_000);
    const peers = this.o.bgpPeers;
    if (peers !== undefined) {
      peers.start();
      // Informer handlers stay for the informer's life: add them once; kick() ignores them while stopped.
      if (!this.peerHandlers) peers.addHandlers({ onAdd: () => this.kick(), onUpdate: () => this.kick(), onDelete: () => this.kick() });
      this.peerHandlers = true;
    }
    void Promise.all([this.o.nodes.waitForSync(), peers?.waitForSync()]).then(() => this.kick());
  }

  /** Stops BIRD (Cease to every peer) and felix. Routes and devices stay, as when calico-node exits. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.core.halt();
    const bird = this.bird;
    this.bird = undefined;
    this.programmed = false;
    await bird?.stop();
    this.phase = 'Stopped';
    this.message = 'stopped';
    for (const w of this.mtuWaiters.splice(0)) w(undefined);
  }

  /** The MTU for pods on this node (calico's: underlay − 20 ipip, − 50 vxlan, underlay bgp). */
  get mtu(): number {
    return this.felix.mtu;
  }

  /** Resolves with the pod MTU once the node is programmed (undefined if the agent stops first). */
  podMtu(): Promise<number | undefined> {
    if (this.programmed || this.stopped) return Promise.resolve(this.programmed ? this.mtu : undefined);
    return new Promise((resolve) => this.mtuWaiters.push(resolve));
  }

  get tunnelAddress(): string | undefined {
    const ip = this.felix.tunnelIp;
    return ip === undefined ? undefined : formatIpv4(ip);
  }

  /** The node's BGP speaker (undefined until the first sync, and after stop). */
  get speaker(): Bird | undefined {
    return this.bird;
  }

  status(): CalicoAgentStatus {
    return {
      node: this.nodeName, mode: this.modeText(), phase: this.phase, message: this.message, mtu: this.mtu,
      ...(this.tunnelAddress === undefined ? {} : { tunnelAddress: this.tunnelAddress }),
      blocks: this.o.ipam.blocksOf(this.nodeName),
      bgp: this.bgpSummary(), problems: this.problems.messages(),
    };
  }

  /** "2/3": Established sessions of configured ones. */
  private bgpSummary(): string {
    const c = this.bird?.sessionCounts() ?? { up: 0, total: 0 };
    return `${c.up}/${c.total}`;
  }

  /** The problems as one line ("calico ipip on w1: …"), or undefined when there are none. */
  lastError(): string | undefined {
    if (this.problems.size === 0) return undefined;
    return `calico ${this.modeText()} on ${this.nodeName}: ${this.problems.messages().join('; ')}`;
  }

  /** `calicoctl node status` on this node. */
  nodeStatus(): string {
    return formatNodeStatus(this.bird?.running === true, this.peerStatus());
  }

  peerStatus(): PeerStatus[] {
    return this.bird?.status() ?? [];
  }

  /** `birdc show protocols` on this node. */
  birdProtocols(): string {
    return formatBirdProtocols(this.bird?.running === true, this.bird?.since ?? '', this.peerStatus());
  }

  /** The routes `birdc show route` lists, as values (own blocks and best learned routes). */
  routeLines(): BirdRouteLine[] {
    return this.bird?.routeLines() ?? [];
  }

  /** `birdc show route` on this node. */
  birdRoutes(): string {
    return formatBirdRoutes(this.bird?.routeLines() ?? []);
  }

  /** The last log lines (calico-node's log), oldest first. */
  logs(): string[] {
    return this.core.logs();
  }

  /** Runs a sync now (and once more if one is running); resolves when the agent is idle again. */
  resync(): Promise<void> {
    return this.core.resync();
  }

  private kick(): void {
    this.core.kick();
  }

  private async sync(): Promise<void> {
    if (!this.o.nodes.hasSynced() || this.o.bgpPeers?.hasSynced() === false) return;
    const node = this.hub.node(this.nodeName);
    if (node === undefined) {
      this.phase = 'Pending';
      this.message = `node "${this.nodeName}" is not registered`;
      return;
    }
    try {
      this.felix.ensureTunnel();
      // Listen before publishing the address: a peer that learns it may connect at once.
      this.ensureBird();
      const patch = calicoAnnotationPatch(node, this.felix.annotations());
      if (patch !== undefined) await this.o.client.patch('nodes', undefined, this.nodeName, 'merge', patch);
      if (this.stopped) return;
      this.reconcile();
      this.felix.ensureRules();
      if (!this.programmed && this.bird !== undefined) this.markProgrammed();
      await this.core.reportCondition(this.programmed);
    } catch (err) {
      this.log(`sync failed: ${err instanceof Error ? err.message : String(err)}`);
      this.core.scheduleRetry();
    }
    if (this.stopped) return;
    if (!this.programmed) this.phase = 'Failed';
    else this.phase = this.problems.size > 0 ? 'Degraded' : 'Running';
    this.message = this.problems.size > 0 ? this.problems.messages().join('; ') : `${this.modeText()}, mtu ${this.mtu}, BGP ${this.bgpSummary()} up`;
  }

  private ensureBird(): void {
    if (this.bird !== undefined) return;
    const { host } = this.o;
    const bird = new Bird(nodeBirdOptions({
      nodeName: this.nodeName, ns: host.ns, address: host.eth0.address, prefixLength: host.eth0.prefixLength, uplink: host.eth0.dev.name,
      config: this.o.config, clock: this.o.clock, ...(this.o.timing === undefined ? {} : { timing: this.o.timing }),
      ...(this.o.bgpPort === undefined ? {} : { port: this.o.bgpPort }), report: this.core.reporter, log: (line) => this.log(line),
    }));
    try {
      bird.start();
      this.bird = bird;
      this.core.clearProblem('bgp');
    } catch (err) {
      this.core.setProblem('bgp', `BIRD cannot listen on ${host.eth0.address}:179: ${err instanceof Error ? err.message : String(err)}`);
      this.core.scheduleRetry();
    }
  }

  /** Sessions, exports and kernel state from the datastore (Nodes, IPAM). */
  private reconcile(): void {
    const bird = this.bird;
    if (bird === undefined) return;
    const self = this.selfInfo();
    const others: CalicoNodeInfo[] = [];
    for (const n of this.hub.nodes()) {
      const info = calicoNodeInfo(n);
      if (info !== undefined && n.metadata.name !== this.nodeName) others.push(info);
    }
    // The sessions depend only on the other Nodes' annotations and the BGPPeers: informers replace an
    // object on every change, so the same objects as last time mean the same sessions (an IPAM
    // change kicks every agent, and 50 agents × 49 peers of recomputation bought nothing).
    const peerInputs: object[] = [bird, ...others, ...(this.o.bgpPeers?.list() ?? [])];
    if (!sameObjects(peerInputs, this.peerInputs)) {
      bird.setPeers(desiredPeers(self, others, this.o.config, this.o.routers ?? [], this.bgpPeerResources()));
      this.peerInputs = peerInputs;
    }
    const borrowed = this.o.ipam.borrowedBy(this.nodeName).map((a) => `${a.ip}/32`);
    bird.setExports(this.o.ipam.blocksOf(this.nodeName), borrowed);
    bird.program();
    this.felix.apply(self, others);
  }

  private bgpPeerResources(): ReturnType<typeof parseBgpPeers>['peers'] {
    if (this.o.bgpPeers === undefined) return [];
    const { peers, invalid } = parseBgpPeers(this.o.bgpPeers.list());
    // Logged once each (the sync runs every resync period): a malformed BGPPeer is left out, not fatal.
    for (const line of invalid) if (!this.invalidPeers.has(line)) this.log(`${line}; ignored`);
    this.invalidPeers = new Set(invalid);
    return peers;
  }

  private selfInfo(): CalicoNodeInfo {
    const { eth0 } = this.o.host;
    return {
      name: this.nodeName, address: this.address, addressText: eth0.address, prefixLength: eth0.prefixLength,
      subnet: (this.address & prefixMask(eth0.prefixLength)) >>> 0, asNumber: undefined,
      ipipTunnel: this.o.config.mode === 'ipip' ? this.felix.tunnelIp : undefined,
      vxlanTunnel: this.o.config.mode === 'vxlan' ? this.felix.tunnelIp : undefined,
      vxlanMac: undefined,
    };
  }

  private markProgrammed(): void {
    this.programmed = true;
    this.log(`calico-node running: ${this.modeText()}, mtu ${this.mtu}${this.tunnelAddress === undefined ? '' : `, tunnel address ${this.tunnelAddress}`}`);
    this.core.normalEvent('CalicoIsUp', `calico ${this.modeText()}: mtu ${this.mtu}`);
    for (const w of this.mtuWaiters.splice(0)) w(this.mtu);
  }

  private modeText(): string {
    const { mode, crossSubnet } = this.o.config;
    return crossSubnet ? `${mode} CrossSubnet` : mode;
  }

  private log(line: string): void {
    this.core.log(line);
  }
}

function sameObjects(a: readonly object[], b: readonly object[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
