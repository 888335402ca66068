/**
 * Best-path selection as RFC 4271 §9.1.2.2 describes it and BIRD/GoBGP implement it: the candidate
 * set is narrowed step by step rather than sorted by one comparator, because the MED step compares
 * only routes from the same neighbouring AS and is therefore not a total order.
 */
import { asPathLength, neighborAs } from '../codec/index.js';
import { DEFAULT_LOCAL_PREF, type Path } from './types.js';

export interface SelectionOptions {
  localAsn: number;
  /** IGP distance to a next hop; undefined (or Infinity) = unresolvable, and the path is not eligible. */
  igpCost: (nextHop: number) => number | undefined;
}

/** The step that decided, for `show route` style explanations and for the tests. */
export type Decider =
  | 'only' | 'local' | 'local-pref' | 'as-path' | 'origin' | 'med' | 'ebgp' | 'igp-cost' | 'router-id' | 'cluster-list'
  | 'peer-address' | 'first';

function isIbgp(p: Path, localAsn: number): boolean {
  return p.source !== null && p.source.asn === localAsn;
}

function keepMin(paths: Path[], key: (p: Path) => number): Path[] {
  const min = Math.min(...paths.map(key));
  return paths.filter((p) => key(p) === min);
}

function cost(p: Path, opts: SelectionOptions): number | undefined {
  if (p.source === null) return 0;
  const c = p.attrs.nextHop === undefined ? undefined : opts.igpCost(p.attrs.nextHop);
  return c === undefined || !Number.isFinite(c) ? undefined : c;
}

export function isEligible(p: Path, opts: SelectionOptions): boolean {
  return p.rejected === undefined && cost(p, opts) !== undefined;
}

/** The best path alone; the common case of a single candidate without selectBest's arrays. */
export function bestPath(paths: readonly Path[], opts: SelectionOptions): Path | undefined {
  if (paths.length === 1) return isEligible(paths[0]!, opts) ? paths[0] : undefined;
  return paths.length === 0 ? undefined : selectBest(paths, opts)?.best;
}

export function selectBest(paths: readonly Path[], opts: SelectionOptions): { best: Path; decider: Decider } | undefined {
  let c = paths.filter((p) => isEligible(p, opts));
  if (c.length === 0) return undefined;
  if (c.length === 1) return { best: c[0]!, decider: 'only' };
  // Locally originated routes win outright, as BIRD's protocol preference makes a node's own
  // static/direct routes beat anything learned over BGP.
  const local = c.filter((p) => p.source === null);
  if (local.length > 0) return { best: local[0]!, decider: 'local' };

  const steps: [Decider, (paths: Path[]) => Path[]][] = [
    ['local-pref', (ps) => keepMin(ps, (p) => -(p.attrs.localPref ?? DEFAULT_LOCAL_PREF))],
    ['as-path', (ps) => keepMin(ps, (p) => asPathLength(p.attrs.asPath ?? []))],
    ['origin', (ps) => keepMin(ps, (p) => p.attrs.origin ?? 2)],
    ['med', (ps) => ps.filter((p) => {
      // Drop p if a route from the same neighbouring AS has a lower MED (a missing MED counts as 0).
      const as = neighborAs(p.attrs.asPath ?? []) ?? opts.localAsn;
      const med = p.attrs.med ?? 0;
      return !ps.some((q) => (neighborAs(q.attrs.asPath ?? []) ?? opts.localAsn) === as && (q.attrs.med ?? 0) < med);
    })],
    ['ebgp', (ps) => (ps.some((p) => !isIbgp(p, opts.localAsn)) ? ps.filter((p) => !isIbgp(p, opts.localAsn)) : ps)],
    ['igp-cost', (ps) => keepMin(ps, (p) => cost(p, opts)!)],
    // RFC 4456 §9: a reflected route is judged by its ORIGINATOR_ID, not by the reflector's identifier.
    ['router-id', (ps) => keepMin(ps, (p) => p.attrs.originatorId ?? p.source!.routerId)],
    ['cluster-list', (ps) => keepMin(ps, (p) => p.attrs.clusterList?.length ?? 0)],
    ['peer-address', (ps) => keepMin(ps, (p) => p.source!.address)],
  ];
  for (const [decider, step] of steps) {
    const next = step(c);
    if (next.length === 1) return { best: next[0]!, decider };
    c = next;
  }
  return { best: c[0]!, decider: 'first' };
}
