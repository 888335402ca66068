/**
 * The CNI of a running cluster, chosen by the topology's `cni`: one agent per host as a node daemon,
 * plus what the kubelet's CNI ADD/DEL needs from the plugin —
 *   flannel: host-local IPAM over the node's podCIDR, the bridge plugin (cni0), the pod MTU from the
 *            agent's subnet.env (pods wait for it as they wait for /run/flannel/subnet.env);
 *   calico:  calico's block IPAM shared by the cluster, a routed veth per pod (caliXXXX, proxy ARP,
 *            169.254.1.1 as gateway), the MTU of the mode, and BGP speakers on topology routers
 *            with `bgp`.
 */
import type { ApiClient } from '../api/client.js';
import type { InformerFactory } from '../api/client/factory.js';
import type { Node } from '../api/types.js';
import { BackendRegistry } from '../cni/registry.js';
import { FlannelAgent, formatSubnetEnv, netConfigFromTopology, registerFlannelBackends } from '../cni/flannel/index.js';
import { type CalicoAgent, type CalicoIpam, attachCalicoPod, calicoForTopology, detachCalicoPod, formatIpamShow } from '../cni/calico/index.js';
import type { PodIpAllocator } from '../node/pods.js';
import type { PeerStatus } from '../bgp/speaker.js';
import type { BirdRouteLine } from '../cni/calico/views.js';
import { ERR_POD_IPAM_EXHAUSTED } from '../node/pod-ipam.js';
import type { Topology } from '../topology/types.js';
import type { Clock } from '../util/clock.js';
import { KemuError, isKemuError } from '../util/errors.js';
import type { NodeDaemon } from './host-agent.js';
import type { LabNetwork, PodAttacher } from './network/index.js';

/** What the pod-attach side and `kemu node show NODE cni` ask of a node's CNI agent. */
export interface NodeCni extends NodeDaemon {
  /** The MTU for the node's pods once its network runs; undefined when it never will (agent stopped). */
  podMtu(): Promise<number | undefined>;
  /** The plugin's CNI ADD when it is not the bridge plugin. */
  readonly attacher?: PodAttacher;
  /** The CNI's IPAM when it is not host-local over the node's podCIDR. */
  readonly ipam?: PodIpAllocator;
  /** One line about a problem the agent could not fix (host-gw gateway not on-link, no podCIDR…). */
  lastError(): string | undefined;
  /** The agent's own view, for `kemu node show NODE cni`. */
  describe(): string;
  /** The node's BGP speaker, for `kemu bgp NODE` (CNIs that speak BGP). */
  bgp?(): NodeBgpView;
}

/** `kemu bgp NODE`: the speaker's sessions and routes, as text (calico's and BIRD's tools) and values. */
export interface NodeBgpView {
  node: string;
  running: boolean;
  peers: PeerStatus[];
  routes: BirdRouteLine[];
  text: string;
}

export class FlannelDaemon implements NodeCni {
  readonly name = 'flanneld';
  constructor(readonly agent: FlannelAgent) {}

  async start(): Promise<void> {
    this.agent.start();
  }

  stop(): Promise<void> {
    return this.agent.stop();
  }

  async podMtu(): Promise<number | undefined> {
    return (await this.agent.waitForSubnetEnv())?.FLANNEL_MTU;
  }

  lastError(): string | undefined {
    return this.agent.lastError();
  }

  describe(): string {
    const status = this.agent.status();
    const env = this.agent.subnetEnv();
    return [
      `# flanneld on ${status.node}: ${status.phase} — ${status.message}`,
      ...status.problems.map((p) => `# problem: ${p}`),
      env ? `# /run/flannel/subnet.env\n${formatSubnetEnv(env).trimEnd()}` : '# /run/flannel/subnet.env not written yet',
    ].join('\n') + '\n';
  }
}

export class CalicoDaemon implements NodeCni {
  readonly name = 'calico-node';
  readonly attacher: PodAttacher;
  readonly ipam: PodIpAllocator;

