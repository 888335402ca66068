/**
 * A namespace's netfilter: the five hook points wired as Linux orders them by priority —
 *   PREROUTING  raw(-300) conntrack(-200) mangle(-150) nat/DNAT(-100)
 *   INPUT       mangle(-150) filter(0) nat/SNAT(100) confirm(last)
 *   FORWARD     mangle(-150) filter(0)
 *   OUTPUT      raw(-300) conntrack(-200) mangle(-150) nat/DNAT(-100) filter(0)
 *   POSTROUTING mangle(-150) nat/SNAT(100) confirm(last)
 * plus programmatic hooks at any priority (for an ipvs-like engine). Stages with nothing to do are
 * empty arrays, so `run` on a namespace without rules is one comparison and one length check.
 *
 * How a namespace stack calls it:
 *  - per packet, run(stage, view, now) at each hook the packet passes: received PREROUTING, then
 *    INPUT (local) or FORWARD + POSTROUTING; sent OUTPUT, then POSTROUTING. Keep the same PacketView
 *    object (or at least the same `packet` buffer) for the whole walk through this namespace: the
 *    packet's conntrack entry is found again by that identity (Linux keeps it on the skb), and a
 *    looped-back packet (inIface 'lo') keeps it too. Keep `mark` on the view across stages; clear it
 *    when the packet changes namespace (skb_scrub_packet).
 *  - NAT rewrites `packet` in place (checksums fixed) and updates src/dst/srcPort/dstPort on the view:
 *    route after PREROUTING on the new dst, and re-route after OUTPUT if dst or mark changed.
 *  - 'drop' may be a REJECT: call takeRejection(view); if it returns one, send rejectReply(view, r, src)
 *    (an ICMP unreachable or a TCP RST) through OUTPUT/POSTROUTING like any local packet; conntrack
 *    translates it back to what the client sent to. evaluate() gives the reason of any drop.
 *  - when `tracking` is true, hand over reassembled datagrams only (Linux defragments before conntrack).
 *  - call conntrack.gc(now) periodically (the kernel's gc worker); entries also expire on access.
 *  - conntrack confirmation is automatic: a new connection enters the table at the packet's last hook
 *    (INPUT or POSTROUTING), and a first packet dropped before that leaves nothing behind.
 *  - a programmatic hook may steal a packet (NF_STOLEN, as IPVS does at LOCAL_IN): run() then says
 *    'drop', and takeStolen(view) hands over the hook's continuation, which the stack calls once the
 *    hook point is done (the packet's new path, e.g. out through routing) instead of counting a drop.
 */
import type { HookStage, NetfilterHooks, PacketView, Verdict } from '../types.js';
import { readU16 } from '../../net/index.js';
import { Conntrack, type ConntrackOptions, DIR_ORIGINAL } from './conntrack.js';
import { type DropReason, PacketContext, type PacketCt, needsConntrack } from './context.js';
import { ConntrackHooks } from './ct-hooks.js';
import { Engine } from './engine.js';
import type { MatchEnv } from './match.js';
import type { NatRange } from './nat.js';
import { IpSets } from './ipset.js';
import { RecentLists, type RecentOptions } from './recent.js';
import { buildRejectReply } from './reject.js';
import type { Manip } from './rewrite.js';
import type { Tuple } from './tuple.js';
import type { RejectWith, TableName } from './rules.js';
import { Ruleset } from './tables.js';
import { V_ACCEPT, V_REJECT, V_RETURN } from './targets.js';

export type { DropReason, PacketCt } from './context.js';

export interface NetfilterOptions {
  ruleset?: Ruleset;
  conntrack?: Conntrack | ConntrackOptions;
  /** Primary IPv4 address of an interface, for MASQUERADE; undefined drops the packet, as Linux does. */
  addressOf?: (iface: string) => number | undefined;
  /** Whether an address is local to the namespace (addrtype LOCAL). */
  isLocal?: (ip: number) => boolean;
  /** Uniform in [0, 1) for -m statistic and NAT port choice; inject a seeded one in tests. */
  random?: () => number;
  recent?: RecentOptions;
  /** The namespace's ipsets (`-m set`); a fresh, empty registry by default. */
  ipsets?: IpSets;
  /** 'auto' (default) tracks connections once a nat rule, a conntrack match or a hook asks for it. */
  tracking?: 'auto' | 'always';
}

/**
 * A programmatic hook (ipvs-like engines). Return 'drop' to drop the packet, or a StolenVerdict to
 * take it over (NF_STOLEN): the rest of this hook point is skipped and `stolen` runs afterwards.
 */
export type HookFn = (pkt: PacketView, ctx: HookContext) => Verdict | StolenVerdict;
export interface StolenVerdict {
  /** What becomes of the packet, run by the stack once the hook point returned (never inside it). */
  stolen: () => void;
}
export interface HookContext {
  readonly stage: HookStage;
  readonly now: number;
  readonly ct: PacketCt | undefined;
}

