/**
 * Adj-RIB-In per peer, the Loc-RIB of best paths, and Adj-RIB-Out per established peer (RFC 4271
 * §3.2). Pure: every mutation returns the RouteChanges for the node's routing table and the UPDATEs
 * owed to each peer; nothing here touches a socket or a timer.
 */
import { type PathAttributes, type Prefix, prefixKey } from '../codec/index.js';
import { type SelectionOptions, selectBest } from './best-path.js';
import { type LocalSpeaker, exportPath, importPath } from './policy.js';
import type { OutUpdate, Path, PeerKey, RibPeer, RibResult, RouteChange } from './types.js';
import { attrsKey } from './attrs-key.js';
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

export class Rib {
  private readonly local: LocalSpeaker;
  private readonly selection: SelectionOptions;
  private readonly peers = new Map<PeerKey, RibPeer>();
  private readonly adjIn = new Map<PeerKey, Map<string, Path>>();
  private readonly originated = new Map<string, Path>();
  private readonly loc = new Map<string, Path>();
  private readonly adjOut = new Map<PeerKey, Map<string, { prefix: Prefix; attrs: PathAttributes; key: string }>>();

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
    return this.recompute([...this.loc.keys()]);
  }

  /** A session left Established: its routes are withdrawn everywhere (RFC 4271 §8.2.2, "deletes all routes"). */
  peerDown(key: PeerKey): RibResult {
    const routes = this.adjIn.get(key);
    if (routes === undefined) return { routes: [], out: new Map() };
    this.peers.delete(key);
    this.adjIn.delete(key);
    this.adjOut.delete(key);
    return this.recompute([...routes.keys()]);
  }

  /** An UPDATE from `key`; with treatAsWithdraw (RFC 7606) its NLRI count as withdrawn. */
  update(key: PeerKey, update: UpdateInput, treatAsWithdraw = false): RibResult {
    const peer = this.peers.get(key);
    const table = this.adjIn.get(key);
    if (peer === undefined || table === undefined) throw new KemuError('ERR_BGP_RIB', `UPDATE from peer ${key} that is not up`);
    const touched: string[] = [];
    for (const p of [...update.withdrawn, ...(treatAsWithdraw ? update.nlri : [])]) {
      const k = prefixKey(p);
      if (table.delete(k)) touched.push(k);
    }
    if (!treatAsWithdraw && update.nlri.length > 0) {
      const imported = importPath(update.attributes, peer, this.local);
      for (const p of update.nlri) {
        const k = prefixKey(p);
        const path: Path = { prefix: { addr: p.addr, len: p.len }, attrs: imported.attrs, source: peer };
        if (imported.rejected !== undefined) path.rejected = imported.rejected;
        table.set(k, path);
        touched.push(k);
      }
    }
    return this.recompute(touched);
  }

  /** Originates a prefix (calico: an affine IPAM block): ORIGIN IGP, empty AS_PATH. */
  originate(prefix: Prefix, attrs: PathAttributes = {}): RibResult {
    const k = prefixKey(prefix);
    this.originated.set(k, { prefix: { addr: prefix.addr, len: prefix.len }, attrs: { origin: 0, asPath: [], ...attrs }, source: null });
    return this.recompute([k]);
  }

  withdrawLocal(prefix: Prefix): RibResult {
    const k = prefixKey(prefix);
    return this.originated.delete(k) ? this.recompute([k]) : { routes: [], out: new Map() };
  }

  /** Re-runs selection everywhere, e.g. after IGP costs changed. */
  recomputeAll(): RibResult {
    const keys = new Set<string>([...this.originated.keys(), ...this.loc.keys()]);
    for (const t of this.adjIn.values()) for (const k of t.keys()) keys.add(k);
    return this.recompute([...keys]);
  }

  /** Everything currently advertised to `key`, for a ROUTE-REFRESH. */
  refresh(key: PeerKey): OutUpdate {
    return group([], [...(this.adjOut.get(key)?.values() ?? [])]);
  }

  best(prefix: Prefix): Path | undefined {
    return this.loc.get(prefixKey(prefix));
  }

  locRib(): Path[] {
    return [...this.loc.values()];
  }

  adjRibIn(key: PeerKey): Path[] {
    return [...(this.adjIn.get(key)?.values() ?? [])];
  }

  adjRibOut(key: PeerKey): { prefix: Prefix; attrs: PathAttributes }[] {
    return [...(this.adjOut.get(key)?.values() ?? [])].map(({ prefix, attrs }) => ({ prefix, attrs }));
  }

  private recompute(keys: readonly string[]): RibResult {
    const routes: RouteChange[] = [];
    const changed: string[] = [];
    for (const k of new Set(keys)) {
      const candidates: Path[] = [];
      const mine = this.originated.get(k);
      if (mine) candidates.push(mine);
      for (const t of this.adjIn.values()) {
        const p = t.get(k);
        if (p) candidates.push(p);
      }
      const before = this.loc.get(k);
      const after = selectBest(candidates, this.selection)?.best;
      if (after) this.loc.set(k, after);
      else this.loc.delete(k);
      const change = routeChange(k, before, after);
      if (change) routes.push(change);
      changed.push(k);
    }
    const out = new Map<PeerKey, OutUpdate>();
    for (const [peerKey, peer] of this.peers) {
      const sent = this.adjOut.get(peerKey)!;
      const withdrawn: Prefix[] = [];
      const announce: { prefix: Prefix; attrs: PathAttributes; key: string }[] = [];
      for (const k of changed) {
        const best = this.loc.get(k);
        const attrs = best && exportPath(best, peer, this.local);
        const old = sent.get(k);
        if (attrs === undefined) {
          if (old) {
            sent.delete(k);
            withdrawn.push(old.prefix);
          }
          continue;
        }
        const key = attrsKey(attrs);
        if (old?.key === key) continue;
        const entry = { prefix: best!.prefix, attrs, key };
        sent.set(k, entry);
        announce.push(entry);
      }
      if (withdrawn.length > 0 || announce.length > 0) out.set(peerKey, group(withdrawn, announce));
    }
    return { routes, out };
  }
}

/** Routing-table view: only learned best paths install a route; a node routes its own blocks locally. */
function routeChange(prefix: string, before: Path | undefined, after: Path | undefined): RouteChange | undefined {
  const nh = (p: Path | undefined): string | undefined =>
    p && p.source !== null && p.attrs.nextHop !== undefined ? formatIpv4(p.attrs.nextHop) : undefined;
  const a = nh(before);
  const b = nh(after);
  if (a === b) return undefined;
  if (a === undefined) return { type: 'add', prefix, nextHop: b! };
  if (b === undefined) return { type: 'remove', prefix, nextHop: a };
  return { type: 'replace', prefix, nextHop: b, previousNextHop: a };
}

function group(withdrawn: Prefix[], entries: readonly { prefix: Prefix; attrs: PathAttributes; key: string }[]): OutUpdate {
  const byKey = new Map<string, { attrs: PathAttributes; nlri: Prefix[] }>();
  for (const e of entries) {
    let g = byKey.get(e.key);
    if (!g) byKey.set(e.key, (g = { attrs: e.attrs, nlri: [] }));
    g.nlri.push(e.prefix);
  }
  return { withdrawn, announce: [...byKey.values()] };
}
