/**
 * flanneld in kube-subnet-mgr mode for one simulated host. Level-triggered: every trigger (its own
 * Node changing, a backend problem appearing or clearing, the resync timer, a retry) runs one `sync`,
 * which compares what is with what should be and repairs the difference:
 *   - no network yet → register one with the backend (this publishes the node's annotations and
 *     acquires its lease = the Node's podCIDR; without a podCIDR the node stays without network and
 *     says so: a Warning Event and NetworkUnavailable True, reason PodCIDRNotAssigned);
 *   - a network → its annotations are re-published if someone changed them, and it is restarted if
 *     the Node's podCIDR is no longer its lease (a Node deleted and registered again);
 *   - the masquerade and forward rules, and NetworkUnavailable (False, FlannelIsUp once programmed;
 *     True with the problems otherwise).
 * The other nodes' leases are followed by the running Network itself (backend.ts, run-loop.ts).
 */
import { AgentCore } from '../agent-core.js';
import type { ApiClient } from '../../api/client.js';
import type { Informer } from '../../api/client/informer.js';
import type { Node } from '../../api/types.js';
import type { Ruleset } from '../../dataplane/netfilter/index.js';
import type { NetDevice, NetNamespace } from '../../dataplane/stack/index.js';
import type { Clock } from '../../util/clock.js';
import { isKemuError } from '../../util/errors.js';
import type { BackendContext, Network } from '../backend.js';
import type { BackendRegistry } from '../registry.js';
import { parseIpv4Cidr } from './cidr.js';
import { type FlannelNetConfig, validateNetConfig } from './config.js';
import { ensureFlannelRules } from './iptables.js';
import { LeaseHub } from './lease-hub.js';
import { LEASE_PROBLEM, ProblemSet } from './problems.js';
import { KubeSubnetManager } from './subnet-manager.js';
import { type SubnetEnv, subnetEnv } from './subnet-env.js';

/** What the agent needs of a host (LabNetwork's NodeNet has it). */
export interface FlannelHost {
  ns: NetNamespace;
  eth0: { dev: NetDevice; address: string };
  netfilter: { ruleset: Ruleset };
}

export interface FlannelAgentOptions {
  nodeName: string;
  host: FlannelHost;
  client: ApiClient;
  /** The shared Node informer (started here if nobody started it). */
  nodes: Informer<Node>;
  clock: Clock;
  registry: BackendRegistry;
  config: FlannelNetConfig;
  /** Kernel-state and annotation check period; flannel's route check runs every 10 s. */
  resyncPeriodMs?: number;
  /** Delay before registering again after a failure (flanneld would be restarted by its DaemonSet). */
  retryMs?: number;
  log?(line: string): void;
}

export type FlannelPhase = 'Pending' | 'WaitingForPodCIDR' | 'Running' | 'Degraded' | 'Failed' | 'Stopped';

export interface FlannelAgentStatus {
  node: string;
  backend: string;
  phase: FlannelPhase;
  /** One line: the lease and MTU when running, the problems otherwise. */
  message: string;
  lease?: string;
  mtu?: number;
  problems: string[];
}

export class FlannelAgent {
  readonly nodeName: string;
  private readonly hub: LeaseHub;
  private readonly subnetManager: KubeSubnetManager;
  private readonly problems = new ProblemSet();
  /** Sync loop, timers, log, problems → Events and condition: as calico-node's (agent-core.ts). */
  private readonly core: AgentCore;
  private readonly ctx: BackendContext;
  private current: { network: Network; abort: AbortController; done: Promise<void> } | undefined;
  private phase: FlannelPhase = 'Stopped';
  private message = 'not started';
  private stopped = true;
  private envWaiters: Array<(env: SubnetEnv | undefined) => void> = [];

