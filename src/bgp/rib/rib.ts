/**
 * Adj-RIB-In per peer, the Loc-RIB of best paths, and Adj-RIB-Out per established peer (RFC 4271
 * §3.2). Pure: every mutation returns the RouteChanges for the node's routing table and the UPDATEs
 * owed to each peer; nothing here touches a socket or a timer.
 *
 * Paths are also kept per destination (prefix), as BIRD's and GoBGP's tables are: selection for a
 * prefix looks at one entry holding our own path, every peer's path and the current best, instead
 * of one lookup per peer table — an UPDATE costs the same with 1 peer or 49.
 */
import { type PathAttributes, type Prefix, prefixKey } from '../codec/index.js';
import { type SelectionOptions, bestPath } from './best-path.js';
import { type LocalSpeaker, importPath } from './policy.js';
import type { OutUpdate, Path, PeerKey, RibPeer, RibResult, RouteChange } from './types.js';
import { type Destination, type SentEntry, UpdateGroup, exportToGroup, groupByAttrs, groupKey } from './update-groups.js';
import { formatIpv4 } from '../../net/addr.js';
import { KemuError } from '../../util/errors.js';

export interface RibOptions {
  asn: number;
  routerId: number;
  /** RFC 4456 CLUSTER_ID when reflecting; defaults to the router ID. */
  clusterId?: number;
  /** IGP distance to a next hop (undefined = unreachable). Default: every next hop at cost 0. */
  igpCost?: (nextHop: number) => number | undefined;
}

export interface UpdateInput {
  withdrawn: readonly Prefix[];
  attributes: PathAttributes;
  nlri: readonly Prefix[];
}

interface Dest extends Destination {
  /** Our own path (an originated prefix). */
  local: Path | undefined;
  /** One path per peer that announced the prefix. */
  learned: Path[];
  /** The recompute pass that last queued it (deduplicates touched prefixes without a Set). */
  pass: number;
}

export class Rib {
  private readonly local: LocalSpeaker;
  private readonly selection: SelectionOptions;
  private readonly peers = new Map<PeerKey, RibPeer>();
  private readonly adjIn = new Map<PeerKey, Map<string, Path>>();
  private readonly dests = new Map<string, Dest>();
  private bestCount = 0;
  private passes = 0;
  private readonly adjOut = new Map<PeerKey, Map<string, SentEntry>>();
  private readonly groups = new Map<string, UpdateGroup>();

  constructor(opts: RibOptions) {
    this.local = { asn: opts.asn, routerId: opts.routerId, clusterId: opts.clusterId ?? opts.routerId };
    const igp = opts.igpCost ?? (() => 0);
    this.selection = { localAsn: opts.asn, igpCost: igp };
  }

  /** A session reached Established: returns the whole table it should be sent. */
  peerUp(peer: RibPeer): RibResult {
    if (this.peers.has(peer.key)) throw new KemuError('ERR_BGP_RIB', `peer ${peer.key} is already up`);
    this.peers.set(peer.key, peer);
    this.adjIn.set(peer.key, new Map());
    this.adjOut.set(peer.key, new Map());
    const gk = groupKey(peer);
    let g = this.groups.get(gk);
    if (g === undefined) this.groups.set(gk, (g = new UpdateGroup(gk, peer)));
    g.members.set(peer.key, peer);
    // Nothing the others have changes (the new peer has no routes yet): export to it alone.
    const all = [...this.dests.values()].filter((d) => d.best !== undefined);
    return { routes: [], out: exportToGroup(g, all, this.adjOut, this.local, peer.key) };
  }

  /** A session left Established: its routes are withdrawn everywhere (RFC 4271 §8.2.2, "deletes all routes"). */
  peerDown(key: PeerKey): RibResult {
    const routes = this.adjIn.get(key);
    if (routes === undefined) return { routes: [], out: new Map() };
    const peer = this.peers.get(key)!;
    const g = this.groups.get(groupKey(peer))!;
    for (const k of this.adjOut.get(key)!.keys()) g.hold(k, -1);
    g.members.delete(key);
    if (g.members.size === 0) this.groups.delete(g.key);
    this.peers.delete(key);
    this.adjIn.delete(key);
    this.adjOut.delete(key);
    const touched: Dest[] = [];
    for (const k of routes.keys()) {
      const d = this.dests.get(k)!;
      d.learned = d.learned.filter((p) => p.source !== peer);
      touched.push(d);
    }
    return this.recompute(touched);
  }

  /** An UPDATE from `key`; with treatAsWithdraw (RFC 7606) its NLRI count as withdrawn. */
  update(key: PeerKey, update: UpdateInput, treatAsWithdraw = false): RibResult {
    const peer = this.peers.get(key);
    const table = this.adjIn.get(key);
    if (peer === undefined || table === undefined) throw new KemuError('ERR_BGP_RIB', `UPDATE from peer ${key} that is not up`);
    const touched: Dest[] = [];
    for (const p of update.withdrawn) this.unlearn(table, p, touched);
    if (treatAsWithdraw) for (const p of update.nlri) this.unlearn(table, p, touched);
    if (!treatAsWithdraw && update.nlri.length > 0) {
      const imported = importPath(update.attributes, peer, this.local);
      for (const p of update.nlri) {
        const k = prefixKey(p);
        const path: Path = { prefix: { addr: p.addr, len: p.len }, attrs: imported.attrs, source: peer };
        if (imported.rejected !== undefined) path.rejected = imported.rejected;
        const old = table.get(k);
        table.set(k, path);
        const d = this.dest(k, p);
        if (old === undefined) d.learned.push(path);
        else d.learned[d.learned.indexOf(old)] = path;
        touched.push(d);
      }
    }
    return this.recompute(touched);
  }

