/**
 * IPVS's scheduling modules (net/netfilter/ipvs/ip_vs_{rr,wrr,lc,wlc,sed,nq,dh,sh}.c): which real
 * server a new connection goes to. Each is a small stateful object per virtual service, told when
 * the destination list changes (`updated`, the kernel's add/del/upd_dest callbacks). A destination
 * with weight 0 is quiescent: it keeps its connections but gets no new ones. Connection counts are
 * the kernel's: a TCP connection counts as active while ESTABLISHED, otherwise as inactive.
 */

export type SchedulerName = 'rr' | 'wrr' | 'lc' | 'wlc' | 'sed' | 'nq' | 'dh' | 'sh';
export const SCHEDULERS: readonly SchedulerName[] = ['rr', 'wrr', 'lc', 'wlc', 'sed', 'nq', 'dh', 'sh'];

/** What a scheduler reads of a destination (RealServer implements it). */
export interface SchedDest {
  readonly address: number;
  readonly weight: number;
  readonly activeConns: number;
  readonly inactConns: number;
}

/** What a scheduler reads of the packet that starts a connection. */
export interface SchedPacket {
  readonly src: number;
  readonly dst: number;
}

export interface Scheduler {
  readonly name: SchedulerName;
  /** The destination for a new connection, or undefined ("no destination available"). */
  pick(dests: readonly SchedDest[], pkt: SchedPacket): SchedDest | undefined;
  /** The destination list or a weight changed. */
  updated(dests: readonly SchedDest[]): void;
}

export function createScheduler(name: SchedulerName): Scheduler {
  switch (name) {
    case 'rr': return new RoundRobin();
    case 'wrr': return new WeightedRoundRobin();
    case 'lc': return leastOverhead('lc', lcOverhead, false, false);
    case 'wlc': return leastOverhead('wlc', lcOverhead, true, false);
    case 'sed': return leastOverhead('sed', (d) => d.activeConns + 1, true, false);
    case 'nq': return leastOverhead('nq', (d) => d.activeConns + 1, true, true);
    case 'dh': return new HashTable('dh', (p) => dhHash(p.dst), false);
    case 'sh': return new HashTable('sh', (p) => shHash(p.src), true);
  }
}

const usable = (d: SchedDest): boolean => d.weight > 0;

/** ip_vs_dest_conn_overhead: an active connection weighs 256 inactive ones. */
function lcOverhead(d: SchedDest): number {
  return d.activeConns * 256 + d.inactConns;
}

/** ip_vs_rr: the next usable destination after the last one chosen, around the list. */
class RoundRobin implements Scheduler {
  readonly name = 'rr';
  private last: SchedDest | undefined;
  private lastIndex = -1;

  pick(dests: readonly SchedDest[]): SchedDest | undefined {
    const n = dests.length;
    for (let k = 1; k <= n; k++) {
      const i = (this.lastIndex + k) % n;
      const d = dests[i]!;
      if (usable(d)) {
        this.last = d;
        this.lastIndex = i;
        return d;
      }
    }
    return undefined;
  }

