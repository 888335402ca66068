/**
 * The network state of every node, read from its namespace as `ip route`, `ip neigh`, `bridge fdb`,
 * `ip -d link` and `iptables-save -t nat` would show it: how much kernel state the CNI mode and the
 * proxy mode need. Counts, plus the tunnel devices by name, kind and MTU, and the pods' MTUs.
 */
import { save } from '../../dataplane/netfilter/index.js';
import { Bridge, type NetNamespace, VxlanDevice } from '../../dataplane/stack/index.js';
import type { LabNetwork } from '../../lab/network/index.js';

export interface TunnelDevice {
  name: string;
  kind: string;
  mtu: number;
}

export interface NodeState {
  node: string;
  /** Lines of `ip route` (table main). */
  routes: number;
  /** Entries of `ip neigh`, any state. */
  neighbours: number;
  /** VXLAN FDB entries (remote VTEPs) plus addresses the bridges learnt. */
  fdb: number;
  tunnels: TunnelDevice[];
  /** `-A` rules of `iptables-save -t nat` (kube-proxy's and the CNI's). */
  natRules: number;
  /** MTUs of the pods attached on this node (eth0 in each pod). */
  podMtus: number[];
}

export interface NetworkSnapshot {
  /** Milliseconds since the run started. */
  atMs: number;
  nodes: NodeState[];
}

const TUNNEL_KINDS = new Set(['vxlan', 'tun', 'ipip']);

export function nodeState(name: string, ns: NetNamespace, natRules: number, podMtus: number[]): NodeState {
  let fdb = 0;
  const tunnels: TunnelDevice[] = [];
  for (const dev of ns.devices()) {
    if (dev instanceof VxlanDevice) fdb += dev.fdbEntries().length;
    else if (dev instanceof Bridge) fdb += dev.fdbEntries().length;
    if (TUNNEL_KINDS.has(dev.kind)) tunnels.push({ name: dev.name, kind: dev.kind, mtu: dev.mtu });
  }
  return {
    node: name,
    routes: ns.routes.list().length,
    neighbours: ns.neighbours.list().length,
    fdb,
    tunnels: tunnels.sort((a, b) => a.name.localeCompare(b.name)),
    natRules,
    podMtus: [...new Set(podMtus)].sort((a, b) => a - b),
  };
}

export function snapshotNetwork(net: LabNetwork, atMs: number): NetworkSnapshot {
  const podMtus = new Map<string, number[]>();
  for (const pod of net.pods.values()) {
    const mtu = pod.ns.device('eth0')?.mtu;
    if (mtu !== undefined) podMtus.set(pod.node, [...(podMtus.get(pod.node) ?? []), mtu]);
  }
  const nodes = [...net.nodes.values()].map((n) => {
    const nat = save(n.netfilter.ruleset, { tables: ['nat'] }).split('\n').filter((l) => l.startsWith('-A ')).length;
    return nodeState(n.name, n.ns, nat, podMtus.get(n.name) ?? []);
  });
  return { atMs, nodes };
}
