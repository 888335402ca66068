/**
 * Update groups, as GoBGP and BIRD keep them: peers whose export policy is the same — same AS
 * (iBGP or eBGP), same route-reflector-client flag, same local address (NEXT_HOP self) — receive
 * the same attributes for every route. The RIB runs export policy and keys the attributes once
 * per group and route instead of once per peer, and peers whose UPDATEs come out identical share
 * one OutUpdate object, so the speaker encodes it once. In a 50-node calico mesh every node's
 * 49 peers are one group.
 */
import type { PathAttributes, Prefix } from '../codec/index.js';
import { attrsKey } from './attrs-key.js';
import { type LocalSpeaker, exportAttrs, isExcluded } from './policy.js';
import type { OutUpdate, Path, PeerKey, RibPeer } from './types.js';

/** One prefix as advertised to a peer (an Adj-RIB-Out entry). */
export interface SentEntry {
  prefix: Prefix;
  attrs: PathAttributes;
  /** attrsKey(attrs): tells whether a new advertisement really changes anything. */
  key: string;
}

export function groupKey(p: RibPeer): string {
  return `${p.asn}/${p.rrClient ? 'c' : ''}/${p.localAddress}`;
}

export class UpdateGroup {
  readonly members = new Map<PeerKey, RibPeer>();
  /**
   * How many members hold each prefix in their Adj-RIB-Out. A prefix the group does not export
   * and no member holds needs no per-peer look (the common case for iBGP-learned routes in a mesh).
   */
  readonly held = new Map<string, number>();

  /** `profile`: any member; only the fields every member shares (ExportProfile) are read. */
  constructor(readonly key: string, readonly profile: RibPeer) {}

  hold(k: string, delta: 1 | -1): void {
    const n = (this.held.get(k) ?? 0) + delta;
    if (n > 0) this.held.set(k, n);
    else this.held.delete(k);
  }
}

/** What export needs of a prefix in the RIB. */
export interface Destination {
  /** prefixKey(prefix). */
  key: string;
  prefix: Prefix;
  best: Path | undefined;
}

interface MemberOut {
  peer: RibPeer;
  sent: Map<string, SentEntry>;
  withdrawn: Prefix[];
  announce: SentEntry[];
  /** Indexes into `changed` (announce) or their complement (withdraw): equal lists ⇔ equal UPDATEs. */
  trace: number[];
}

interface GroupExport {
  source: Path['source'];
  attrs: PathAttributes | undefined;
  key: string;
}

/**
 * Export of the changed prefixes to a group's members (all, or `only` one): updates each member's
 * Adj-RIB-Out and returns what each must be sent. Members with identical results get the same
 * OutUpdate object.
 */
export function exportToGroup(
  g: UpdateGroup, changed: readonly Destination[], adjOut: ReadonlyMap<PeerKey, Map<string, SentEntry>>, local: LocalSpeaker, only?: PeerKey,
): Map<PeerKey, OutUpdate> {
  const out = new Map<PeerKey, OutUpdate>();
  const onlyPeer = only === undefined ? undefined : g.members.get(only);
  let members: MemberOut[] | undefined; // per-member state, built on the first prefix that concerns one
  // Paths learned in one UPDATE share one attributes object: export policy runs once for all of them.
  let byAttrs: Map<PathAttributes, GroupExport> | undefined;
  for (let i = 0; i < changed.length; i++) {
    const { key: k, best } = changed[i]!;
    const held = g.held.has(k);
    // Nobody holds it and nobody may have it (split horizon): no export to compute, nothing to send.
    if (!held && (best === undefined || !anyTaker(g, onlyPeer, best, local))) continue;
    const group = best === undefined ? undefined : exportOnce((byAttrs ??= new Map()), best, g, local);
    if (group?.attrs === undefined && !held) continue;
    members ??= (onlyPeer === undefined ? [...g.members.values()] : [onlyPeer]).map((peer) => ({ peer, sent: adjOut.get(peer.key)!, withdrawn: [], announce: [], trace: [] }));
    let entry: SentEntry | undefined;
    for (const m of members) {
      const old = m.sent.get(k);
      const attrs = group?.attrs !== undefined && !isExcluded(best!, m.peer, local) ? group.attrs : undefined;
      if (attrs === undefined) {
        if (old === undefined) continue;
        m.sent.delete(k);
        g.hold(k, -1);
        m.withdrawn.push(old.prefix);
        m.trace.push(~i);
        continue;
      }
      if (old?.key === group!.key) continue;
      entry ??= { prefix: best!.prefix, attrs, key: group!.key };
      m.sent.set(k, entry);
      if (old === undefined) g.hold(k, 1);
      m.announce.push(entry);
      m.trace.push(i);
    }
  }
  if (members === undefined) return out;
  const shared = new Map<string, OutUpdate>();
  for (const m of members) {
    if (m.trace.length === 0) continue;
    if (members.length === 1) {
      out.set(m.peer.key, groupByAttrs(m.withdrawn, m.announce));
      continue;
    }
    const sig = m.trace.join(',');
    let u = shared.get(sig);
    if (u === undefined) shared.set(sig, (u = groupByAttrs(m.withdrawn, m.announce)));
    out.set(m.peer.key, u);
  }
  return out;
}

/** Whether any member (or just `onlyPeer`) may receive `best` at all (split horizon, originator). */
function anyTaker(g: UpdateGroup, onlyPeer: RibPeer | undefined, best: Path, local: LocalSpeaker): boolean {
  if (onlyPeer !== undefined) return !isExcluded(best, onlyPeer, local);
  for (const p of g.members.values()) if (!isExcluded(best, p, local)) return true;
  return false;
}

function exportOnce(cache: Map<PathAttributes, GroupExport>, best: Path, g: UpdateGroup, local: LocalSpeaker): GroupExport {
  const hit = cache.get(best.attrs);
  if (hit !== undefined && hit.source === best.source) return hit;
  const attrs = exportAttrs(best, g.profile, local);
  const e = { source: best.source, attrs, key: attrs === undefined ? '' : attrsKey(attrs) };
  cache.set(best.attrs, e);
  return e;
}

/** Withdrawals, and announcements grouped by identical attributes (one UPDATE carries many NLRI). */
export function groupByAttrs(withdrawn: Prefix[], entries: readonly SentEntry[]): OutUpdate {
  const byKey = new Map<string, { attrs: PathAttributes; nlri: Prefix[] }>();
  for (const e of entries) {
    let g = byKey.get(e.key);
    if (!g) byKey.set(e.key, (g = { attrs: e.attrs, nlri: [] }));
    g.nlri.push(e.prefix);
  }
  return { withdrawn, announce: [...byKey.values()] };
}
