/** Values the RIB works on: peers as the RIB sees them, paths, and what it hands back. */
import type { PathAttributes, Prefix } from '../codec/index.js';

/** A peer key: kemu uses the peer's address in dotted-quad form. */
export type PeerKey = string;

export interface RibPeer {
  key: PeerKey;
  /** The peer's address (the last tie-breaker of best-path selection). */
  address: number;
  asn: number;
  /** The BGP Identifier from the peer's OPEN. */
  routerId: number;
  /** Our address on this session: the NEXT_HOP we announce as "self". */
  localAddress: number;
  /** RFC 4456: this iBGP peer is a route-reflector client of ours. */
  rrClient: boolean;
}

export interface Path {
  prefix: Prefix;
  attrs: PathAttributes;
  /** The peer it was learned from; null for a locally originated route. */
  source: RibPeer | null;
  /** Why the path may not be used (kept in the Adj-RIB-In for `show`), e.g. "AS_PATH loop". */
  rejected?: string;
}

/** A change the node's routing table applies: the best path's next hop for a prefix came, moved or went. */
export type RouteChange =
  | { type: 'add'; prefix: string; nextHop: string }
  | { type: 'replace'; prefix: string; nextHop: string; previousNextHop: string }
  | { type: 'remove'; prefix: string; nextHop: string };

/** What to send one peer: withdrawals and announcements grouped by identical attributes. */
export interface OutUpdate {
  withdrawn: Prefix[];
  announce: { attrs: PathAttributes; nlri: Prefix[] }[];
}

export interface RibResult {
  routes: RouteChange[];
  /** Only peers with something to send appear. */
  out: Map<PeerKey, OutUpdate>;
}

export const DEFAULT_LOCAL_PREF = 100;
