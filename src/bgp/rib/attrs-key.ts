/** A canonical string for a set of path attributes, to tell whether an advertisement really changed. */
import type { PathAttributes } from '../codec/index.js';

export function attrsKey(a: PathAttributes): string {
  return JSON.stringify([
    a.origin, a.asPath, a.nextHop, a.med, a.localPref, a.atomicAggregate ?? false, a.aggregator, a.originatorId,
    a.clusterList, a.unknown?.map((u) => [u.flags, u.type, Buffer.from(u.value).toString('hex')]),
  ]);
}
