/**
 * Targets compiled to small records the engine switches on. Verdict codes are plain numbers so the
 * hot loop compares integers; NAT targets only record the binding to make, which the netfilter
 * object applies (it owns conntrack and knows the out-interface's address for MASQUERADE).
 */
import type { RejectWith, TargetSpec } from './rules.js';

/** Fell off the end of a chain, or RETURN. */
export const V_RETURN = 0;
export const V_ACCEPT = 1;
export const V_DROP = 2;
/** DROP, plus a rejection the stack answers (ICMP unreachable or TCP RST). */
export const V_REJECT = 3;

export const OP_NONE = 0, OP_ACCEPT = 1, OP_DROP = 2, OP_REJECT = 3, OP_RETURN = 4, OP_JUMP = 5, OP_GOTO = 6, OP_MARK = 7, OP_NAT = 8;

export type NatTarget = Extract<TargetSpec, { kind: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT' }>;

export interface CompiledTarget {
  readonly op: number;
  readonly chain: string;
  /** MARK: mark = (mark & ~mask) ^ value (xt_MARK's one operation). */
  readonly value: number;
  readonly mask: number;
  readonly rejectWith: RejectWith;
  readonly nat: NatTarget | undefined;
}

export function compileTarget(t: TargetSpec): CompiledTarget {
  const base = { op: OP_NONE, chain: '', value: 0, mask: 0, rejectWith: 'icmp-port-unreachable' as RejectWith, nat: undefined };
  switch (t.kind) {
    case 'none': return base;
    case 'ACCEPT': return { ...base, op: OP_ACCEPT };
    case 'DROP': return { ...base, op: OP_DROP };
    case 'RETURN': return { ...base, op: OP_RETURN };
    case 'REJECT': return { ...base, op: OP_REJECT, rejectWith: t.rejectWith };
    case 'jump': return { ...base, op: OP_JUMP, chain: t.chain };
    case 'goto': return { ...base, op: OP_GOTO, chain: t.chain };
    case 'MARK': return { ...base, op: OP_MARK, value: t.value, mask: t.mask };
    case 'DNAT': case 'SNAT': case 'MASQUERADE': case 'REDIRECT': return { ...base, op: OP_NAT, nat: t };
  }
}

export function applyMark(mark: number, t: CompiledTarget): number {
  return ((mark & ~t.mask) ^ t.value) >>> 0;
}
