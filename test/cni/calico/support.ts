/**
 * A small calico lab for tests: an in-process API server, a shared Node informer, a LabNetwork
 * (in-memory underlay unless asked), one shared CalicoIpam, one CalicoAgent per joined node, BGP-speaking routers
 * of the topology, and pods attached with the calico CNI plugin's attach (addresses from the IPAM).
 * BGP timers are the topology's, run `speed` times faster (hold 9 s at speed 6 = 1.5 s).
 */
import { InformerFactory } from '../../../src/api/client/factory.js';
import type { Informer } from '../../../src/api/client/informer.js';
import type { Event, KubeObject, Node } from '../../../src/api/types.js';
import {
  CalicoAgent, CalicoIpam, type CalicoNetConfig, type CalicoPodNet, CalicoRouterBgp, DEFAULT_RR_CLUSTER_ID, attachCalicoPod,
  detachCalicoPod, routerBgpPeers, routerPeersFor,
} from '../../../src/cni/calico/index.js';
import type { BgpTimingInput } from '../../../src/cni/calico/bgp-timing.js';
import type { NetNamespace } from '../../../src/dataplane/stack/index.js';
import type { UnderlayKind } from '../../../src/dataplane/underlay/index.js';
import { TcpLayer } from '../../../src/dataplane/tcp/index.js';
import { LabNetwork } from '../../../src/lab/network/network.js';
import { ipv4 } from '../../../src/net/index.js';
import { buildNode } from '../../../src/node/registration.js';
import { loadTopologyText } from '../../../src/topology/load.js';
import type { Topology } from '../../../src/topology/types.js';
import { RealClock } from '../../../src/util/clock.js';
import { type TestApi, startTestApi } from '../../support/api.js';
import { waitFor } from '../support.js';

export { capture, udpOnce, waitFor } from '../support.js';

/** Short BGP timers: hold 1.5 s, keepalive 0.5 s, connect retry 0.5 s (real time). */
export const FAST_BGP: BgpTimingInput = { holdTimeMs: 9_000, keepaliveTimeMs: 3_000, connectRetryTimeMs: 3_000, speed: 6 };

/** One subnet 172.18.0.0/24: cp .2, w1 .3, w2 .4, w3 .5. */
export function oneRack(): Topology {
  return topology(`
  networking: {cni: {plugin: calico, mode: ipip}}
  underlay: {subnets: [{name: dc, cidr: 172.18.0.0/24}]}
  nodes: [{name: cp, role: control-plane}, {name: w1}, {name: w2}, {name: w3}]`);
}

/** rack-a (cp .2, w1 .3) and rack-b (w2 .2, w3 .3) joined by router tor (.1 on each), BGP AS `asn` if given. */
export function twoRacks(routerAsn?: number): Topology {
  const bgp = routerAsn === undefined ? '' : `, bgp: {asNumber: ${routerAsn}}`;
  return topology(`
  networking: {cni: {plugin: calico, mode: ipip}}
  underlay:
    subnets: [{name: rack-a, cidr: 172.18.0.0/24}, {name: rack-b, cidr: 172.18.1.0/24}]
    routers: [{name: tor, subnets: [rack-a, rack-b]${bgp}}]
  nodes: [{name: cp, role: control-plane, subnet: rack-a}, {name: w1, subnet: rack-a}, {name: w2, subnet: rack-b}, {name: w3, subnet: rack-b}]`);
}

