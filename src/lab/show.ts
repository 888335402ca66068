/**
 * POST /apis/kemu.dev/v1alpha1/show {target, view}: a namespace's state printed as Linux tools print
 * it (`kemu node show`): iproute2's `ip route`, `ip rule`, `ip neigh`, `bridge fdb`, `ip -d link`, `ip addr`,
 * `iptables-save -t nat`, and the CNI agent's subnet.env and status.
 */
import { ApiError } from '../api/errors.js';
import { save } from '../dataplane/netfilter/index.js';
import { formatAddresses, formatBridgeFdb, formatLinks, formatNeighbours, formatRoutes, formatRules } from '../dataplane/iproute/index.js';
import type { ExtensionApi } from './extension-api.js';
import type { NodeCni } from './cni.js';
import type { NodeProxy } from './node-proxy.js';
import type { LabNetwork } from './network/index.js';
import { resolveNamespaceTarget } from './network/targets.js';

export function registerShowApi(
  ext: ExtensionApi, net: LabNetwork, cniOf: (node: string) => NodeCni | undefined, proxyOf: (node: string) => NodeProxy | undefined,
): void {
  ext.on('POST', '/show', async (_p, body) => {
    const b = (body ?? {}) as { target?: unknown; view?: unknown };
    if (typeof b.target !== 'string' || typeof b.view !== 'string') throw new ApiError('BadRequest', 'body needs "target" and "view" strings');
    let target;
    try {
      target = resolveNamespaceTarget(net, b.target);
    } catch (err) {
      throw err instanceof ApiError ? err : new ApiError('BadRequest', (err as Error).message);
    }
    const ns = target.ns;
    const node = b.target.startsWith('node/') ? net.nodes.get(b.target.slice(5).split(':')[0]!) : undefined;
    switch (b.view) {
      case 'routes': return { text: formatRoutes(ns) };
      case 'rules': return { text: formatRules(ns) };
      case 'neigh': return { text: formatNeighbours(ns) };
      case 'fdb': return { text: formatBridgeFdb(ns) };
      case 'links': return { text: formatLinks(ns, { details: true }) };
      case 'addr': return { text: formatAddresses(ns) };
      case 'ipvs': {
        if (node === undefined) throw new ApiError('BadRequest', 'ipvs is shown for nodes (node/NAME)');
        const text = proxyOf(node.name)?.dumpIpvs();
        if (text === undefined) throw new ApiError('BadRequest', `kube-proxy on ${node.name} does not run in ipvs mode`);
        return { text };
      }
      case 'iptables':
        if (node === undefined) throw new ApiError('BadRequest', 'iptables is shown for nodes (node/NAME)');
        return { text: save(node.netfilter.ruleset, { tables: ['nat'] }) };
      case 'cni': {
        if (node === undefined) throw new ApiError('BadRequest', 'the CNI agent is shown for nodes (node/NAME)');
        const daemon = cniOf(node.name);
        if (daemon === undefined) return { text: `no CNI agent runs on ${node.name}\n` };
        return { text: daemon.describe() };
      }
      case 'bgp': {
        if (node === undefined) throw new ApiError('BadRequest', 'BGP is shown for nodes (node/NAME)');
        const view = cniOf(node.name)?.bgp?.();
        if (view === undefined) return { text: `no BGP speaker runs on ${node.name} (calico only)\n`, node: node.name, running: false, peers: [], routes: [] };
        return view;
      }
      default:
        throw new ApiError('BadRequest', `unknown view "${b.view}" (routes, rules, neigh, fdb, links, addr, iptables, cni, bgp)`);
    }
  });
}
