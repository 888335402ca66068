/**
 * Why a probe failed, in the terms a network engineer would check by hand: the route the source
 * host picks for the destination (`ip route get`), the CNI agent's own problems on that host (a
 * host-gw route Linux refused because the next hop is not on-link), who sent back an ICMP error,
 * and whether a CNI agent runs at all.
 */
import { formatRoute } from '../../dataplane/stack/index.js';
import { parseIpv4 } from '../../net/index.js';
import type { ScenarioCluster } from '../context.js';
import type { PlaceInfo } from '../types.js';

/** The CNI agent's problems on a node, as one line (flannel and calico agents both offer lastError). */
export function cniProblems(c: ScenarioCluster, node: string): string | undefined {
  const daemon = c.cni.get(node) as { lastError?: () => string | undefined; agent?: { lastError?: () => string | undefined } } | undefined;
  if (daemon === undefined) return undefined;
  return daemon.agent?.lastError?.() ?? daemon.lastError?.();
}

/** "router tor", "node worker-b1", "pod default/web-x" or the bare address. */
export function ownerName(c: ScenarioCluster, ip: string): string {
  const parsed = parseIpv4(ip);
  const owner = parsed.ok ? c.network.ownerOf(parsed.value) : undefined;
  if (owner === undefined) return ip;
  const net = c.network;
  for (const n of net.nodes.values()) if (n.ns === owner.ns) return `${ip} (node ${n.name})`;
  for (const r of net.routers.values()) if (r.ns === owner.ns) return `${ip} (router ${r.name})`;
  if (net.gateway?.ns === owner.ns) return `${ip} (gateway)`;
  return `${ip} (${owner.ns.name})`;
}

/** The lines explaining why `from` did not reach `to` (empty when nothing stands out). */
export function diagnose(c: ScenarioCluster, from: PlaceInfo, to: PlaceInfo): string[] {
  const out: string[] = [];
  if (c.cni.size === 0) out.push(`no CNI agent runs (${c.config.cni} is not built yet): nodes have no routes to other nodes' pods`);
  if (from.node === null) return out;
  const host = c.network.nodes.get(from.node);
  const dst = parseIpv4(to.ip);
  if (host !== undefined && dst.ok && to.node !== from.node) {
    const route = host.ns.routes.lookup(dst.value);
    if (route === undefined) out.push(`${from.node} has no route to ${to.ip}`);
    else if (route.prefixLength === 0) out.push(`${from.node} has no route for ${to.ip} but the default one (${formatRoute(route)})`);
    else out.push(`${from.node} routes ${to.ip} by "${formatRoute(route)}"`);
  }
  const problems = cniProblems(c, from.node);
  if (problems !== undefined && to.node !== null) {
    for (const p of problems.split('; ').filter((x) => x.includes(to.node!))) out.push(explain(from.node, p));
  }
  return out;
}

/**
 * A refused route in plain words: Linux answers "network is unreachable" to `ip route add X via G`
 * when G is on none of the host's subnets, i.e. the gateway is not on-link (host-gw across a router).
 */
function explain(node: string, problem: string): string {
  const m = /Error adding route to (\S+) via (\S+)[^:]*: network is unreachable/.exec(problem);
  if (m === null) return problem;
  return `${node} cannot install "${m[1]} via ${m[2]}": gateway ${m[2]} is not on-link (on none of ${node}'s subnets)`;
}
