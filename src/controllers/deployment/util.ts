/**
 * Deployment arithmetic (k8s.io/kubernetes pkg/controller/deployment/util), pure: surge and
 * unavailability fenceposts, revisions, the replica annotations, and ReplicaSet orderings.
 */
import type { Deployment, ReplicaSet } from '../../api/types.js';
import { equalIgnoreHash } from './hash.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
/** Deployment annotations that are not copied onto its ReplicaSets. */
const NOT_COPIED = new Set([REVISION, DESIRED_REPLICAS, MAX_REPLICAS, REVISION_HISTORY, 'kubectl.kubernetes.io/last-applied-configuration', 'deprecated.deployment.rollback.to']);

export const replicasOf = (rs: ReplicaSet | undefined): number => rs?.spec.replicas ?? 0;
export const desiredOf = (d: Deployment): number => d.spec.replicas ?? 1;

/** intstr.GetScaledValueFromIntOrPercent: "25%" of total, rounded up or down; an int as is. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number.parseInt(v, 10) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** Surge rounds up, unavailable rounds down; both zero would deadlock, so unavailable becomes 1. */
export function resolveFenceposts(d: Deployment): [number, number] {
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  const desired = desiredOf(d);
  // Unset means 0 here (intstr.ValueOrDefault); the API server has already defaulted both to 25%.
  const surge = scaledValue(ru.maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(ru.maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d)[0] : 0;
}

export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || desiredOf(d) === 0) return 0;
  return Math.min(resolveFenceposts(d)[1], desiredOf(d));
}

export function sumSpec(rss: (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + replicasOf(rs), 0);
}

export function sumStatus(rss: (ReplicaSet | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  return rss.reduce((n, rs) => n + ((rs?.status?.[field] as number | undefined) ?? 0), 0);
}

export function activeOnly(rss: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => !!rs && replicasOf(rs) > 0);
}

const created = (rs: ReplicaSet): number => Date.parse(rs.metadata.creationTimestamp ?? '') || 0;

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1);
}

/** ReplicaSetsBySizeOlder: larger first, then older. */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet): number => replicasOf(b) - replicasOf(a) || byCreation(a, b);
/** ReplicaSetsBySizeNewer: larger first, then newer. */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet): number => replicasOf(b) - replicasOf(a) || byCreation(b, a);

export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } } | undefined): number {
  const v = Number(obj?.metadata.annotations?.[REVISION] ?? '');
  return Number.isInteger(v) && v > 0 ? v : 0;
}

export function maxRevision(rss: ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** The oldest ReplicaSet whose template equals the Deployment's (there should be one at most). */
export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

function annotationInt(rs: ReplicaSet, key: string): number | undefined {
  const raw = rs.metadata.annotations?.[key];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  return Number.isInteger(v) ? v : undefined;
}

export const desiredAnnotation = (rs: ReplicaSet): number | undefined => annotationInt(rs, DESIRED_REPLICAS);

/** The desired-replicas and max-replicas annotations a ReplicaSet should carry; true if they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations ??= {});
  if (a[DESIRED_REPLICAS] === String(desired) && a[MAX_REPLICAS] === String(max)) return false;
  a[DESIRED_REPLICAS] = String(desired);
  a[MAX_REPLICAS] = String(max);
  return true;
}

/**
 * SetNewReplicaSetAnnotations: copies the Deployment's own annotations, raises the revision to
 * `revision` if it is lower, and, for a ReplicaSet about to be created, adds the replica
 * annotations. True if anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, revision: number, exists: boolean): boolean {
  const a = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  if (revisionOf(rs) < revision) {
    a[REVISION] = String(revision);
    changed = true;
  }
  if (!exists) changed = setReplicasAnnotations(rs, desiredOf(d), desiredOf(d) + maxSurge(d)) || changed;
  return changed;
}

/** IsSaturated: the new ReplicaSet runs all desired replicas, all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredOf(d);
  return desiredAnnotation(rs) === desired && replicasOf(rs) === desired && (rs.status?.availableReplicas ?? 0) === desired;
}

/** FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active; undefined if several are. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeOnly([...newestFirst, newRS]);
  if (active.length === 1) return active[0];
  if (active.length === 0) return newRS ?? newestFirst[0];
  return undefined;
}

/** Go's math.Round: halves away from zero. */
export function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** GetProportion: this ReplicaSet's share of a proportional scale, bounded by what is left to add. */
export function getProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (desiredOf(d) === 0) {
    fraction = -replicasOf(rs);
  } else {
    const maxNow = desiredOf(d) + maxSurge(d);
    let maxBefore = annotationInt(rs, MAX_REPLICAS);
    if (!maxBefore) maxBefore = (d.status?.replicas as number | undefined) ?? 0;
    fraction = maxBefore ? roundHalfAway((replicasOf(rs) * maxNow) / maxBefore) - replicasOf(rs) : 0;
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
