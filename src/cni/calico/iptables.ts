/**
 * felix's outgoing NAT for a pool with natOutgoing (the default pool has it): in the nat table,
 * POSTROUTING jumps to cali-POSTROUTING, which jumps to cali-nat-outgoing, which masquerades traffic
 * from the pool to anywhere outside every pool. felix matches ipsets (cali40masq-ipam-pools as
 * source, cali40all-ipam-pools as destination); kemu's netfilter has no ipsets, and with one pool
 * the same rule is `-s POOL ! -d POOL`. Pod ↔ pod (across nodes too) keeps its addresses. Chains
 * are rewritten only when they differ (iptables-restore --noflush), jumps checked with -C.
 */
import { type Ruleset, type TableName, applyCommand, formatRule, parseRule, restore } from '../../dataplane/netfilter/index.js';

export const CALI_POSTROUTING = 'cali-POSTROUTING';
export const CALI_NAT_OUTGOING = 'cali-nat-outgoing';

const comment = (text: string): string[] => ['-m', 'comment', '--comment', `cali:${text}`];

interface ChainSpec {
  table: TableName;
  chain: string;
  rules: string[][];
}

export function natOutgoingChains(pool: string, natOutgoing: boolean): ChainSpec[] {
  // cali-nat-outgoing first: a chain must exist before a rule jumps to it.
  return [
    {
      table: 'nat', chain: CALI_NAT_OUTGOING,
      rules: natOutgoing ? [[...comment('nat-outgoing'), '-s', pool, '!', '-d', pool, '-j', 'MASQUERADE', '--random-fully']] : [],
    },
    { table: 'nat', chain: CALI_POSTROUTING, rules: [[...comment('nat-outgoing-jump'), '-j', CALI_NAT_OUTGOING]] },
  ];
}

function restoreText(spec: ChainSpec): string {
  const quote = (t: string): string => (/\s/.test(t) ? `"${t}"` : t);
  return [`*${spec.table}`, `:${spec.chain} - [0:0]`, ...spec.rules.map((r) => `-A ${spec.chain} ${r.map(quote).join(' ')}`), 'COMMIT', ''].join('\n');
}

/** Makes the node's nat rules felix's; returns how many chains or jumps were (re)written. */
export function ensureCalicoNatRules(ruleset: Ruleset, pool: string, natOutgoing: boolean): number {
  let changes = 0;
  for (const spec of natOutgoingChains(pool, natOutgoing)) {
    const want = spec.rules.map((r) => formatRule(parseRule(r, spec.table)));
    const have = ruleset.chain(spec.table, spec.chain)?.rules.map(formatRule);
    if (have === undefined || have.length !== want.length || have.some((r, i) => r !== want[i])) {
      restore(ruleset, restoreText(spec), { noflush: true });
      changes++;
    }
  }
  const jump = ['POSTROUTING', ...comment('postrouting'), '-j', CALI_POSTROUTING];
  if (!applyCommand(ruleset.edit('nat'), ['-C', ...jump])) {
    ruleset.apply('nat', (e) => applyCommand(e, ['-I', ...jump]));
    changes++;
  }
  return changes;
}