  /** Originates a prefix (calico: an affine IPAM block): ORIGIN IGP, empty AS_PATH. */
  originate(prefix: Prefix, attrs: PathAttributes = {}): RibResult {
    const d = this.dest(prefixKey(prefix), prefix);
    d.local = { prefix: { addr: prefix.addr, len: prefix.len }, attrs: { origin: 0, asPath: [], ...attrs }, source: null };
    return this.recompute([d]);
  }

  withdrawLocal(prefix: Prefix): RibResult {
    const d = this.dests.get(prefixKey(prefix));
    if (d?.local === undefined) return { routes: [], out: new Map() };
    d.local = undefined;
    return this.recompute([d]);
  }

  /** Re-runs selection everywhere, e.g. after IGP costs changed. */
  recomputeAll(): RibResult {
    return this.recompute([...this.dests.values()]);
  }

  /** Everything currently advertised to `key`, for a ROUTE-REFRESH. */
  refresh(key: PeerKey): OutUpdate {
    return groupByAttrs([], [...(this.adjOut.get(key)?.values() ?? [])]);
  }

  best(prefix: Prefix): Path | undefined {
    return this.dests.get(prefixKey(prefix))?.best;
  }

  /** How many prefixes have a best path (the Loc-RIB's size), without copying it. */
  get size(): number {
    return this.bestCount;
  }

  locRib(): Path[] {
    const out: Path[] = [];
    for (const d of this.dests.values()) if (d.best !== undefined) out.push(d.best);
    return out;
  }

  adjRibIn(key: PeerKey): Path[] {
    return [...(this.adjIn.get(key)?.values() ?? [])];
  }

  adjRibOut(key: PeerKey): { prefix: Prefix; attrs: PathAttributes }[] {
    return [...(this.adjOut.get(key)?.values() ?? [])].map(({ prefix, attrs }) => ({ prefix, attrs }));
  }

  /** Drops a peer's path for `p` (a withdrawal), queueing its destination. */
  private unlearn(table: Map<string, Path>, p: Prefix, touched: Dest[]): void {
    const k = prefixKey(p);
    const old = table.get(k);
    if (old === undefined) return;
    table.delete(k);
    const d = this.dests.get(k)!;
    d.learned = d.learned.filter((x) => x !== old);
    touched.push(d);
  }

  private dest(key: string, prefix: Prefix): Dest {
    let d = this.dests.get(key);
    if (d === undefined) {
      d = { key, prefix: { addr: prefix.addr, len: prefix.len }, local: undefined, learned: [], best: undefined, pass: 0 };
      this.dests.set(key, d);
    }
    return d;
  }

  private recompute(touched: readonly Dest[]): RibResult {
    const pass = ++this.passes;
    const routes: RouteChange[] = [];
    const changed: Dest[] = [];
    for (const d of touched) {
      if (d.pass === pass) continue; // the same prefix twice in one UPDATE
      d.pass = pass;
      const before = d.best;
      const after = bestPath(d.local === undefined ? d.learned : [d.local, ...d.learned], this.selection);
      d.best = after;
      if (before === undefined && after !== undefined) this.bestCount++;
      else if (before !== undefined && after === undefined) this.bestCount--;
      if (after === undefined && d.local === undefined && d.learned.length === 0) this.dests.delete(d.key);
      const change = routeChange(d.key, before, after);
      if (change) routes.push(change);
      // Same best path object: every peer already has what it should (a re-announcement is a new object).
      if (before !== after) changed.push(d);
    }
    const byPeer = new Map<PeerKey, OutUpdate>();
    if (changed.length > 0) {
      for (const g of this.groups.values()) {
        for (const [k, u] of exportToGroup(g, changed, this.adjOut, this.local)) byPeer.set(k, u);
      }
    }
    return { routes, out: this.inPeerOrder(byPeer) };
  }

  /** Peers in the order they came up, whatever group they are in: UPDATEs go out in a stable order. */
  private inPeerOrder(byPeer: Map<PeerKey, OutUpdate>): Map<PeerKey, OutUpdate> {
    if (byPeer.size <= 1) return byPeer;
    const out = new Map<PeerKey, OutUpdate>();
    for (const k of this.peers.keys()) {
      const u = byPeer.get(k);
      if (u !== undefined) out.set(k, u);
    }
    return out;
  }
}

/** The routing table's next hop of a path: learned paths only (a node routes its own blocks itself). */
function nextHopText(p: Path | undefined): string | undefined {
  return p !== undefined && p.source !== null && p.attrs.nextHop !== undefined ? ipText(p.attrs.nextHop) : undefined;
}

let lastIp = -1;
let lastIpText = '';
/** formatIpv4 remembering the last answer: the NLRI of one UPDATE share their next hop. */
function ipText(ip: number): string {
  if (ip !== lastIp) {
    lastIp = ip;
    lastIpText = formatIpv4(ip);
  }
  return lastIpText;
}

/** Routing-table view: only learned best paths install a route; a node routes its own blocks locally. */
function routeChange(prefix: string, before: Path | undefined, after: Path | undefined): RouteChange | undefined {
  const a = nextHopText(before);
  const b = nextHopText(after);
  if (a === b) return undefined;
  if (a === undefined) return { type: 'add', prefix, nextHop: b! };
  if (b === undefined) return { type: 'remove', prefix, nextHop: a };
  return { type: 'replace', prefix, nextHop: b, previousNextHop: a };
}