export interface Rejection {
  stage: HookStage;
  table: TableName;
  chain: string;
  rejectWith: RejectWith;
  at: number;
}

export type EvalResult =
  | { verdict: 'accept' }
  | { verdict: 'drop'; reason: DropReason; table?: TableName; chain?: string }
  | { verdict: 'reject'; rejection: Rejection };

type Step = (ctx: PacketContext) => number;
const CONT = V_RETURN;
const ACCEPTED: EvalResult = Object.freeze({ verdict: 'accept' });
const STAGES: readonly HookStage[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];
const STAGE_TABLES: Readonly<Record<HookStage, ReadonlyArray<readonly [TableName, number]>>> = {
  PREROUTING: [['raw', -300], ['mangle', -150]],
  INPUT: [['mangle', -150], ['filter', 0]],
  FORWARD: [['mangle', -150], ['filter', 0]],
  OUTPUT: [['raw', -300], ['mangle', -150], ['filter', 0]],
  POSTROUTING: [['mangle', -150]],
};

export class Netfilter implements NetfilterHooks {
  readonly ruleset: Ruleset;
  readonly conntrack: Conntrack;
  readonly recent: RecentLists;
  readonly ipsets: IpSets;
  readonly engine: Engine;
  /** The latest REJECT, also available per packet through takeRejection. */
  lastRejection: Rejection | undefined;
  private readonly random: () => number;
  private trackingOn: boolean;
  private builtVersion = -1;
  private pipelines = {} as Record<HookStage, Step[]>;
  private hooks: Array<{ stage: HookStage; priority: number; fn: HookFn }> = [];
  private readonly rejections = new WeakMap<object, Rejection>();
  private readonly stolen = new WeakMap<PacketView, () => void>();
  private readonly ct: ConntrackHooks;

  constructor(opts: NetfilterOptions = {}) {
    this.ruleset = opts.ruleset ?? new Ruleset();
    this.conntrack = opts.conntrack instanceof Conntrack ? opts.conntrack : new Conntrack(opts.conntrack);
    this.recent = new RecentLists(opts.recent);
    this.ipsets = opts.ipsets ?? new IpSets();
    this.random = opts.random ?? Math.random;
    this.trackingOn = opts.tracking === 'always';
    const env: MatchEnv = { random: this.random, isLocal: opts.isLocal ?? (() => false), recent: this.recent, ipsets: this.ipsets };
    this.engine = new Engine(this.ruleset, env);
    this.ct = new ConntrackHooks(this.conntrack, this.engine, this.random, opts.addressOf ?? (() => undefined));
  }

  /** Whether connections are tracked: the stack must then hand over reassembled datagrams only. */
  get tracking(): boolean {
    this.sync();
    return this.trackingOn;
  }

  run(stage: HookStage, pkt: PacketView, now: number): Verdict {
    if (this.builtVersion !== this.ruleset.version) this.sync();
    if (this.pipelines[stage].length === 0) return 'accept';
    return this.evaluate(stage, pkt, now).verdict === 'accept' ? 'accept' : 'drop';
  }

  /** Like run, with the reason for a drop and REJECT kept apart (run reports it as 'drop'). */
  evaluate(stage: HookStage, pkt: PacketView, now: number): EvalResult {
    this.sync();
    const steps = this.pipelines[stage];
    if (steps.length === 0) return ACCEPTED;
    const buf = pkt.packet;
    const bytes = buf.length >= 20 ? readU16(buf, 2) : buf.length;
    const fragment = buf.length >= 20 && (readU16(buf, 6) & 0x1fff) !== 0;
    const ctx = new PacketContext(stage, pkt, now, bytes, fragment, this.ct.ctOf(pkt), this.trackingOn);
    let v = CONT;
    for (const step of steps) {
      v = step(ctx);
      if (v !== CONT) break;
    }
    if (v === CONT) return ACCEPTED;
    if (v !== V_REJECT) {
      this.rejections.delete(pkt); // whatever an earlier walk left untaken is not about this drop
      this.rejections.delete(buf);
      // Only rule and NAT drops happened inside a table; a hook or conntrack drop names none.
      if (ctx.dropReason === 'hook' || ctx.dropReason === 'conntrack-insert' || ctx.dropReason === 'stolen') return { verdict: 'drop', reason: ctx.dropReason };
      return { verdict: 'drop', reason: ctx.dropReason, table: ctx.table, chain: ctx.verdictChain || undefined };
    }
    const rejection: Rejection = { stage, table: ctx.table!, chain: ctx.verdictChain, rejectWith: ctx.rejectWith!, at: now };
    this.lastRejection = rejection;
    this.rejections.set(pkt, rejection);
    this.rejections.set(buf, rejection);
    if (ctx.ct && !ctx.ct.entry.confirmed) this.ct.rememberRejected(ctx.ct.entry);
    return { verdict: 'reject', rejection };
  }

