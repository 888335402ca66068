/**
 * The iptables half of kube-proxy's ipvs mode (writeIptablesRules): IPVS does the load balancing,
 * iptables only marks for masquerade and filters, through ipset matches — so the rules are a few
 * dozen lines whatever the number of services, and depend only on which ipsets are non-empty.
 * Restore text for `--noflush` (nat, then filter, as kube-proxy writes them); the jumps from the
 * built-in chains are ensured apart, like the iptables mode's.
 */
import { applyCommand, type Ruleset, type TableName } from '../../dataplane/netfilter/index.js';
import { masqueradeMark } from '../iptables/rules.js';
import {
  IPSETS, KUBE_CLUSTER_IP, KUBE_EXTERNAL_IP, KUBE_EXTERNAL_IP_LOCAL, KUBE_HEALTH_CHECK_NODE_PORT, KUBE_LOAD_BALANCER,
  KUBE_LOAD_BALANCER_FW, KUBE_LOAD_BALANCER_LOCAL, KUBE_LOAD_BALANCER_SOURCE_CIDR, KUBE_LOAD_BALANCER_SOURCE_IP,
  KUBE_LOOP_BACK, KUBE_NODE_PORT_LOCAL_TCP, KUBE_NODE_PORT_LOCAL_UDP, KUBE_NODE_PORT_TCP, KUBE_NODE_PORT_UDP,
} from './service-state.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_NODE_PORT = 'KUBE-NODE-PORT';
export const KUBE_LOAD_BALANCER_CHAIN = 'KUBE-LOAD-BALANCER';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_SOURCE_RANGES_FIREWALL = 'KUBE-SOURCE-RANGES-FIREWALL';

const NAT_CHAINS = [KUBE_SERVICES, KUBE_POSTROUTING, KUBE_NODE_PORT, KUBE_LOAD_BALANCER_CHAIN, KUBE_MARK_MASQ];
const FILTER_CHAINS = [KUBE_FORWARD, KUBE_NODE_PORT, KUBE_PROXY_FIREWALL, KUBE_SOURCE_RANGES_FIREWALL];

/** ipsetWithIptablesChain: `-A FROM [-p proto] -m set --match-set SET FLAGS -j TO` when SET has entries. */
const SET_JUMPS: ReadonlyArray<{ set: string; table: TableName; from: string; to: string; flags: string; proto?: string }> = [
  { set: KUBE_LOOP_BACK, table: 'nat', from: KUBE_POSTROUTING, to: 'MASQUERADE', flags: 'dst,dst,src' },
  { set: KUBE_LOAD_BALANCER, table: 'nat', from: KUBE_SERVICES, to: KUBE_LOAD_BALANCER_CHAIN, flags: 'dst,dst' },
  { set: KUBE_LOAD_BALANCER_LOCAL, table: 'nat', from: KUBE_LOAD_BALANCER_CHAIN, to: 'RETURN', flags: 'dst,dst' },
  { set: KUBE_NODE_PORT_LOCAL_TCP, table: 'nat', from: KUBE_NODE_PORT, to: 'RETURN', flags: 'dst', proto: 'tcp' },
  { set: KUBE_NODE_PORT_TCP, table: 'nat', from: KUBE_NODE_PORT, to: KUBE_MARK_MASQ, flags: 'dst', proto: 'tcp' },
  { set: KUBE_NODE_PORT_LOCAL_UDP, table: 'nat', from: KUBE_NODE_PORT, to: 'RETURN', flags: 'dst', proto: 'udp' },
  { set: KUBE_NODE_PORT_UDP, table: 'nat', from: KUBE_NODE_PORT, to: KUBE_MARK_MASQ, flags: 'dst', proto: 'udp' },
  { set: KUBE_LOAD_BALANCER_FW, table: 'filter', from: KUBE_PROXY_FIREWALL, to: KUBE_SOURCE_RANGES_FIREWALL, flags: 'dst,dst' },
  { set: KUBE_LOAD_BALANCER_SOURCE_CIDR, table: 'filter', from: KUBE_SOURCE_RANGES_FIREWALL, to: 'RETURN', flags: 'dst,dst,src' },
  { set: KUBE_LOAD_BALANCER_SOURCE_IP, table: 'filter', from: KUBE_SOURCE_RANGES_FIREWALL, to: 'RETURN', flags: 'dst,dst,src' },
];

export interface IpvsRulesConfig {
  /** --cluster-cidr: ClusterIP traffic from outside it is masqueraded. */
  clusterCIDR?: string;
  masqueradeAll?: boolean;
  /** Default 14 (0x4000). */
  masqueradeBit?: number;
  randomFully?: boolean;
}

const comment = (set: string): string => `"${IPSETS.find((s) => s.name === set)!.comment}"`;

