/**
 * Parsed `-A CHAIN rule…` lines of recent restores, by their text. kube-proxy rewrites KUBE-SERVICES
 * whole on every sync — 10,000 lines at 10,000 Services, nearly all the same as last time — and
 * parsing them again was most of a partial sync's cost. A hit hands out a copy of the parsed rule
 * with its own counters (a rewritten chain starts from zero, as in iptables); the parsed parts are
 * never mutated after parsing, so copies share them.
 *
 * Two generations: lines used since the last turnover stay, lines unused for a whole generation
 * are dropped, so the cache follows what the caller keeps writing and its size stays bounded.
 */
import type { Counters, Rule } from './rules.js';

export interface CachedAppend {
  chain: string;
  rule: Rule;
}

export class RuleCache {
  private young = new Map<string, CachedAppend>();
  private old = new Map<string, CachedAppend>();

  constructor(private readonly generationSize = 100_000) {}

  /** The parsed line, with a fresh copy of its rule; undefined when not cached. */
  get(line: string, counters?: Counters): CachedAppend | undefined {
    let hit = this.young.get(line);
    if (hit === undefined) {
      hit = this.old.get(line);
      if (hit === undefined) return undefined;
      this.keep(line, hit); // used again: into the young generation
    }
    return { chain: hit.chain, rule: withCounters(hit.rule, counters) };
  }

  /** Remembers a line's parse; `rule` is copied, so later changes to its counters do not leak in. */
  put(line: string, entry: CachedAppend): void {
    this.keep(line, { chain: entry.chain, rule: withCounters(entry.rule) });
  }

  private keep(line: string, entry: CachedAppend): void {
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(line, entry);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}

/** The parsed parts shared, the counters its own. */
function withCounters(r: Rule, counters?: Counters): Rule {
  return { ip: r.ip, matches: r.matches, target: r.target, counters: counters ? { ...counters } : { packets: 0, bytes: 0 } };
}
