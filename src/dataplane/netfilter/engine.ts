/**
 * Rule evaluation. Each chain is compiled once (per version of the chain) into a list of predicate +
 * target records. Runs of rules that only match (destination /32, protocol, destination port) —
 * kube-proxy's KUBE-SERVICES and KUBE-NODEPORTS — are also indexed by that key, so finding the
 * service rule costs one Map lookup however many services there are. Iptables semantics are kept:
 * the index lists rule positions in order, and the first candidate at or after the current
 * position is the next rule that can match, so order, fall-through and RETURN behave as a scan.
 */
import type { HookStage } from '../types.js';
import { type EvalCtx, type MatchEnv, type Pred, compileMatches, dispatchKey } from './match.js';
import type { Rule, TableName } from './rules.js';
import type { Chain, Ruleset, TableState } from './tables.js';
import {
  type CompiledTarget, OP_ACCEPT, OP_DROP, OP_GOTO, OP_JUMP, OP_MARK, OP_NAT, OP_REJECT, OP_RETURN, V_ACCEPT,
  V_DROP, V_REJECT, V_RETURN, applyMark, compileTarget,
} from './targets.js';

interface CompiledRule {
  readonly rule: Rule;
  readonly test: Pred | undefined;
  readonly t: CompiledTarget;
  ref: CompiledChain | undefined;
  refGen: number;
}

interface Segment {
  readonly end: number;
  /** (dst, proto, dport) -> ascending rule positions. */
  readonly exact: Map<number, number[]>;
  /** (proto, dport) for rules without -d -> ascending rule positions. */
  readonly any: Map<number, number[]>;
}

interface CompiledChain {
  readonly name: string;
  readonly rules: readonly CompiledRule[];
  /** The dispatch segment each position belongs to, if any. */
  readonly segments: ReadonlyArray<Segment | undefined>;
}

/** Runs shorter than this are scanned: a Map lookup is not cheaper than a few predicates. */
const MIN_SEGMENT = 4;
const MAX_DEPTH = 64;

const portKey = (proto: number, dport: number): number => (proto === 6 ? 0 : 65536) + dport;
const exactKey = (dst: number, proto: number, dport: number): number => dst * 131072 + portKey(proto, dport);

function firstAtLeast(list: readonly number[] | undefined, from: number): number {
  if (list === undefined) return -1;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length ? list[lo]! : -1;
}

function push(map: Map<number, number[]>, key: number, pos: number): void {
  const l = map.get(key);
  if (l) l.push(pos);
  else map.set(key, [pos]);
}

export interface EngineStats {
  /** Rules whose predicate ran or that a dispatch index handed over: the cost of evaluation. */
  rulesEvaluated: number;
  dispatchLookups: number;
}

export class Engine {
  readonly stats: EngineStats = { rulesEvaluated: 0, dispatchLookups: 0 };
  private readonly cache = new WeakMap<Chain, CompiledChain>();

  constructor(private readonly ruleset: Ruleset, private readonly env: MatchEnv) {}

  /** Traverses a built-in chain; returns V_ACCEPT, V_DROP or V_REJECT (the policy when nothing decided). */
  runBuiltin(table: TableName, chain: HookStage, ctx: EvalCtx): number {
    const ts = this.ruleset.table(table);
    const c = ts.chains.get(chain)!;
    const v = this.runChain(ts, this.compiled(c), ctx, 0);
    if (v !== V_RETURN) return v;
    c.counters.packets++;
    c.counters.bytes += ctx.bytes;
    ctx.verdictChain = chain;
    return c.policy === 'DROP' ? V_DROP : V_ACCEPT;
  }

