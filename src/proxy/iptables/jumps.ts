/**
 * The jumps from the built-in chains into kube-proxy's (iptablesJumpChains). kube-proxy does not put
 * them in its restore text — that would mean owning all of PREROUTING, FORWARD, … — but ensures each
 * with `iptables -N` and `iptables -C || iptables -I` on every full sync, leaving other programs'
 * rules in those chains alone. Prepending in this order leaves them in the reverse order, as on a
 * real node where kube-proxy started on a clean table.
 */
import { applyCommand, type Ruleset, type TableName } from '../../dataplane/netfilter/index.js';
import {
  KUBE_EXTERNAL_SERVICES, KUBE_FIREWALL, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_PROXY_FIREWALL, KUBE_SERVICES,
} from './chains.js';

export interface JumpRule {
  table: TableName;
  /** The kube-proxy chain jumped to. */
  chain: string;
  /** The built-in chain the jump is in. */
  from: 'INPUT' | 'FORWARD' | 'OUTPUT' | 'PREROUTING' | 'POSTROUTING';
  comment: string;
  extra: readonly string[];
}

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'] as const;

export const JUMP_RULES: readonly JumpRule[] = [
  { table: 'filter', chain: KUBE_EXTERNAL_SERVICES, from: 'INPUT', comment: 'kubernetes externally-visible service portals', extra: NEW },
  { table: 'filter', chain: KUBE_EXTERNAL_SERVICES, from: 'FORWARD', comment: 'kubernetes externally-visible service portals', extra: NEW },
  { table: 'filter', chain: KUBE_NODEPORTS, from: 'INPUT', comment: 'kubernetes health check service ports', extra: [] },
  { table: 'filter', chain: KUBE_SERVICES, from: 'FORWARD', comment: 'kubernetes service portals', extra: NEW },
  { table: 'filter', chain: KUBE_SERVICES, from: 'OUTPUT', comment: 'kubernetes service portals', extra: NEW },
  { table: 'filter', chain: KUBE_FORWARD, from: 'FORWARD', comment: 'kubernetes forwarding rules', extra: [] },
  { table: 'filter', chain: KUBE_PROXY_FIREWALL, from: 'INPUT', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'filter', chain: KUBE_PROXY_FIREWALL, from: 'OUTPUT', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'filter', chain: KUBE_PROXY_FIREWALL, from: 'FORWARD', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'nat', chain: KUBE_SERVICES, from: 'OUTPUT', comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', chain: KUBE_SERVICES, from: 'PREROUTING', comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', chain: KUBE_POSTROUTING, from: 'POSTROUTING', comment: 'kubernetes postrouting rules', extra: [] },
  // iptablesKubeletJumpChains: kubelet's own copy of these, which kube-proxy also ensures.
  { table: 'filter', chain: KUBE_FIREWALL, from: 'INPUT', comment: '', extra: [] },
  { table: 'filter', chain: KUBE_FIREWALL, from: 'OUTPUT', comment: '', extra: [] },
];

/** The rule's arguments after the chain name, as kube-proxy passes them to iptables. */
export function jumpArgs(j: JumpRule): string[] {
  return [...j.extra, ...(j.comment === '' ? [] : ['-m', 'comment', '--comment', j.comment]), '-j', j.chain];
}

/** EnsureChain + EnsureRule(Prepend) for every jump, one atomic edit per table. Returns the rules added. */
export function ensureJumpRules(ruleset: Ruleset): number {
  let added = 0;
  for (const table of ['filter', 'nat'] as const) {
    const jumps = JUMP_RULES.filter((j) => j.table === table);
    // -C on a throwaway edit: the usual case commits nothing, so the ruleset's version stays put.
    const probe = ruleset.edit(table);
    if (jumps.every((j) => probe.chain(j.chain) !== undefined && applyCommand(probe, ['-C', j.from, ...jumpArgs(j)]))) continue;
    ruleset.apply(table, (e) => {
      for (const j of jumps) {
        if (e.chain(j.chain) === undefined) e.newChain(j.chain);
        if (!applyCommand(e, ['-C', j.from, ...jumpArgs(j)])) {
          applyCommand(e, ['-I', j.from, ...jumpArgs(j)]);
          added++;
        }
      }
    });
  }
  return added;
}
