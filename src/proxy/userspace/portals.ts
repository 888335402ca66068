/**
 * The userspace proxier's iptables "portals" (pkg/proxy/userspace/proxier.go): rules that send a
 * service's traffic to its proxy socket. From pods (nat PREROUTING → KUBE-PORTALS-CONTAINER) a
 * REDIRECT to the proxy port on the incoming interface's address; from the host itself (nat OUTPUT →
 * KUBE-PORTALS-HOST) a DNAT to the node IP; NodePorts likewise in KUBE-NODEPORT-CONTAINER/-HOST, and
 * an ACCEPT of the proxy port in filter KUBE-NODEPORT-NON-LOCAL. Rules are added and deleted one by
 * one (EnsureRule / DeleteRule), so a change costs only its own rules.
 */
import { type Ruleset, type TableName, iptables } from '../../dataplane/netfilter/index.js';
import type { ServicePortInfo } from '../types.js';
import { servicePortNameString } from '../types.js';

export const KUBE_PORTALS_CONTAINER = 'KUBE-PORTALS-CONTAINER';
export const KUBE_PORTALS_HOST = 'KUBE-PORTALS-HOST';
export const KUBE_NODEPORT_CONTAINER = 'KUBE-NODEPORT-CONTAINER';
export const KUBE_NODEPORT_HOST = 'KUBE-NODEPORT-HOST';
export const KUBE_NODEPORT_NON_LOCAL = 'KUBE-NODEPORT-NON-LOCAL';

/** One rule: table, chain and the arguments after the chain name. */
export interface PortalRule {
  table: TableName;
  chain: string;
  args: string[];
}

/** iptablesCommonPortalArgs. */
function common(name: string, proto: string, port: number, dst?: string, dstLocal = false): string[] {
  const args = ['-m', 'comment', '--comment', name, '-p', proto, '-m', proto, '--dport', String(port)];
  if (dst !== undefined) args.push('-d', `${dst}/32`);
  if (dstLocal) args.push('-m', 'addrtype', '--dst-type', 'LOCAL');
  return args;
}

/**
 * Every rule of one service port whose proxy socket listens on `proxyPort` (bound to 0.0.0.0, so
 * pods are REDIRECTed and the host is DNATed to `hostIP`). External IPs get kube-proxy's
 * "destination is local" variants only: kemu has no physdev match for the other one.
 */
export function portalRules(svc: ServicePortInfo, proxyPort: number, hostIP: string): PortalRule[] {
  const name = servicePortNameString(svc.name);
  const proto = svc.protocol.toLowerCase();
  const redirect = ['-j', 'REDIRECT', '--to-ports', String(proxyPort)];
  const dnat = ['-j', 'DNAT', '--to-destination', `${hostIP}:${proxyPort}`];
  const out: PortalRule[] = [];
  const portal = (ip: string, external: boolean): void => {
    out.push({ table: 'nat', chain: KUBE_PORTALS_CONTAINER, args: [...common(name, proto, svc.port, ip, external), ...redirect] });
    out.push({ table: 'nat', chain: KUBE_PORTALS_HOST, args: [...common(name, proto, svc.port, ip, external), ...dnat] });
  };
  portal(svc.clusterIP, false);
  for (const ip of svc.externalIPs) portal(ip, true);
  for (const ip of svc.loadBalancerVIPs) portal(ip, false);
  if (svc.nodePort !== 0) {
    out.push({ table: 'nat', chain: KUBE_NODEPORT_CONTAINER, args: [...common(name, proto, svc.nodePort), ...redirect] });
    out.push({ table: 'nat', chain: KUBE_NODEPORT_HOST, args: [...common(name, proto, svc.nodePort), ...dnat] });
    out.push({ table: 'filter', chain: KUBE_NODEPORT_NON_LOCAL, args: [...common(name, proto, proxyPort), '-m', 'state', '--state', 'NEW', '-j', 'ACCEPT'] });
  }
  return out;
}

const CLUSTER_IPS_FIRST = 'handle ClusterIPs; NOTE: this must be before the NodePort rules';
const NODEPORTS_LAST = 'handle service NodePorts; NOTE: this must be the last rule in the chain';

/** iptablesInit: the chains and the jumps into them (portals first, NodePorts last). */
export function initPortalChains(rs: Ruleset): void {
  const ensureChain = (table: TableName, chain: string): void => {
    if (rs.chain(table, chain) === undefined) iptables(rs, ['-t', table, '-N', chain]);
  };
  const ensureRule = (table: TableName, position: '-I' | '-A', chain: string, args: string[]): void => {
    if (iptables(rs, ['-t', table, '-C', chain, ...args]).exitCode !== 0) iptables(rs, ['-t', table, position, chain, ...args]);
  };
  ensureChain('nat', KUBE_PORTALS_CONTAINER);
  ensureRule('nat', '-I', 'PREROUTING', ['-m', 'comment', '--comment', CLUSTER_IPS_FIRST, '-j', KUBE_PORTALS_CONTAINER]);
  ensureChain('nat', KUBE_PORTALS_HOST);
  ensureRule('nat', '-I', 'OUTPUT', ['-m', 'comment', '--comment', CLUSTER_IPS_FIRST, '-j', KUBE_PORTALS_HOST]);
  const local = ['-m', 'addrtype', '--dst-type', 'LOCAL', '-m', 'comment', '--comment', NODEPORTS_LAST];
  ensureChain('nat', KUBE_NODEPORT_CONTAINER);
  ensureRule('nat', '-A', 'PREROUTING', [...local, '-j', KUBE_NODEPORT_CONTAINER]);
  ensureChain('nat', KUBE_NODEPORT_HOST);
  ensureRule('nat', '-A', 'OUTPUT', [...local, '-j', KUBE_NODEPORT_HOST]);
  ensureChain('filter', KUBE_NODEPORT_NON_LOCAL);
  ensureRule('filter', '-I', 'INPUT', ['-m', 'comment', '--comment', 'Ensure that non-local NodePort traffic can flow', '-j', KUBE_NODEPORT_NON_LOCAL]);
}

/** iptablesFlush: a starting proxier's old portals point at sockets that are gone. */
export function flushPortalChains(rs: Ruleset): void {
  for (const [table, chain] of [['nat', KUBE_PORTALS_CONTAINER], ['nat', KUBE_PORTALS_HOST], ['nat', KUBE_NODEPORT_CONTAINER], ['nat', KUBE_NODEPORT_HOST], ['filter', KUBE_NODEPORT_NON_LOCAL]] as const) {
    if (rs.chain(table, chain) !== undefined) iptables(rs, ['-t', table, '-F', chain]);
  }
}

/** EnsureRule(Append) for each rule. */
export function openPortals(rs: Ruleset, rules: readonly PortalRule[]): void {
  for (const r of rules) {
    if (iptables(rs, ['-t', r.table, '-C', r.chain, ...r.args]).exitCode !== 0) iptables(rs, ['-t', r.table, '-A', r.chain, ...r.args]);
  }
}

/** DeleteRule for each rule that is there. */
export function closePortals(rs: Ruleset, rules: readonly PortalRule[]): void {
  for (const r of rules) {
    if (iptables(rs, ['-t', r.table, '-C', r.chain, ...r.args]).exitCode === 0) iptables(rs, ['-t', r.table, '-D', r.chain, ...r.args]);
  }
}
