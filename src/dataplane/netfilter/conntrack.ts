/**
 * The connection tracking table (nf_conntrack). Each entry is indexed by its original tuple and by its
 * reply tuple (which NAT rewrites), so a packet in either direction finds it with one Map lookup.
 * Entries are created unconfirmed by the first packet and inserted by `confirm` at the last hook
 * (as __nf_conntrack_confirm does), so a first packet dropped on the way leaves nothing behind.
 * Pure: every call takes `now` in milliseconds.
 */
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../../net/index.js';
import { type ConntrackFilter, formatEntry, matchesFilter } from './conntrack-list.js';
import { type Tuple, invertTuple, isIcmpRequest, tupleEquals, tupleKey } from './tuple.js';
import { DEFAULT_TCP_TIMEOUTS, TCP_STATES, type TcpStateName, sCL, sES, sIG, sIV, sNO, sSR, sSS, sTW, tcpTransition } from './tcp-state.js';

export type CtDir = 0 | 1;
export const DIR_ORIGINAL: CtDir = 0;
export const DIR_REPLY: CtDir = 1;

// Status bits, numbered as in include/uapi/linux/netfilter/nf_conntrack_common.h.
export const IPS_SEEN_REPLY = 1 << 1;
export const IPS_ASSURED = 1 << 2;
export const IPS_CONFIRMED = 1 << 3;
export const IPS_SRC_NAT = 1 << 4;
export const IPS_DST_NAT = 1 << 5;
export const IPS_SRC_NAT_DONE = 1 << 7;
export const IPS_DST_NAT_DONE = 1 << 8;

/** Seconds, as the nf_conntrack_*_timeout sysctls. */
export interface ConntrackTimeouts {
  udp: number; // unreplied (nf_conntrack_udp_timeout)
  udpStream: number; // replied and assured (nf_conntrack_udp_timeout_stream)
  icmp: number;
  generic: number;
  tcp: Record<TcpStateName, number>;
}

export interface ConntrackOptions {
  timeouts?: Partial<Omit<ConntrackTimeouts, 'tcp'>> & { tcp?: Partial<Record<TcpStateName, number>> };
  /** nf_conntrack_max. */
  max?: number;
}

export const DEFAULT_CONNTRACK_MAX = 262144;

export class ConntrackEntry {
  readonly orig: Tuple;
  readonly origKey: string;
  reply: Tuple;
  replyKey: string;
  status = 0;
  tcpState = sNO;
  /** Connection mark (ct mark), shown by `conntrack -L`; the packet mark lives on PacketView. */
  mark = 0;
  expires = 0;
  readonly packets: [number, number] = [0, 0];
  readonly bytes: [number, number] = [0, 0];
  /** Out-interface of a MASQUERADE binding, so the entry can be flushed when that address goes away. */
  masqIface: string | undefined;

  constructor(readonly id: number, orig: Tuple, readonly created: number) {
    this.orig = orig;
    this.origKey = tupleKey(orig);
    this.reply = invertTuple(orig);
    this.replyKey = tupleKey(this.reply);
  }

  get confirmed(): boolean { return (this.status & IPS_CONFIRMED) !== 0; }
  get assured(): boolean { return (this.status & IPS_ASSURED) !== 0; }
  get seenReply(): boolean { return (this.status & IPS_SEEN_REPLY) !== 0; }
  get tcpStateName(): TcpStateName { return TCP_STATES[this.tcpState]!; }
  /** Destination NAT bound (the reply comes from elsewhere than the original destination). */
  get dnat(): boolean { return (this.status & IPS_DST_NAT) !== 0; }
  get snat(): boolean { return (this.status & IPS_SRC_NAT) !== 0; }
  /** The tuple a packet in direction `dir` carries on the wire at this host's edges. */
  tuple(dir: CtDir): Tuple { return dir === DIR_ORIGINAL ? this.orig : this.reply; }
}

export interface ConntrackStats {
  found: number;
  invalid: number;
  insert: number;
  insertFailed: number;
  drop: number;
  earlyDrop: number;
  expired: number;
}

