/**
 * The per-packet evaluation context shared by the table engine (EvalCtx), programmatic hooks
 * (HookContext) and the netfilter pipeline, and the test for whether a ruleset needs conntrack.
 */
import type { HookStage, PacketView } from '../types.js';
import { type ConntrackEntry, type CtDir, IPS_DST_NAT, IPS_SRC_NAT } from './conntrack.js';
import type { EvalCtx } from './match.js';
import { CT_DNAT, CT_ESTABLISHED, CT_INVALID, CT_NEW, CT_RELATED, CT_SNAT, CT_UNTRACKED, type RejectWith, TABLE_NAMES, type TableName } from './rules.js';
import type { Ruleset } from './tables.js';
import { type NatTarget, V_DROP } from './targets.js';

/** A packet's link to its connection (Linux: skb->_nfct and ctinfo). */
export interface PacketCt {
  entry: ConntrackEntry;
  dir: CtDir;
  /** An ICMP error about the connection. */
  related: boolean;
  state: 'NEW' | 'ESTABLISHED' | 'RELATED';
}

export type DropReason = 'rule' | 'hook' | 'masquerade-no-address' | 'nat-exhausted' | 'conntrack-insert' | 'stolen';

export class PacketContext implements EvalCtx {
  nat: NatTarget | undefined = undefined;
  rejectWith: RejectWith | undefined = undefined;
  verdictChain = '';
  table: TableName | undefined = undefined;
  dropReason: DropReason = 'rule';

  constructor(
    readonly stage: HookStage,
    readonly pkt: PacketView,
    readonly now: number,
    readonly bytes: number,
    readonly fragment: boolean,
    public ct: PacketCt | undefined,
    private readonly tracking: boolean,
  ) {}

  ctState(): number {
    const a = this.ct;
    if (a === undefined) return this.tracking ? CT_INVALID : CT_UNTRACKED;
    let s = a.related ? CT_RELATED : a.state === 'NEW' ? CT_NEW : CT_ESTABLISHED;
    if (a.entry.status & IPS_SRC_NAT) s |= CT_SNAT;
    if (a.entry.status & IPS_DST_NAT) s |= CT_DNAT;
    return s;
  }

  drop(reason: DropReason): number {
    this.dropReason = reason;
    return V_DROP;
  }
}

/** Linux loads conntrack for NAT and for state matches; a ruleset with neither runs without it. */
export function needsConntrack(rs: Ruleset): boolean {
  for (const name of TABLE_NAMES) {
    for (const c of rs.table(name).chains.values()) {
      if (name === 'nat' && c.rules.length > 0) return true;
      for (const r of c.rules) if (r.matches.some((m) => m.module === 'conntrack' || m.module === 'state')) return true;
    }
  }
  return false;
}
