/**
 * Compiles a rule's matches into one predicate over the packet being evaluated, in iptables order:
 * the IP header part (-s -d -i -o -p) first, then each module as loaded. Modules with side effects
 * (statistic, recent --set) therefore run only when everything before them matched, as in Linux.
 */
import type { PacketView } from '../types.js';
import { prefixMask } from '../../net/index.js';
import type { IpSets } from './ipset.js';
import type { RecentLists } from './recent.js';
import type { AddrType, MatchSpec, Neg, RejectWith, Rule, TargetSpec } from './rules.js';

/** What a rule sees while a packet traverses a table. */
export interface EvalCtx {
  readonly pkt: PacketView;
  readonly now: number;
  /** IPv4 total length, for byte counters. */
  readonly bytes: number;
  /** A non-first fragment: it has no ports, so port matches fail (as xt_tcpudp). */
  readonly fragment: boolean;
  /** ctstate bits (CT_* of rules.ts) of the packet right now. */
  ctState(): number;
  /** Set by a NAT target: the binding to make. */
  nat: Extract<TargetSpec, { kind: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT' }> | undefined;
  rejectWith: RejectWith | undefined;
  /** Chain where the traversal reached its verdict (for traces and drop reasons). */
  verdictChain: string;
}

/** The host facts and shared state matches need. */
export interface MatchEnv {
  /** Uniform in [0, 1): `-m statistic --mode random`. Inject a seeded one in tests. */
  random(): number;
  /** Whether an address belongs to this namespace: `-m addrtype --dst-type LOCAL`. */
  isLocal(ip: number): boolean;
  readonly recent: RecentLists;
  /** The namespace's ipsets: `-m set --match-set` (absent: no set exists, nothing matches). */
  readonly ipsets?: IpSets;
}

export type Pred = (ctx: EvalCtx) => boolean;

function addrType(ip: number, env: MatchEnv): AddrType {
  if (env.isLocal(ip)) return 'LOCAL';
  if (ip === 0xffffffff) return 'BROADCAST';
  if (ip >>> 28 === 0xe) return 'MULTICAST';
  return 'UNICAST';
}

function ifacePred(n: Neg<string>, get: (p: PacketView) => string): Pred {
  const { value, invert } = n;
  if (value.endsWith('+')) {
    const prefix = value.slice(0, -1);
    return (ctx) => get(ctx.pkt).startsWith(prefix) !== invert;
  }
  return (ctx) => (get(ctx.pkt) === value) !== invert;
}

function cidrPred(n: Neg<{ addr: number; prefix: number }>, get: (p: PacketView) => number): Pred {
  const mask = prefixMask(n.value.prefix);
  const { addr } = n.value;
  const { invert } = n;
  return (ctx) => (((get(ctx.pkt) & mask) >>> 0) === addr) !== invert;
}

function modulePred(m: MatchSpec, env: MatchEnv): Pred | undefined {
  switch (m.module) {
    case 'comment':
      return undefined;
    case 'tcp':
    case 'udp': {
      const { sport, dport } = m;
      if (!sport && !dport) return undefined;
      return (ctx) => {
        if (ctx.fragment) return false;
        const p = ctx.pkt;
        if (sport && (p.srcPort >= sport.value.min && p.srcPort <= sport.value.max) === sport.invert) return false;
        if (dport && (p.dstPort >= dport.value.min && p.dstPort <= dport.value.max) === dport.invert) return false;
        return true;
      };
    }
    case 'mark': {
      const { value, mask, invert } = m;
      return (ctx) => (((ctx.pkt.mark & mask) >>> 0) === value) !== invert;
    }
    case 'addrtype': {
      const { srcType, dstType } = m;
      return (ctx) =>
        (!srcType || (addrType(ctx.pkt.src, env) === srcType.value) !== srcType.invert) &&
        (!dstType || (addrType(ctx.pkt.dst, env) === dstType.value) !== dstType.invert);
    }
    case 'statistic': {
      const { invert } = m;
      if (m.mode === 'random') {
        const threshold = m.probability;
        // xt_statistic: (random u32 & 0x7fffffff) < probability, in the same 2^31 fixed point.
        return () => (Math.floor(env.random() * 0x80000000) < threshold) !== invert;
      }
      const { every, packet } = m;
      let count = 0;
      return () => {
        count = count >= every - 1 ? 0 : count + 1;
        return (count === packet) !== invert;
      };
    }
    case 'recent': {
      const { mask } = m;
      const source = m.side === 'source';
      return (ctx) => env.recent.match(m, ((source ? ctx.pkt.src : ctx.pkt.dst) & mask) >>> 0, ctx.now);
    }
    case 'conntrack':
    case 'state': {
      const { states, invert } = m;
      return (ctx) => ((ctx.ctState() & states) !== 0) !== invert;
    }
    case 'set': {
      // By name at match time: ipset entries (and even the set) change without touching the rule.
      const { name, flags, invert } = m;
      return (ctx) => (env.ipsets?.get(name)?.test(ctx.pkt, flags) ?? false) !== invert;
    }
  }
}

/** The rule's predicate, or undefined when it matches every packet. */
export function compileMatches(rule: Rule, env: MatchEnv): Pred | undefined {
  const { ip } = rule;
  const preds: Pred[] = [];
  if (ip.src) preds.push(cidrPred(ip.src, (p) => p.src));
  if (ip.dst) preds.push(cidrPred(ip.dst, (p) => p.dst));
  if (ip.inIface) preds.push(ifacePred(ip.inIface, (p) => p.inIface));
  if (ip.outIface) preds.push(ifacePred(ip.outIface, (p) => p.outIface));
  if (ip.proto) {
    const { value, invert } = ip.proto;
    preds.push((ctx) => (ctx.pkt.protocol === value) !== invert);
  }
  for (const m of rule.matches) {
    const p = modulePred(m, env);
    if (p) preds.push(p);
  }
  if (preds.length === 0) return undefined;
  if (preds.length === 1) return preds[0];
  if (preds.length === 2) {
    const [a, b] = preds as [Pred, Pred];
    return (ctx) => a(ctx) && b(ctx);
  }
  return (ctx) => {
    for (const p of preds) if (!p(ctx)) return false;
    return true;
  };
}

/**
 * The (destination, protocol, destination port) a rule is exactly about, when that is all it
 * matches on: the shape of kube-proxy's KUBE-SERVICES (`-d VIP/32 -p tcp --dport P`) and
 * KUBE-NODEPORTS (`-p tcp --dport P`) rules, which the engine dispatches by hash.
 */
export function dispatchKey(rule: Rule): { dst: number | undefined; proto: number; dport: number } | undefined {
  const { ip } = rule;
  if (ip.src || ip.inIface || ip.outIface || !ip.proto || ip.proto.invert) return undefined;
  if (ip.proto.value !== 6 && ip.proto.value !== 17) return undefined;
  if (ip.dst && (ip.dst.invert || ip.dst.value.prefix !== 32)) return undefined;
  let dport: number | undefined;
  for (const m of rule.matches) {
    if (m.module === 'comment') continue;
    if ((m.module !== 'tcp' && m.module !== 'udp') || m.sport) return undefined;
    if (!m.dport) continue;
    if (dport !== undefined || m.dport.invert || m.dport.value.min !== m.dport.value.max) return undefined;
    dport = m.dport.value.min;
  }
  return dport === undefined ? undefined : { dst: ip.dst?.value.addr, proto: ip.proto.value, dport };
}
