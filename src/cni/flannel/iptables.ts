/**
 * flannel's iptables rules (trafficmngr/iptables), as rule lists and an idempotent "ensure":
 *  - nat FLANNEL-POSTRTG (--ip-masq): traffic from the pod network leaving it is masqueraded, pod ↔ pod
 *    is not, packets kube-proxy marked 0x4000 are left to kube-proxy (no double NAT);
 *  - filter FLANNEL-FWD: forwarding to and from the pod network is accepted even when FORWARD's
 *    policy is DROP (docker sets that).
 * Each chain is loaded with iptables-restore --noflush (only the declared chain is rewritten) and the
 * jump from the built-in chain is checked with -C and appended when missing, as flanneld does. A
 * chain already equal to the wanted rules is not touched, so a periodic ensure costs no rule reload.
 */
import {
  type Ruleset, type TableName, applyCommand, formatRule, parseRule, restore,
} from '../../dataplane/netfilter/index.js';

export const FLANNEL_POSTRTG = 'FLANNEL-POSTRTG';
export const FLANNEL_FWD = 'FLANNEL-FWD';
/** kube-proxy's masquerade mark (KUBE-MARK-MASQ), which flannel leaves alone. */
export const KUBE_PROXY_MARK = '0x4000/0x4000';

interface ChainSpec {
  table: TableName;
  chain: string;
  /** The built-in chain jumping to it, and the jump's match arguments. */
  from: 'POSTROUTING' | 'FORWARD';
  jump: string[];
  rules: string[][];
}

const MASQ = ['-m', 'comment', '--comment', 'flanneld masq'];
const FWD = ['-m', 'comment', '--comment', 'flanneld forward'];

/** masqRules for the cluster network and this node's subnet (MASQUERADE --random-fully, as on kernels that have it). */
export function masqRules(network: string, subnet: string): string[][] {
  return [
    ['-m', 'mark', '--mark', KUBE_PROXY_MARK, ...MASQ, '-j', 'RETURN'],
    ['-s', subnet, '-d', network, ...MASQ, '-j', 'RETURN'],
    ['-s', network, '-d', subnet, ...MASQ, '-j', 'RETURN'],
    ['!', '-s', network, '-d', subnet, ...MASQ, '-j', 'RETURN'],
    ['-s', network, '!', '-d', '224.0.0.0/4', ...MASQ, '-j', 'MASQUERADE', '--random-fully'],
    ['!', '-s', network, '-d', network, ...MASQ, '-j', 'MASQUERADE', '--random-fully'],
  ];
}

export function forwardRules(network: string): string[][] {
  return [
    ['-s', network, ...FWD, '-j', 'ACCEPT'],
    ['-d', network, ...FWD, '-j', 'ACCEPT'],
  ];
}

function chains(network: string, subnet: string, ipMasq: boolean): ChainSpec[] {
  const out: ChainSpec[] = [];
  if (ipMasq) out.push({ table: 'nat', chain: FLANNEL_POSTRTG, from: 'POSTROUTING', jump: MASQ, rules: masqRules(network, subnet) });
  out.push({ table: 'filter', chain: FLANNEL_FWD, from: 'FORWARD', jump: FWD, rules: forwardRules(network) });
  return out;
}

/** The iptables-restore text for one chain (what `iptables-restore --noflush` is given). */
export function restoreText(spec: Pick<ChainSpec, 'table' | 'chain' | 'rules'>): string {
  const quote = (t: string): string => (/\s/.test(t) ? `"${t}"` : t);
  return [`*${spec.table}`, `:${spec.chain} - [0:0]`, ...spec.rules.map((r) => `-A ${spec.chain} ${r.map(quote).join(' ')}`), 'COMMIT', ''].join('\n');
}

/**
 * Makes the host's rules flannel's for `network` and this node's `subnet`; returns how many chains or
 * jumps it had to (re)write (0 when everything was in place). Throws NetfilterError on a bad rule.
 */
export function ensureFlannelRules(ruleset: Ruleset, network: string, subnet: string, opts: { ipMasq: boolean }): number {
  let changes = 0;
  for (const spec of chains(network, subnet, opts.ipMasq)) {
    const want = spec.rules.map((r) => formatRule(parseRule(r, spec.table)));
    const have = ruleset.chain(spec.table, spec.chain)?.rules.map(formatRule);
    if (have === undefined || have.length !== want.length || have.some((r, i) => r !== want[i])) {
      restore(ruleset, restoreText(spec), { noflush: true });
      changes++;
    }
    const jump = [spec.from, ...spec.jump, '-j', spec.chain];
    if (!applyCommand(ruleset.edit(spec.table), ['-C', ...jump])) {
      ruleset.apply(spec.table, (e) => applyCommand(e, ['-A', ...jump]));
      changes++;
    }
  }
  return changes;
}