  /** The REJECT that made run() return 'drop' for this packet, once (the stack's side channel). */
  takeRejection(pkt: PacketView): Rejection | undefined {
    const r = this.rejections.get(pkt) ?? this.rejections.get(pkt.packet);
    if (r) {
      this.rejections.delete(pkt);
      this.rejections.delete(pkt.packet);
    }
    return r;
  }

  /** The continuation of a packet a hook stole at the last run() (see HookFn), once; undefined if not stolen. */
  takeStolen(pkt: PacketView): (() => void) | undefined {
    const fn = this.stolen.get(pkt);
    if (fn !== undefined) this.stolen.delete(pkt);
    return fn;
  }

  /**
   * nf_conntrack_alter_reply: the packet's new, unconfirmed connection will see replies with `reply`
   * (IPVS with net.ipv4.vs.conntrack=1 tells conntrack where it sent the connection, so MASQUERADE
   * can bind in POSTROUTING and replies find the entry). No NAT binding is made: the engine that
   * rewrote the packet also rewrites the replies. False when the packet has no new connection.
   */
  alterReply(pkt: PacketView, reply: Tuple): boolean {
    const a = this.ct.ctOf(pkt);
    if (!a || a.related || a.dir !== DIR_ORIGINAL || a.entry.confirmed) return false;
    this.conntrack.setReply(a.entry, reply);
    return true;
  }

  /** The ICMP unreachable or TCP RST answering a rejected packet (see reject.ts for `src`). */
  rejectReply(pkt: PacketView, rejection: Rejection, src?: number): Uint8Array | undefined {
    return buildRejectReply(pkt.packet, rejection.rejectWith, src);
  }

  /** Adds a programmatic hook; returns its remover. Hooks turn connection tracking on. */
  addHook(stage: HookStage, priority: number, fn: HookFn): () => void {
    const h = { stage, priority, fn };
    this.hooks.push(h);
    this.builtVersion = -1;
    return () => {
      this.hooks = this.hooks.filter((x) => x !== h);
      this.builtVersion = -1;
    };
  }

  /** The packet's conntrack entry and direction, as the hooks so far left it. */
  packetConntrack(pkt: PacketView): PacketCt | undefined {
    return this.ct.ctOf(pkt);
  }

  /**
   * Binds the packet's new connection to DNAT ('dst') or SNAT ('src') and rewrites the packet now: the
   * NAT primitive for programmatic hooks. Later packets are translated by conntrack at the usual
   * hooks. False when the packet has no new connection or no unique tuple is left.
   */
  bindNat(pkt: PacketView, manip: Manip, range: NatRange, now: number): boolean {
    return this.ct.bindNat(pkt, manip, range, now);
  }

  private sync(): void {
    if (this.builtVersion === this.ruleset.version) return;
    if (!this.trackingOn) this.trackingOn = this.hooks.length > 0 || needsConntrack(this.ruleset);
    const nat = this.ruleset.table('nat');
    for (const stage of STAGES) {
      const steps: Array<[number, Step]> = [];
      for (const [table, prio] of STAGE_TABLES[stage]) {
        const c = this.ruleset.chain(table, stage);
        if (c && (c.rules.length > 0 || c.policy === 'DROP')) steps.push([prio, this.tableStep(table, stage)]);
      }
      if (this.trackingOn) {
        const entry = stage === 'PREROUTING' || stage === 'OUTPUT';
        const natChain = nat.chains.get(stage);
        const natActive = natChain !== undefined && (natChain.rules.length > 0 || natChain.policy === 'DROP');
        if (entry) steps.push([-200, (ctx) => this.ct.conntrackIn(ctx)], [-100, (ctx) => this.ct.natStep(ctx, 'dst', natActive)]);
        if (stage === 'INPUT' || stage === 'POSTROUTING') {
          steps.push([100, (ctx) => this.ct.natStep(ctx, 'src', natActive)], [Number.MAX_SAFE_INTEGER, (ctx) => this.ct.confirm(ctx)]);
        }
      }
      for (const h of this.hooks) if (h.stage === stage) steps.push([h.priority, (ctx) => this.hookStep(h.fn, ctx)]);
      // Array.prototype.sort is stable: built-in steps stay ahead of hooks of equal priority.
      this.pipelines[stage] = steps.sort((a, b) => a[0] - b[0]).map(([, s]) => s);
    }
    this.builtVersion = this.ruleset.version;
  }

  private hookStep(fn: HookFn, ctx: PacketContext): number {
    const v = fn(ctx.pkt, ctx);
    if (v === 'accept') return CONT;
    if (v === 'drop') return ctx.drop('hook');
    this.stolen.set(ctx.pkt, v.stolen);
    return ctx.drop('stolen');
  }

  private tableStep(table: TableName, chain: HookStage): Step {
    return (ctx) => {
      ctx.table = table;
      const v = this.engine.runBuiltin(table, chain, ctx);
      return v === V_ACCEPT ? CONT : v;
    };
  }
}