/** The restore text, given which ipsets have entries. */
export function buildIpvsRules(cfg: IpvsRulesConfig, nonEmpty: (set: string) => boolean): string {
  const mark = masqueradeMark(cfg.masqueradeBit ?? 14);
  const nat: string[] = ['*nat', ...NAT_CHAINS.map((c) => `:${c} - [0:0]`)];
  const filter: string[] = ['*filter', ...FILTER_CHAINS.map((c) => `:${c} - [0:0]`)];
  for (const j of SET_JUMPS) {
    if (!nonEmpty(j.set)) continue;
    const proto = j.proto ? ` -p ${j.proto}` : '';
    (j.table === 'nat' ? nat : filter).push(`-A ${j.from}${proto} -m comment --comment ${comment(j.set)} -m set --match-set ${j.set} ${j.flags} -j ${j.to}`);
  }
  if (nonEmpty(KUBE_CLUSTER_IP)) {
    const head = `-A ${KUBE_SERVICES} -m comment --comment ${comment(KUBE_CLUSTER_IP)} -m set --match-set ${KUBE_CLUSTER_IP}`;
    if (cfg.masqueradeAll) nat.push(`${head} dst,dst -j ${KUBE_MARK_MASQ}`);
    else if (cfg.clusterCIDR) nat.push(`${head} dst,dst ! -s ${cfg.clusterCIDR} -j ${KUBE_MARK_MASQ}`);
    else nat.push(`${head} src,dst -j ${KUBE_MARK_MASQ}`);
  }
  // External IPs: masquerade, and stop here for traffic that is not from a local pod or process.
  // kemu has no physdev match, so only the dst-type LOCAL acceptance of kube-proxy's pair is written.
  if (nonEmpty(KUBE_EXTERNAL_IP)) {
    const head = `-A ${KUBE_SERVICES} -m comment --comment ${comment(KUBE_EXTERNAL_IP)} -m set --match-set ${KUBE_EXTERNAL_IP} dst,dst`;
    nat.push(`${head} -j ${KUBE_MARK_MASQ}`, `${head} -m addrtype --dst-type LOCAL -j ACCEPT`);
  }
  if (nonEmpty(KUBE_EXTERNAL_IP_LOCAL)) {
    nat.push(`-A ${KUBE_SERVICES} -m comment --comment ${comment(KUBE_EXTERNAL_IP_LOCAL)} -m set --match-set ${KUBE_EXTERNAL_IP_LOCAL} dst,dst -m addrtype --dst-type LOCAL -j ACCEPT`);
  }
  nat.push(`-A ${KUBE_SERVICES} -m addrtype --dst-type LOCAL -j ${KUBE_NODE_PORT}`);
  nat.push(`-A ${KUBE_LOAD_BALANCER_CHAIN} -j ${KUBE_MARK_MASQ}`);
  filter.push(`-A ${KUBE_SOURCE_RANGES_FIREWALL} -j DROP`);
  // acceptIPVSTraffic: the end of KUBE-SERVICES, so nothing after kube-proxy's rules blocks a VIP.
  for (const set of [KUBE_CLUSTER_IP, KUBE_LOAD_BALANCER]) if (nonEmpty(set)) nat.push(`-A ${KUBE_SERVICES} -m set --match-set ${set} dst,dst -j ACCEPT`);
  filter.push(
    `-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`,
    `-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A ${KUBE_NODE_PORT} -m comment --comment ${comment(KUBE_HEALTH_CHECK_NODE_PORT)} -m set --match-set ${KUBE_HEALTH_CHECK_NODE_PORT} dst -j ACCEPT`,
  );
  nat.push(
    `-A ${KUBE_POSTROUTING} -m mark ! --mark ${mark}/${mark} -j RETURN`,
    `-A ${KUBE_POSTROUTING} -j MARK --xor-mark ${mark}`,
    `-A ${KUBE_POSTROUTING} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${cfg.randomFully === false ? '' : ' --random-fully'}`,
    `-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${mark}`,
  );
  return [...nat, 'COMMIT', ...filter, 'COMMIT', ''].join('\n');
}

/** iptablesJumpChain of the ipvs proxier. */
export const IPVS_JUMPS: ReadonlyArray<{ table: TableName; from: string; to: string; comment: string }> = [
  { table: 'nat', from: 'OUTPUT', to: KUBE_SERVICES, comment: 'kubernetes service portals' },
  { table: 'nat', from: 'PREROUTING', to: KUBE_SERVICES, comment: 'kubernetes service portals' },
  { table: 'nat', from: 'POSTROUTING', to: KUBE_POSTROUTING, comment: 'kubernetes postrouting rules' },
  { table: 'filter', from: 'FORWARD', to: KUBE_FORWARD, comment: 'kubernetes forwarding rules' },
  { table: 'filter', from: 'INPUT', to: KUBE_NODE_PORT, comment: 'kubernetes health check rules' },
  { table: 'filter', from: 'INPUT', to: KUBE_PROXY_FIREWALL, comment: 'kube-proxy firewall rules' },
  { table: 'filter', from: 'FORWARD', to: KUBE_PROXY_FIREWALL, comment: 'kube-proxy firewall rules' },
];

/** createAndLinkKubeChain: EnsureChain + EnsureRule(Prepend) for each jump; returns the rules added. */
export function ensureIpvsJumps(ruleset: Ruleset): number {
  let added = 0;
  for (const table of ['nat', 'filter'] as const) {
    const jumps = IPVS_JUMPS.filter((j) => j.table === table);
    const args = (j: (typeof jumps)[number]): string[] => [j.from, '-m', 'comment', '--comment', j.comment, '-j', j.to];
    const probe = ruleset.edit(table);
    if (jumps.every((j) => probe.chain(j.to) !== undefined && applyCommand(probe, ['-C', ...args(j)]))) continue;
    ruleset.apply(table, (e) => {
      for (const j of jumps) {
        if (e.chain(j.to) === undefined) e.newChain(j.to);
        if (!applyCommand(e, ['-C', ...args(j)])) {
          applyCommand(e, ['-I', ...args(j)]);
          added++;
        }
      }
    });
  }
  return added;
}
