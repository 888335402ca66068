/**
 * A small flannel lab for tests: an in-process API server (test/support/api.ts), a shared Node
 * informer, a LabNetwork (in-memory underlay unless asked) and one FlannelAgent per started node.
 * Nodes are API objects written here, with the podCIDR nodeipam would give (10.244.<i>.0/24).
 */
import { expect } from 'chai';
import { InformerFactory } from '../../src/api/client/factory.js';
import type { Informer } from '../../src/api/client/informer.js';
import type { Event, Node } from '../../src/api/types.js';
import { BackendRegistry } from '../../src/cni/registry.js';
import { FlannelAgent, type FlannelNetConfig, registerFlannelBackends } from '../../src/cni/flannel/index.js';
import type { UnderlayKind } from '../../src/dataplane/underlay/index.js';
import { LabNetwork } from '../../src/lab/network/network.js';
import { buildNode } from '../../src/node/registration.js';
import { loadTopologyText } from '../../src/topology/load.js';
import type { Topology } from '../../src/topology/types.js';
import { RealClock } from '../../src/util/clock.js';
import { type TestApi, startTestApi } from '../support/api.js';

/** One subnet (172.18.0.0/24, no router) with nodes cp (.2), w1 (.3), w2 (.4), w3 (.5). */
export function oneRack(mtu = 1500): Topology {
  return topology(`
  underlay: {subnets: [{name: dc, cidr: 172.18.0.0/24, link: {mtu: ${mtu}}}]}
  nodes: [{name: cp, role: control-plane}, {name: w1}, {name: w2}, {name: w3}]`);
}

/** rack-a (cp .2, w1 .3) and rack-b (w2 .2) joined by router tor (.1 on each). */
export function twoRacks(): Topology {
  return topology(`
  underlay:
    subnets: [{name: rack-a, cidr: 172.18.0.0/24}, {name: rack-b, cidr: 172.18.1.0/24}]
    routers: [{name: tor, subnets: [rack-a, rack-b]}]
  nodes: [{name: cp, role: control-plane, subnet: rack-a}, {name: w1, subnet: rack-a}, {name: w2, subnet: rack-b}]`);
}

function topology(spec: string): Topology {
  const r = loadTopologyText(`apiVersion: kemu.dev/v1alpha1\nkind: Topology\nmetadata: {name: flannel}\nspec:${spec}\n`, 'flannel.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.value.topology;
}

/** The podCIDR each node gets: cp 10.244.0.0/24, w1 10.244.1.0/24, … */
export function podCidrFor(name: string): string {
  return `10.244.${name === 'cp' ? 0 : Number(name.slice(1))}.0/24`;
}

export interface FlannelLab {
  api: TestApi;
  net: LabNetwork;
  nodes: Informer<Node>;
  registry: BackendRegistry;
  agents: Map<string, FlannelAgent>;
  config: FlannelNetConfig;
  /** Writes the Node (podCIDR unless `null`). */
  addNode(name: string, podCIDR?: string | null): Promise<void>;
  startAgent(name: string, opts?: { resyncPeriodMs?: number }): FlannelAgent;
  /** addNode + startAgent + wait until its network runs. */
  join(name: string): Promise<FlannelAgent>;
  node(name: string): Node;
  events(node: string): Promise<Event[]>;
  close(): Promise<void>;
}

export async function flannelLab(
  topo: Topology, backend: { type: string; directRouting?: boolean }, opts: { kind?: UnderlayKind; resyncPeriodMs?: number } = {},
): Promise<FlannelLab> {
  const clock = new RealClock();
  const api = await startTestApi();
  const factory = new InformerFactory(api.client, clock);
  const nodes = factory.informer<Node>('nodes');
  nodes.start();
  const net = LabNetwork.fromTopology(topo, { clock, kind: opts.kind ?? 'memory' });
  await net.start();
  const registry = registerFlannelBackends(new BackendRegistry());
  const config: FlannelNetConfig = { network: '10.244.0.0/16', backend, ipMasq: true };
  const agents = new Map<string, FlannelAgent>();
  const lab: FlannelLab = {
    api, net, nodes, registry, agents, config,
    async addNode(name, podCIDR) {
      const t = topo.nodes.find((n) => n.name === name)!;
      const node = buildNode({ name, role: t.role, internalIP: t.address, labels: {}, taints: [] }, clock.now());
      const cidr = podCIDR === undefined ? podCidrFor(name) : podCIDR;
      if (cidr !== null) node.spec = { ...node.spec, podCIDR: cidr, podCIDRs: [cidr] };
      await api.client.create('nodes', node);
      await waitFor(() => nodes.get(undefined, name) !== undefined, `node ${name} in the informer`);
    },
    startAgent(name, o = {}) {
      const agent = new FlannelAgent({
        nodeName: name, host: net.node(name), client: api.client, nodes, clock, registry, config,
        resyncPeriodMs: o.resyncPeriodMs ?? opts.resyncPeriodMs ?? 10_000, retryMs: 50,
      });
      agents.set(name, agent);
      agent.start();
      return agent;
    },
    async join(name) {
      await lab.addNode(name);
      const agent = lab.startAgent(name);
      await waitFor(() => agent.status().phase === 'Running', `${name}'s agent running`);
      return agent;
    },
    node: (name) => nodes.get(undefined, name)!,
    async events(node) {
      const list = await api.client.list<Event>('events', { namespace: 'default' });
      return list.items.filter((e) => e.involvedObject.name === node);
    },
    async close() {
      for (const a of agents.values()) await a.stop();
      factory.stop();
      await net.stop();
      await api.close();
    },
  };
  return lab;
}

/** Polls `cond` every 5 ms until true; fails with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) expect.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Frames a device sends or receives, copied, while `fn` runs (a tcpdump -i DEV). */
export async function capture<T>(dev: { addTap: (tap: (dir: 'rx' | 'tx', frame: Uint8Array) => void) => () => void }, fn: () => Promise<T>): Promise<{ tx: Uint8Array[]; rx: Uint8Array[]; result: T }> {
  const tx: Uint8Array[] = [];
  const rx: Uint8Array[] = [];
  const remove = dev.addTap((dir, frame) => (dir === 'tx' ? tx : rx).push(new Uint8Array(frame)));
  try {
    return { tx, rx, result: await fn() };
  } finally {
    remove();
  }
}

/** Sends one UDP datagram from a pod and resolves with what the receiver got (payload length, TTL). */
export async function udpOnce(
  from: import('../../src/dataplane/stack/index.js').NetNamespace, to: import('../../src/dataplane/stack/index.js').NetNamespace,
  dstIp: string, size: number, opts: { df?: boolean } = {},
): Promise<{ bytes: number; ttl: number; srcIp: number } | undefined> {
  const sink = to.udp.bind(0);
  const tx = from.udp.bind(0);
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 500);
      sink.onMessage((payload, info) => {
        clearTimeout(timer);
        resolve({ bytes: payload.length, ttl: info.ttl, srcIp: info.srcIp });
      });
      tx.send(dstIp, sink.port, new Uint8Array(size).fill(0x5a), { df: opts.df });
    });
  } finally {
    sink.close();
    tx.close();
  }
}
