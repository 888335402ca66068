/**
 * Policy routing (`ip rule`): rules tried in priority order before the main table. A rule whose
 * selectors match a packet sends the lookup to the rule's own table; when that table has no route,
 * the next rule is tried and finally the main table, as Linux's fib rules do. Selectors are the ones
 * `ip rule` has for a flow: from/to prefixes, `ipproto`, `sport`, `dport` (Linux ≥ 4.17).
 *
 * Why kemu needs it: one namespace sometimes sends flows to the same destination through different
 * next hops — the edge's load balancer pins each real client connection to the node it chose, while
 * the main table holds a single route per prefix. The local table is consulted before any rule (as
 * Linux's rule 0 does), so rules never divert traffic for our own addresses. Lookup is a linear scan
 * of the rules; the namespace skips it entirely while there are none.
 */
import { IPPROTO_TCP, IPPROTO_UDP, formatIpv4 } from '../../net/index.js';
import { type Cidr, formatCidr, inPrefix, parseCidr } from './cidr.js';
import type { Route, RoutingTable } from './routes.js';

/** What `ip rule add` takes. */
export interface RuleSpec {
  /** Lower first; default: one below the lowest priority in use, 32765 for the first (like the kernel). */
  priority?: number;
  from?: string;
  to?: string;
  ipproto?: number;
  sport?: number;
  dport?: number;
  /** `lookup TABLE`. */
  table: RoutingTable;
}

export interface RoutingRule {
  readonly priority: number;
  readonly from: Cidr | undefined;
  readonly to: Cidr | undefined;
  readonly ipproto: number | undefined;
  readonly sport: number | undefined;
  readonly dport: number | undefined;
  readonly table: RoutingTable;
}

/** The fields of a packet a rule can select on (a PacketView has them all). */
export interface FlowSelector {
  src: number;
  dst: number;
  protocol: number;
  srcPort: number;
  dstPort: number;
}

/** Linux's last two rules (main 32766, default 32767) are implicit here: the main table follows. */
const FIRST_PRIORITY = 32765;

function within(ip: number, c: Cidr | undefined): boolean {
  return c === undefined || inPrefix(ip, c.address, c.prefixLength);
}

export class RoutingRules {
  private rules: RoutingRule[] = [];

  get size(): number {
    return this.rules.length;
  }

  /** `ip rule add`: rules of equal priority keep their insertion order. */
  add(spec: RuleSpec): RoutingRule {
    const lowest = this.rules.reduce((min, r) => Math.min(min, r.priority), FIRST_PRIORITY + 1);
    const rule: RoutingRule = {
      priority: spec.priority ?? Math.max(1, lowest - 1),
      from: spec.from === undefined ? undefined : parseCidr(spec.from),
      to: spec.to === undefined ? undefined : parseCidr(spec.to),
      ipproto: spec.ipproto,
      sport: spec.sport,
      dport: spec.dport,
      table: spec.table,
    };
    const at = this.rules.findIndex((r) => r.priority > rule.priority);
    // A new array: a lookup walking the old one is never disturbed.
    this.rules = at < 0 ? [...this.rules, rule] : [...this.rules.slice(0, at), rule, ...this.rules.slice(at)];
    return rule;
  }

  /** `ip rule del`; false when the rule was not there. */
  delete(rule: RoutingRule): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r !== rule);
    return this.rules.length !== before;
  }

  /** The route of the first matching rule whose table has one; undefined: fall through to main. */
  lookup(flow: FlowSelector): Route | undefined {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.ipproto !== undefined && r.ipproto !== flow.protocol) continue;
      if (r.sport !== undefined && r.sport !== flow.srcPort) continue;
      if (r.dport !== undefined && r.dport !== flow.dstPort) continue;
      if (!within(flow.src, r.from) || !within(flow.dst, r.to)) continue;
      const route = r.table.lookup(flow.dst);
      if (route !== undefined) return route;
    }
    return undefined;
  }

  list(): readonly RoutingRule[] {
    return this.rules;
  }
}

const PROTO_NAMES: Readonly<Record<number, string>> = { [IPPROTO_TCP]: 'tcp', [IPPROTO_UDP]: 'udp' };

function cidrText(c: Cidr): string {
  return c.prefixLength === 32 ? formatIpv4(c.address) : formatCidr(c.address, c.prefixLength);
}

/** One line of `ip rule` output. */
export function formatRule(r: RoutingRule): string {
  const parts = [`${r.priority}:`, `from ${r.from === undefined ? 'all' : cidrText(r.from)}`];
  if (r.to !== undefined) parts.push(`to ${cidrText(r.to)}`);
  if (r.ipproto !== undefined) parts.push(`ipproto ${PROTO_NAMES[r.ipproto] ?? r.ipproto}`);
  if (r.sport !== undefined) parts.push(`sport ${r.sport}`);
  if (r.dport !== undefined) parts.push(`dport ${r.dport}`);
  parts.push(`lookup ${r.table.name}`);
  return parts.join(' ').replace(': ', ':\t');
}