function topology(spec: string): Topology {
  const r = loadTopologyText(`apiVersion: kemu.dev/v1alpha1\nkind: Topology\nmetadata: {name: calico}\nspec:${spec}\n`, 'calico.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.value.topology;
}

export function calicoConfig(over: Partial<CalicoNetConfig>): CalicoNetConfig {
  return {
    pool: '192.168.0.0/16', mode: 'bgp', crossSubnet: false, blockSize: 26, asNumber: 64512, nodeToNodeMesh: true, routeReflectors: [],
    natOutgoing: true, routeReflectorClusterId: DEFAULT_RR_CLUSTER_ID, ...over,
  };
}

export interface CalicoLab {
  api: TestApi;
  net: LabNetwork;
  nodes: Informer<Node>;
  /** The shared BGPPeer informer every agent watches. */
  bgpPeers: Informer<KubeObject>;
  ipam: CalicoIpam;
  config: CalicoNetConfig;
  agents: Map<string, CalicoAgent>;
  routers: Map<string, CalicoRouterBgp>;
  pods: Map<string, CalicoPodNet>;
  addNode(name: string): Promise<void>;
  startAgent(name: string): CalicoAgent;
  /** Adds the Nodes, starts their agents, waits until each is Running. */
  join(...names: string[]): Promise<void>;
  /** Allocates an address on `node` (handle k8s-pod-network.KEY) and attaches the pod. */
  addPod(node: string, key: string): CalicoPodNet;
  removePod(key: string): void;
  pod(key: string): NetNamespace;
  node(name: string): Node;
  events(node: string): Promise<Event[]>;
  /** Every agent has every configured session Established. */
  meshUp(names?: string[]): Promise<void>;
  /** Every running agent's node has a route for every block of the other running agents' nodes. */
  converged(): Promise<void>;
  close(): Promise<void>;
}

export async function calicoLab(
  topo: Topology, config: CalicoNetConfig, timing: BgpTimingInput = FAST_BGP, opts: { kind?: UnderlayKind } = {},
): Promise<CalicoLab> {
  const clock = new RealClock();
  const api = await startTestApi();
  const factory = new InformerFactory(api.client, clock);
  const nodes = factory.informer<Node>('nodes');
  nodes.start();
  const bgpPeers = factory.informer<KubeObject>('bgppeers');
  const net = LabNetwork.fromTopology(topo, { clock, kind: opts.kind ?? 'memory' });
  await net.start();
  const ipam = new CalicoIpam({ pool: config.pool, blockSize: config.blockSize });
  const agents = new Map<string, CalicoAgent>();
  const routers = new Map<string, CalicoRouterBgp>();
  const pods = new Map<string, CalicoPodNet>();
  for (const r of topo.underlay.routers) {
    if (r.bgp === null) continue;
    const router = new CalicoRouterBgp({
      name: r.name, ns: net.routers.get(r.name)!.ns, asn: r.bgp.asNumber, peers: routerBgpPeers(topo, r.name, config.asNumber), clock, timing,
    });
    router.start();
    routers.set(r.name, router);
  }
  const lab: CalicoLab = {
    api, net, nodes, bgpPeers, ipam, config, agents, routers, pods,
    async addNode(name) {
      const t = topo.nodes.find((n) => n.name === name)!;
      await api.client.create('nodes', buildNode({ name, role: t.role, internalIP: t.address, labels: {}, taints: [] }, clock.now()));
      await waitFor(() => nodes.get(undefined, name) !== undefined, `node ${name} in the informer`);
    },
    startAgent(name) {
      const host = net.node(name);
      const agent = new CalicoAgent({
        nodeName: name, client: api.client, nodes, bgpPeers, clock, ipam, config, timing, routers: routerPeersFor(topo, name), retryMs: 50,
        host: { ns: host.ns, eth0: { dev: host.eth0.dev, address: host.eth0.address, prefixLength: host.eth0.prefixLength }, netfilter: host.netfilter },
      });
      agents.set(name, agent);
      agent.start();
      return agent;
    },
    async join(...names) {
      for (const n of names) await lab.addNode(n);
      for (const n of names) lab.startAgent(n);
      for (const n of names) await waitFor(() => agents.get(n)!.status().phase === 'Running', `${n}'s agent running`);
    },
    addPod(node, key) {
      const ip = ipam.allocate(node, `k8s-pod-network.${key}`);
      const host = net.node(node);
      const pod = attachCalicoPod({ name: node, ns: host.ns }, key, ip, { mtu: agents.get(node)!.mtu, clock });
      pods.set(key, pod);
      return pod;
    },
    removePod(key) {
      const pod = pods.get(key)!;
      detachCalicoPod({ name: pod.node, ns: net.node(pod.node).ns }, pod);
      ipam.release(`k8s-pod-network.${key}`);
      pods.delete(key);
    },
    pod: (key) => pods.get(key)!.ns,
    node: (name) => nodes.get(undefined, name)!,
    async events(node) {
      const list = await api.client.list<Event>('events', { namespace: 'default' });
      return list.items.filter((e) => e.involvedObject.name === node);
    },
    async meshUp(names) {
      const which = names ?? [...agents.keys()];
      await waitFor(() => which.every((n) => {
        const peers = agents.get(n)!.peerStatus();
        return peers.length > 0 && peers.every((p) => p.state === 'up');
      }), `BGP sessions of ${which.join(', ')} Established`, 8000);
    },
    async converged() {
      const running = [...agents.entries()].filter(([, a]) => a.status().phase === 'Running').map(([n]) => n);
      const missing = (): string[] => running.flatMap((n) => ipam.blockInfos()
        .filter((b) => b.affinity !== undefined && b.affinity !== n && running.includes(b.affinity))
        .filter((b) => {
          const [ip, len] = b.cidr.split('/');
          return net.node(n).ns.routes.exact(ipv4(ip!), Number(len)).length === 0;
        }).map((b) => `${b.cidr} on ${n}`));
      await waitFor(() => missing().length === 0, `routes converged (missing: ${missing().join(', ')})`, 8000);
    },
    async close() {
      for (const key of [...pods.keys()]) lab.removePod(key);
      for (const a of agents.values()) await a.stop();
      for (const r of routers.values()) await r.stop();
      for (const n of net.namespaces()) TcpLayer.of(n).close(); // no FIN retransmission outliving the test
      factory.stop();
      await net.stop();
      await api.close();
    },
  };
  return lab;
}
