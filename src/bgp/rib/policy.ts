/**
 * What a speaker does to a route on the way in and on the way out: loop detection (AS_PATH for eBGP,
 * ORIGINATOR_ID/CLUSTER_LIST for reflection), the iBGP split-horizon rule with RFC 4456 route
 * reflection, and next-hop handling. Calico's BIRD sessions are all iBGP inside one AS (64512 by
 * default), where the NEXT_HOP a node sets on its own blocks (its address) is carried unchanged;
 * eBGP peers (e.g. a ToR) get next-hop-self, as RFC 4271 §5.1.3 requires.
 */
import { AttrFlag, type PathAttributes, asPathContains, neighborAs, prependAs } from '../codec/index.js';
import { DEFAULT_LOCAL_PREF, type Path, type RibPeer } from './types.js';

export interface LocalSpeaker {
  asn: number;
  routerId: number;
  /** RFC 4456 CLUSTER_ID; a reflector uses its router ID when none is configured. */
  clusterId: number;
}

export function isIbgpPeer(peer: Pick<RibPeer, 'asn'>, local: LocalSpeaker): boolean {
  return peer.asn === local.asn;
}

/**
 * Import: returns the attributes to store and, when the route must not be used, why. LOCAL_PREF
 * from an eBGP peer is dropped (RFC 7606 §7.5) as are the iBGP-only reflection attributes.
 */
export function importPath(attrs: PathAttributes, peer: RibPeer, local: LocalSpeaker): { attrs: PathAttributes; rejected?: string } {
  const ibgp = isIbgpPeer(peer, local);
  const a: PathAttributes = { ...attrs };
  if (!ibgp) {
    delete a.localPref;
    delete a.originatorId;
    delete a.clusterList;
  }
  const path = a.asPath ?? [];
  if (!ibgp && asPathContains(path, local.asn)) return { attrs: a, rejected: 'AS_PATH loop' };
  // RFC 4271 §6.3: the leftmost AS of an eBGP route must be the peer's (route servers aside).
  if (!ibgp && neighborAs(path) !== peer.asn) return { attrs: a, rejected: 'first AS is not the peer AS' };
  if (ibgp && a.originatorId === local.routerId) return { attrs: a, rejected: 'ORIGINATOR_ID is ours' };
  if (ibgp && a.clusterList?.includes(local.clusterId)) return { attrs: a, rejected: 'CLUSTER_LIST loop' };
  // RFC 4271 §6.3: a NEXT_HOP that is our own address is semantically wrong; log and ignore the route.
  if (a.nextHop === peer.localAddress) return { attrs: a, rejected: 'NEXT_HOP is our address' };
  return { attrs: a };
}

/**
 * The part of export that depends on the peer itself rather than on its update group: never back
 * to the peer the route came from, and a reflected route never to the router that originated it
 * (it would reject it).
 */
export function isExcluded(best: Path, to: RibPeer, local: LocalSpeaker): boolean {
  const from = best.source;
  if (from === null) return false;
  if (from.key === to.key) return true;
  if (!isIbgpPeer(from, local) || !isIbgpPeer(to, local)) return false;
  return (best.attrs.originatorId ?? from.routerId) === to.routerId;
}

/** What an update group's peers share and export depends on: AS, client flag, our address toward them. */
export type ExportProfile = Pick<RibPeer, 'asn' | 'rrClient' | 'localAddress'>;

/**
 * Export of the best path to every peer of an update group (isExcluded aside): undefined when it
 * must not be advertised there, else the attributes to send. iBGP-learned routes go to iBGP peers
 * only by reflection: from a client to every peer, from a non-client to clients.
 */
export function exportAttrs(best: Path, to: ExportProfile, local: LocalSpeaker): PathAttributes | undefined {
  const from = best.source;
  const toIbgp = isIbgpPeer(to, local);
  const fromIbgp = from !== null && isIbgpPeer(from, local);
  const reflect = fromIbgp && toIbgp;
  if (reflect && !from.rrClient && !to.rrClient) return undefined;
  const originator = best.attrs.originatorId ?? (fromIbgp ? from.routerId : undefined);

  const a: PathAttributes = { ...best.attrs };
  if (from !== null && a.unknown) {
    // RFC 4271 §5: an unrecognized optional transitive attribute is passed on with Partial set.
    a.unknown = a.unknown.map((u) => ({ ...u, flags: u.flags | AttrFlag.PARTIAL }));
  }
  if (toIbgp) {
    a.localPref = a.localPref ?? DEFAULT_LOCAL_PREF;
    a.asPath = a.asPath ?? [];
    if (from === null) a.nextHop = to.localAddress;
    if (reflect) {
      a.originatorId = originator;
      a.clusterList = [local.clusterId, ...(a.clusterList ?? [])];
    }
  } else {
    a.asPath = prependAs(a.asPath ?? [], local.asn);
    a.nextHop = to.localAddress;
    delete a.localPref;
    delete a.originatorId;
    delete a.clusterList;
    // RFC 4271 §5.1.4: a MED learned from one AS is not passed to another.
    if (from !== null) delete a.med;
  }
  return a;
}