export type { ConntrackFilter } from './conntrack-list.js';

export type TrackResult = 'ok' | 'invalid' | 'reopen';

export class Conntrack {
  readonly timeouts: ConntrackTimeouts;
  readonly max: number;
  readonly stats: ConntrackStats = { found: 0, invalid: 0, insert: 0, insertFailed: 0, drop: 0, earlyDrop: 0, expired: 0 };
  /** Both tuples of every confirmed entry. */
  private readonly index = new Map<string, ConntrackEntry>();
  /** Confirmed entries in insertion order. */
  private readonly all = new Map<number, ConntrackEntry>();
  /** Confirmed, not yet assured, oldest first: the early-drop candidates. */
  private readonly unassured = new Map<number, ConntrackEntry>();
  private nextId = 1;

  constructor(opts: ConntrackOptions = {}) {
    const t = opts.timeouts ?? {};
    this.timeouts = {
      udp: t.udp ?? 30, udpStream: t.udpStream ?? 120, icmp: t.icmp ?? 30, generic: t.generic ?? 600,
      tcp: { ...DEFAULT_TCP_TIMEOUTS, ...t.tcp },
    };
    this.max = opts.max ?? DEFAULT_CONNTRACK_MAX;
  }

  get size(): number { return this.all.size; }

  entries(): IterableIterator<ConntrackEntry> { return this.all.values(); }

  /** The live entry having `t` as its original or reply tuple; an expired one is removed on the way. */
  find(t: Tuple, now: number): ConntrackEntry | undefined {
    return this.live(tupleKey(t), now);
  }

  /** Whether some other live connection already uses tuple `t` in either direction (nf_conntrack_tuple_taken). */
  isTaken(t: Tuple, now: number): boolean {
    return this.live(tupleKey(t), now) !== undefined;
  }

  /**
   * A new, unconfirmed entry for a first packet, or undefined when that packet cannot start a
   * connection (TCP without SYN or ACK, an ICMP reply): such packets are ctstate INVALID.
   */
  create(orig: Tuple, tcpFlags: number, bytes: number, now: number): ConntrackEntry | undefined {
    const e = new ConntrackEntry(this.nextId++, orig, now);
    if (orig.proto === IPPROTO_TCP) {
      const s = tcpTransition(sNO, DIR_ORIGINAL, tcpFlags);
      if (s === sIV || s === sIG) return this.invalid();
      e.tcpState = s;
    } else if (orig.proto === IPPROTO_ICMP && !isIcmpRequest(orig.dport)) {
      return this.invalid();
    }
    e.expires = now + this.timeoutOf(e) * 1000;
    e.packets[0] = 1;
    e.bytes[0] = bytes;
    return e;
  }

  /** Updates state, timeout and counters for a packet of an existing entry. */
  track(e: ConntrackEntry, dir: CtDir, tcpFlags: number, bytes: number, now: number): TrackResult {
    if (e.orig.proto === IPPROTO_TCP) {
      const old = e.tcpState;
      const next = tcpTransition(old, dir, tcpFlags);
      if (next === sIV) {
        this.stats.invalid++;
        return 'invalid';
      }
      // A SYN on a closed connection reopens it: the old entry dies and the packet starts afresh.
      if (next === sSS && (old === sTW || old === sCL)) return 'reopen';
      if (next !== sIG) {
        e.tcpState = next;
        if ((old === sSR || old === sES) && next === sES) this.assure(e);
      }
    } else if (e.orig.proto === IPPROTO_UDP && e.seenReply) {
      this.assure(e); // traffic after a reply: a stream, kept for udpStream
    }
    if (dir === DIR_REPLY) e.status |= IPS_SEEN_REPLY;
    e.expires = now + this.timeoutOf(e) * 1000;
    e.packets[dir]++;
    e.bytes[dir] += bytes;
    this.stats.found++;
    return 'ok';
  }