  constructor(readonly agent: CalicoAgent, private readonly cluster: CalicoIpam, node: string, clock: Clock) {
    this.attacher = (host, key, ip, mtu) => {
      const pod = attachCalicoPod(host, key, ip, { mtu: mtu ?? host.eth0.dev.mtu, clock });
      return { ...pod, detach: () => detachCalicoPod(host, pod) };
    };
    // calico's IPAM handle is per container; the pod UID stands for the sandbox here.
    const handle = (uid: string): string => `k8s-pod-network.${uid}`;
    this.ipam = {
      allocate: (uid) => {
        try {
          return cluster.allocate(node, handle(uid));
        } catch (err) {
          if (isKemuError(err, 'ERR_IPAM_EXHAUSTED')) throw new KemuError(ERR_POD_IPAM_EXHAUSTED, (err as Error).message);
          throw err;
        }
      },
      reserve: (uid, ip) => {
        try {
          cluster.reserve(node, handle(uid), ip);
          return true;
        } catch {
          return false;
        }
      },
      release: (uid) => void cluster.release(handle(uid)),
    };
  }

  async start(): Promise<void> {
    this.agent.start();
  }

  stop(): Promise<void> {
    return this.agent.stop();
  }

  podMtu(): Promise<number | undefined> {
    return this.agent.podMtu();
  }

  lastError(): string | undefined {
    return this.agent.lastError();
  }

  bgp(): NodeBgpView {
    const a = this.agent;
    const text = [
      `# calicoctl node status (${a.nodeName})`, a.nodeStatus().trimEnd(), '', '# birdc show protocols', a.birdProtocols().trimEnd(),
      '', '# birdc show route', a.birdRoutes().trimEnd(),
    ].join('\n');
    return { node: a.nodeName, running: a.speaker?.running === true, peers: a.peerStatus(), routes: a.routeLines(), text: `${text}\n` };
  }

  describe(): string {
    return `${this.agent.nodeStatus().trimEnd()}\n\n${this.agent.birdRoutes().trimEnd()}\n\n${formatIpamShow(this.cluster).trimEnd()}\n`;
  }
}

export interface ClusterCniOptions {
  topology: Topology;
  network: LabNetwork;
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  /** timing.speed: the agents' periods (flannel's 10 s route check, BGP timers) scale with it. */
  speed: number;
  log: (line: string) => void;
}

export interface ClusterCni {
  daemons: Map<string, NodeCni>;
  /** Speakers on topology routers (calico with `underlay.routers[].bgp`). */
  routers: { start(): void | Promise<void>; stop(): void | Promise<void> }[];
}

/** One CNI daemon per node name. */
export function createCniDaemons(o: ClusterCniOptions): ClusterCni {
  const cni = o.topology.networking.cni;
  const daemons = new Map<string, NodeCni>();
  const nodes = o.factory.informer<Node>('nodes');
  const errorish = (line: string): boolean => /error|fail|cannot|unreachable/i.test(line);
  if (cni.plugin === 'calico') {
    const calico = calicoForTopology({
      topology: o.topology,
      client: o.client,
      nodes,
      bgpPeers: o.factory.informer('bgppeers'),
      clock: o.clock,
      host: (name) => o.network.node(name),
      routerNs: (name) => o.network.routers.get(name)?.ns,
      speed: o.speed,
      log: (line) => (errorish(line) ? o.log(`calico: ${line}`) : undefined),
    });
    for (const [name, agent] of calico.agents) daemons.set(name, new CalicoDaemon(agent, calico.ipam, name, o.network.clock));
    return { daemons, routers: [...calico.routers.values()] };
  }
  const registry = registerFlannelBackends(new BackendRegistry());
  const config = netConfigFromTopology(o.topology.networking);
  for (const name of o.network.nodes.keys()) {
    const host = o.network.node(name);
    const agent = new FlannelAgent({
      nodeName: name,
      host: { ns: host.ns, eth0: { dev: host.eth0.dev, address: host.eth0.address }, netfilter: host.netfilter },
      client: o.client,
      nodes,
      clock: o.clock,
      registry,
      config,
      resyncPeriodMs: 10_000 / o.speed,
      retryMs: 5_000 / o.speed,
      log: (line) => (errorish(line) ? o.log(`flanneld ${name}: ${line}`) : undefined),
    });
    daemons.set(name, new FlannelDaemon(agent));
  }
  return { daemons, routers: [] };
}