  updated(dests: readonly SchedDest[]): void {
    // ip_vs_rr_del_dest: when the last chosen goes, the pointer steps back so its successor is next.
    if (this.last === undefined) return;
    const i = dests.indexOf(this.last);
    if (i >= 0) this.lastIndex = i;
    else this.lastIndex = Math.min(this.lastIndex, dests.length) - 1;
    if (i < 0) this.last = undefined;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * ip_vs_wrr: interleaved weighted round robin. The current weight cw steps down by the gcd of the
 * weights each time the list wraps; a destination is chosen when its weight reaches cw. Weights 3
 * and 1 give A A A B.
 */
class WeightedRoundRobin implements Scheduler {
  readonly name = 'wrr';
  private i = -1;
  private cw = 0;
  private mw = 0;
  private di = 1;

  pick(dests: readonly SchedDest[]): SchedDest | undefined {
    const n = dests.length;
    if (n === 0 || this.mw <= 0) return undefined;
    // Every weight level of every destination once at most: a full pass without a choice means none.
    for (let steps = n * (Math.ceil(this.mw / this.di) + 1); steps > 0; steps--) {
      this.i = (this.i + 1) % n;
      if (this.i === 0) {
        this.cw -= this.di;
        if (this.cw <= 0) this.cw = this.mw;
      }
      const d = dests[this.i]!;
      if (d.weight > 0 && d.weight >= this.cw) return d;
    }
    return undefined;
  }

  updated(dests: readonly SchedDest[]): void {
    const weights = dests.map((d) => d.weight).filter((w) => w > 0);
    this.di = weights.length === 0 ? 1 : weights.reduce(gcd);
    this.mw = weights.length === 0 ? 0 : Math.max(...weights);
    if (this.i >= dests.length) this.i = -1;
    if (this.cw > this.mw) this.cw = 0;
  }
}

/**
 * lc, wlc, sed, nq: the destination with the least overhead (per weight for the weighted ones; the
 * first of equals wins, comparing `loh * w(d) > doh * w(least)` as the kernel does). nq first takes
 * any idle destination (no active connection).
 */
function leastOverhead(name: SchedulerName, overhead: (d: SchedDest) => number, weighted: boolean, idleFirst: boolean): Scheduler {
  return {
    name,
    pick(dests) {
      let least: SchedDest | undefined;
      let loh = 0;
      for (const d of dests) {
        if (!usable(d)) continue;
        const doh = overhead(d);
        if (idleFirst && d.activeConns === 0) return d;
        const better = least === undefined || (weighted ? loh * d.weight > doh * least.weight : doh < loh);
        if (better) {
          least = d;
          loh = doh;
        }
      }
      return least;
    },
    updated() {},
  };
}

const TAB_BITS = 8;
const TAB_SIZE = 1 << TAB_BITS;

/** ip_vs_dh_hashkey: the low bits of the address times 2654435761. */
function dhHash(addr: number): number {
  return Math.imul(addr, 2654435761 | 0) & (TAB_SIZE - 1);
}

/** ip_vs_sh_hashkey: hash_32(addr, 8), the golden-ratio multiplicative hash's top bits. */
function shHash(addr: number): number {
  return Math.imul(addr, 0x61c88647) >>> (32 - TAB_BITS);
}

/**
 * dh and sh: a 256-bucket table over the destinations, looked up by a hash of the destination (dh)
 * or source (sh) address, so a client (sh) or target (dh) keeps its server. dh fills buckets round
 * robin; sh gives each destination `weight` consecutive buckets. An unusable bucket owner means no
 * destination (the kernel's default, without the sh-fallback flag).
 */
class HashTable implements Scheduler {
  private table: Array<SchedDest | undefined> = new Array(TAB_SIZE).fill(undefined);

  constructor(readonly name: SchedulerName, private readonly hash: (p: SchedPacket) => number, private readonly weighted: boolean) {}

  pick(_dests: readonly SchedDest[], pkt: SchedPacket): SchedDest | undefined {
    const d = this.table[this.hash(pkt)];
    return d !== undefined && usable(d) ? d : undefined;
  }

  updated(dests: readonly SchedDest[]): void {
    const table: Array<SchedDest | undefined> = new Array(TAB_SIZE).fill(undefined);
    if (dests.length > 0) {
      let p = 0;
      let count = 0;
      for (let i = 0; i < TAB_SIZE; i++) {
        const d = dests[p]!;
        table[i] = d;
        // sh: `++d_count >= weight` moves on (a weight-0 destination still owns one bucket).
        if (!this.weighted || ++count >= d.weight) {
          p = (p + 1) % dests.length;
          count = 0;
        }
      }
    }
    this.table = table;
  }

  /** Bucket owners, for tests. */
  buckets(): ReadonlyArray<SchedDest | undefined> {
    return this.table;
  }
}