  /** Changes the reply tuple (NAT binding). Re-indexes a confirmed entry. */
  setReply(e: ConntrackEntry, reply: Tuple): void {
    if (e.confirmed && this.index.get(e.replyKey) === e) this.index.delete(e.replyKey);
    e.reply = reply;
    e.replyKey = tupleKey(reply);
    if (e.confirmed) this.index.set(e.replyKey, e);
  }

  /**
   * Inserts an unconfirmed entry. Returns the entry now in the table (an identical one confirmed
   * meanwhile is adopted, as Linux resolves UDP clashes), or undefined when the packet must be
   * dropped: a clashing different binding, or a full table with nothing to early-drop.
   */
  confirm(e: ConntrackEntry, now: number): ConntrackEntry | undefined {
    if (e.confirmed) return e;
    const clash = this.live(e.origKey, now) ?? this.live(e.replyKey, now);
    if (clash !== undefined) {
      if (tupleEquals(clash.orig, e.orig) && tupleEquals(clash.reply, e.reply)) {
        clash.packets[0] += e.packets[0];
        clash.bytes[0] += e.bytes[0];
        return clash;
      }
      this.stats.insertFailed++;
      return undefined;
    }
    if (this.all.size >= this.max && !this.earlyDrop()) {
      this.stats.drop++;
      return undefined;
    }
    e.status |= IPS_CONFIRMED | IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE;
    this.index.set(e.origKey, e);
    this.index.set(e.replyKey, e);
    this.all.set(e.id, e);
    if (!e.assured) this.unassured.set(e.id, e);
    this.stats.insert++;
    return e;
  }

  delete(e: ConntrackEntry): void {
    if (!e.confirmed || this.all.get(e.id) !== e) return;
    if (this.index.get(e.origKey) === e) this.index.delete(e.origKey);
    if (this.index.get(e.replyKey) === e) this.index.delete(e.replyKey);
    this.all.delete(e.id);
    this.unassured.delete(e.id);
    e.status &= ~IPS_CONFIRMED;
  }

  /** Removes every expired entry (the gc worker); returns how many. */
  gc(now: number): number {
    let n = 0;
    for (const e of this.all.values()) {
      if (e.expires <= now) {
        this.delete(e);
        n++;
      }
    }
    this.stats.expired += n;
    return n;
  }

  /** `conntrack -D [filter]`; returns the number of entries deleted. */
  flush(filter: ConntrackFilter = {}): number {
    let n = 0;
    for (const e of this.all.values()) {
      if (matchesFilter(e, filter)) {
        this.delete(e);
        n++;
      }
    }
    return n;
  }

  /** `conntrack -L [filter]` lines (with accounting, as when nf_conntrack_acct=1). */
  list(now: number, filter: ConntrackFilter = {}): string[] {
    const out: string[] = [];
    for (const e of this.all.values()) {
      if (e.expires > now && matchesFilter(e, filter)) out.push(formatEntry(e, now));
    }
    return out;
  }

  /** Seconds an entry lives after its latest packet, from its protocol, state and status. */
  timeoutOf(e: ConntrackEntry): number {
    switch (e.orig.proto) {
      case IPPROTO_TCP: return this.timeouts.tcp[TCP_STATES[e.tcpState]!];
      case IPPROTO_UDP: return e.assured ? this.timeouts.udpStream : this.timeouts.udp;
      case IPPROTO_ICMP: return this.timeouts.icmp;
      default: return this.timeouts.generic;
    }
  }

  private live(key: string, now: number): ConntrackEntry | undefined {
    const e = this.index.get(key);
    if (e === undefined || e.expires > now) return e;
    this.delete(e);
    this.stats.expired++;
    return undefined;
  }

  private assure(e: ConntrackEntry): void {
    e.status |= IPS_ASSURED;
    this.unassured.delete(e.id);
  }

  /** Frees a slot by dropping the oldest unassured entry (early_drop); assured ones are never evicted. */
  private earlyDrop(): boolean {
    for (const victim of this.unassured.values()) {
      this.delete(victim);
      this.stats.earlyDrop++;
      return true;
    }
    return false;
  }

  private invalid(): undefined {
    this.stats.invalid++;
    return undefined;
  }
}
