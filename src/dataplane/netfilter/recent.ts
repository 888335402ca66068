/**
 * xt_recent's address lists (/proc/net/xt_recent/NAME), shared by every rule of a namespace that names
 * the same list, as kube-proxy's ClientIP affinity relies on: the KUBE-SEP chain `--set`s the client,
 * the KUBE-SVC chain `--rcheck`s it. Limits and semantics follow the kernel: at most `maxEntries`
 * addresses per list (ip_list_tot, the least recently seen evicted) and `maxStamps` hit times each.
 */
import type { RecentMatch } from './rules.js';

interface Entry {
  /** Hit times in ms, oldest first. */
  stamps: number[];
}

export interface RecentOptions {
  maxEntries?: number;
  maxStamps?: number;
}

export interface RecentListing {
  addr: number;
  last: number;
  hits: number;
}

export class RecentLists {
  /** Per list, addresses in least-recently-updated order (Map insertion order is the LRU). */
  private readonly lists = new Map<string, Map<number, Entry>>();
  private readonly maxEntries: number;
  private readonly maxStamps: number;

  constructor(opts: RecentOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 200;
    this.maxStamps = opts.maxStamps ?? 20;
  }

  /** recent_mt: evaluates one `-m recent` match for `addr` (already masked) at `now` (ms). */
  match(m: RecentMatch, addr: number, now: number): boolean {
    const list = this.list(m.name);
    let ret = m.invert;
    const e = list.get(addr);
    if (e === undefined) {
      if (m.command !== 'set') return ret;
      this.add(list, addr, now);
      return !ret;
    }
    if (m.command === 'set') {
      ret = !ret;
    } else if (m.command === 'remove') {
      list.delete(addr);
      return !ret;
    } else {
      const since = now - m.seconds * 1000;
      let hits = 0;
      for (const t of e.stamps) {
        if (m.seconds && t < since) continue;
        if (!m.hitcount || ++hits >= m.hitcount) {
          ret = !ret;
          break;
        }
      }
      if (m.reap) this.reap(list, since, e);
    }
    if (m.command === 'set' || (m.command === 'update' && ret)) this.touch(list, addr, e, now);
    return ret;
  }

  /** The addresses of a list, like reading /proc/net/xt_recent/NAME. */
  entries(name: string): RecentListing[] {
    return [...(this.lists.get(name) ?? new Map<number, Entry>())].map(([addr, e]) => ({ addr, last: e.stamps[e.stamps.length - 1]!, hits: e.stamps.length }));
  }

  /** `echo / > /proc/net/xt_recent/NAME` (or every list). */
  clear(name?: string): void {
    if (name === undefined) this.lists.clear();
    else this.lists.delete(name);
  }

  private list(name: string): Map<number, Entry> {
    let l = this.lists.get(name);
    if (l === undefined) this.lists.set(name, (l = new Map()));
    return l;
  }

  private add(list: Map<number, Entry>, addr: number, now: number): void {
    if (list.size >= this.maxEntries) list.delete(list.keys().next().value!);
    list.set(addr, { stamps: [now] });
  }

  private touch(list: Map<number, Entry>, addr: number, e: Entry, now: number): void {
    e.stamps.push(now);
    if (e.stamps.length > this.maxStamps) e.stamps.shift();
    list.delete(addr);
    list.set(addr, e); // now the most recently seen
  }

  /** recent_entry_reap: drops the least recently seen address if it has aged out (one per packet, as Linux). */
  private reap(list: Map<number, Entry>, since: number, working: Entry): void {
    const first = list.entries().next();
    if (first.done) return;
    const [addr, oldest] = first.value;
    if (oldest !== working && oldest.stamps[oldest.stamps.length - 1]! < since) list.delete(addr);
  }
}