  constructor(private readonly o: FlannelAgentOptions) {
    validateNetConfig(o.config);
    this.nodeName = o.nodeName;
    this.hub = LeaseHub.of(o.nodes);
    this.core = new AgentCore({
      nodeName: o.nodeName, daemon: 'flanneld', client: o.client, hub: this.hub, clock: o.clock, problems: this.problems,
      retryMs: o.retryMs, log: (line) => o.log?.(line), sync: () => this.sync(), active: () => !this.stopped,
    });
    const log = (line: string): void => this.log(line);
    this.subnetManager = new KubeSubnetManager({ client: o.client, hub: this.hub, nodeName: o.nodeName, network: parseIpv4Cidr(o.config.network)!, log });
    this.ctx = {
      nodeName: o.nodeName,
      ns: o.host.ns,
      ext: { dev: o.host.eth0.dev, ifaceAddr: o.host.eth0.address, extAddr: o.host.eth0.address },
      subnetManager: this.subnetManager,
      clock: o.clock,
      problems: this.core.reporter,
      resyncPeriodMs: o.resyncPeriodMs ?? 10_000,
      log,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setPhase('Pending', 'waiting for the Node informer');
    this.o.nodes.start();
    this.core.track(this.hub.subscribeNode(this.nodeName, () => this.kick()));
    this.core.resyncEvery(this.ctx.resyncPeriodMs);
    void this.o.nodes.waitForSync().then(() => this.kick());
  }

  /** Stops following leases. Like flanneld's exit, routes and flannel.1 stay; the udp backend's TUN goes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.core.halt();
    await this.stopNetwork();
    this.setPhase('Stopped', 'stopped');
    this.releaseEnvWaiters();
  }

  status(): FlannelAgentStatus {
    const net = this.current?.network;
    return {
      node: this.nodeName, backend: this.o.config.backend.type, phase: this.phase, message: this.message,
      ...(net ? { lease: net.lease.subnet, mtu: net.mtu } : {}), problems: this.problems.messages(),
    };
  }

  /** The problems as one line ("flannel host-gw on w1: …"), or undefined when there are none. */
  lastError(): string | undefined {
    if (this.problems.size === 0) return undefined;
    return `flannel ${this.o.config.backend.type} on ${this.nodeName}: ${this.problems.messages().join('; ')}`;
  }

  /** The MTU pods on this node must use, once the network runs. */
  get mtu(): number | undefined {
    return this.current?.network.mtu;
  }

  get network(): Network | undefined {
    return this.current?.network;
  }

  /** /run/flannel/subnet.env's values for the CNI plugin (cni0 and pod veth MTU), once the network runs. */
  subnetEnv(): SubnetEnv | undefined {
    const net = this.current?.network;
    return net && subnetEnv(this.o.config.network, net.lease.subnet, net.mtu, this.o.config.ipMasq ?? true);
  }

  /**
   * Resolves with subnet.env's values once the network runs (undefined if the agent stops first):
   * what the CNI plugin waits for before it can give a pod its MTU.
   */
  waitForSubnetEnv(): Promise<SubnetEnv | undefined> {
    const env = this.subnetEnv();
    if (env !== undefined || this.stopped) return Promise.resolve(env);
    return new Promise((resolve) => this.envWaiters.push(resolve));
  }

  /** The last log lines (flanneld's log), oldest first. */
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
    if (!this.o.nodes.hasSynced()) return;
    if (this.hub.node(this.nodeName) === undefined) return this.setPhase('Pending', `node "${this.nodeName}" is not registered`);
    try {
      if (this.current === undefined) await this.startNetwork();
      else await this.ensureLease();
      const net = this.current?.network;
      if (net !== undefined && !this.stopped) this.ensureRules(net);
      await this.core.reportCondition(this.current !== undefined);
    } catch (err) {
      this.log(`sync failed: ${err instanceof Error ? err.message : String(err)}`);
      this.core.scheduleRetry();
    }
    const net = this.current?.network;
    if (net === undefined) return;
    if (this.problems.size > 0) this.setPhase('Degraded', this.problems.messages().join('; '));
    else this.setPhase('Running', `lease ${net.lease.subnet}, mtu ${net.mtu}`);
  }

  private async startNetwork(): Promise<void> {
    let network: Network;
    try {
      network = await this.o.registry.get(this.o.config.backend.type).registerNetwork(this.ctx, this.o.config);
    } catch (err) {
      const notAssigned = isKemuError(err, 'ERR_POD_CIDR_NOT_ASSIGNED');
      const message = err instanceof Error ? err.message : String(err);
      this.problems.podCidrMissing = notAssigned;
      this.core.setProblem(LEASE_PROBLEM, notAssigned ? `failed to acquire lease: ${message}` : `Error registering network: ${message}`);
      this.setPhase(notAssigned ? 'WaitingForPodCIDR' : 'Failed', message);
      // Waiting for a podCIDR needs no timer: the Node's update triggers the next sync.
      if (!notAssigned) this.core.scheduleRetry();
      return;
    }
    const abort = new AbortController();
    this.current = { network, abort, done: network.run(abort.signal) };
    if (this.stopped) return void (await this.stopNetwork());
    this.problems.podCidrMissing = false;
    this.core.clearProblem(LEASE_PROBLEM);
    this.log(`Running backend ${network.backendType}: lease ${network.lease.subnet}, mtu ${network.mtu}`);
    this.releaseEnvWaiters();
    this.core.normalEvent('FlannelIsUp', `flannel ${network.backendType}: lease ${network.lease.subnet}, mtu ${network.mtu}`);
  }

  /** Annotations back if someone changed them; a new network if the podCIDR is not our lease any more. */
  private async ensureLease(): Promise<void> {
    const net = this.current!.network;
    try {
      const lease = await this.subnetManager.acquireLease(net.lease.attrs);
      if (lease.subnet === net.lease.subnet) return;
      this.log(`lease changed from ${net.lease.subnet} to ${lease.subnet}: restarting the network`);
    } catch (err) {
      // A Node registered again waits for its podCIDR: keep the running network meanwhile.
      if (isKemuError(err, 'ERR_POD_CIDR_NOT_ASSIGNED')) return;
      throw err;
    }
    await this.stopNetwork();
    await this.startNetwork();
  }

  private ensureRules(net: Network): void {
    try {
      const changed = ensureFlannelRules(this.o.host.netfilter.ruleset, this.o.config.network, net.lease.subnet, { ipMasq: this.o.config.ipMasq ?? true });
      if (changed > 0) this.log(`iptables: ${changed} flannel chain(s) or jump(s) (re)written`);
      this.core.clearProblem('iptables');
    } catch (err) {
      this.core.setProblem('iptables', `failed to set up iptables rules: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async stopNetwork(): Promise<void> {
    const cur = this.current;
    if (cur === undefined) return;
    this.current = undefined;
    cur.abort.abort();
    await cur.done;
  }

  private releaseEnvWaiters(): void {
    const env = this.subnetEnv();
    for (const w of this.envWaiters.splice(0)) w(env);
  }

  private setPhase(phase: FlannelPhase, message: string): void {
    this.phase = phase;
    this.message = message;
  }

  private log(line: string): void {
    this.core.log(line);
  }
}
