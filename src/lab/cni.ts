/**
 * The CNI of a running cluster: one agent per host, chosen by the topology's `cni`. flannel's agent
 * (src/cni/flannel) runs as a node daemon; its subnet.env gives the CNI plugin side (pod attach in
 * networked-runtime.ts) the pods' MTU, and pods wait for it as they wait for /run/flannel/subnet.env
 * on a real node. calico is not built yet: pods then only reach pods of their own node.
 */
import type { ApiClient } from '../api/client.js';
import type { InformerFactory } from '../api/client/factory.js';
import type { Node } from '../api/types.js';
import { BackendRegistry } from '../cni/registry.js';
import { FlannelAgent, netConfigFromTopology, registerFlannelBackends } from '../cni/flannel/index.js';
import type { Topology } from '../topology/types.js';
import type { Clock } from '../util/clock.js';
import type { NodeDaemon } from './host-agent.js';
import type { LabNetwork } from './network/index.js';

/** What the pod-attach side asks of a node's CNI agent. */
export interface NodeCni {
  /** The MTU for the node's pods once its network runs; undefined when it never will (agent stopped). */
  podMtu(): Promise<number | undefined>;
}

export class FlannelDaemon implements NodeDaemon, NodeCni {
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
}

export interface ClusterCniOptions {
  topology: Topology;
  network: LabNetwork;
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  /** timing.speed: flannel's 10 s route check runs faster with the rest of the cluster. */
  speed: number;
  log: (line: string) => void;
}

/** One CNI daemon per node name, or an empty map (with a reason) when the plugin is not built. */
export function createCniDaemons(o: ClusterCniOptions): { daemons: Map<string, FlannelDaemon>; notice?: string } {
  const cni = o.topology.networking.cni;
  const daemons = new Map<string, FlannelDaemon>();
  if (cni.plugin !== 'flannel') {
    return { daemons, notice: `CNI ${cni.plugin} is not built yet: pods reach pods of their own node only` };
  }
  const registry = registerFlannelBackends(new BackendRegistry());
  const config = netConfigFromTopology(o.topology.networking);
  const nodes = o.factory.informer<Node>('nodes');
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
      log: (line) => (/error|fail|cannot|unreachable/i.test(line) ? o.log(`flanneld ${name}: ${line}`) : undefined),
    });
    daemons.set(name, new FlannelDaemon(agent));
  }
  return { daemons };
}