  private runChain(ts: TableState, cc: CompiledChain, ctx: EvalCtx, depth: number): number {
    const { rules, segments } = cc;
    const stats = this.stats;
    for (let i = 0; i < rules.length; i++) {
      const seg = segments[i];
      let r: CompiledRule;
      if (seg !== undefined) {
        const j = this.candidate(seg, ctx, i);
        if (j < 0) {
          i = seg.end - 1;
          continue;
        }
        i = j;
        r = rules[j]!;
        stats.rulesEvaluated++;
      } else {
        r = rules[i]!;
        stats.rulesEvaluated++;
        if (r.test !== undefined && !r.test(ctx)) continue;
      }
      r.rule.counters.packets++;
      r.rule.counters.bytes += ctx.bytes;
      const t = r.t;
      switch (t.op) {
        case OP_ACCEPT:
          ctx.verdictChain = cc.name;
          return V_ACCEPT;
        case OP_DROP:
          ctx.verdictChain = cc.name;
          return V_DROP;
        case OP_REJECT:
          ctx.verdictChain = cc.name;
          ctx.rejectWith = t.rejectWith;
          return V_REJECT;
        case OP_RETURN:
          return V_RETURN;
        case OP_JUMP:
        case OP_GOTO: {
          const target = this.resolve(ts, r);
          if (target === undefined || depth >= MAX_DEPTH) break;
          const v = this.runChain(ts, target, ctx, depth + 1);
          // -g: when the chain gone to returns, this chain returns too.
          if (v !== V_RETURN || t.op === OP_GOTO) return v;
          break;
        }
        case OP_MARK:
          ctx.pkt.mark = applyMark(ctx.pkt.mark, t);
          break;
        case OP_NAT:
          ctx.nat = t.nat;
          ctx.verdictChain = cc.name;
          return V_ACCEPT;
        default:
          break; // no target: the rule only counts
      }
    }
    return V_RETURN;
  }

  /** Position of the next rule in `seg` at or after `from` that matches the packet, or -1. */
  private candidate(seg: Segment, ctx: EvalCtx, from: number): number {
    this.stats.dispatchLookups++;
    const p = ctx.pkt;
    if (ctx.fragment || (p.protocol !== 6 && p.protocol !== 17)) return -1;
    const a = firstAtLeast(seg.exact.get(exactKey(p.dst, p.protocol, p.dstPort)), from);
    const b = firstAtLeast(seg.any.get(portKey(p.protocol, p.dstPort)), from);
    const j = a < 0 ? b : b < 0 ? a : Math.min(a, b);
    return j >= 0 && j < seg.end ? j : -1;
  }

  private resolve(ts: TableState, r: CompiledRule): CompiledChain | undefined {
    if (r.refGen !== ts.gen) {
      const c = ts.chains.get(r.t.chain);
      r.ref = c && this.compiled(c);
      r.refGen = ts.gen;
    }
    return r.ref;
  }

  private compiled(c: Chain): CompiledChain {
    let cc = this.cache.get(c);
    if (cc === undefined) {
      cc = this.compile(c);
      this.cache.set(c, cc);
    }
    return cc;
  }

  private compile(c: Chain): CompiledChain {
    const rules = c.rules.map((rule): CompiledRule => ({ rule, test: compileMatches(rule, this.env), t: compileTarget(rule.target), ref: undefined, refGen: -1 }));
    const segments: Array<Segment | undefined> = new Array(rules.length).fill(undefined);
    const keys = c.rules.map(dispatchKey);
    for (let i = 0; i < keys.length;) {
      let end = i;
      while (end < keys.length && keys[end] !== undefined) end++;
      if (end - i >= MIN_SEGMENT) {
        const seg: Segment = { end, exact: new Map(), any: new Map() };
        for (let j = i; j < end; j++) {
          const k = keys[j]!;
          if (k.dst === undefined) push(seg.any, portKey(k.proto, k.dport), j);
          else push(seg.exact, exactKey(k.dst, k.proto, k.dport), j);
          segments[j] = seg;
        }
      }
      i = Math.max(end, i + 1);
    }
    return { name: c.name, rules, segments };
  }
}
