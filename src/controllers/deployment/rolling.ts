/**
 * The Deployment controller's scaling decisions as pure planners (rolling.go, recreate.go and
 * sync.go's scale): given the Deployment and its ReplicaSets, what size each ReplicaSet should
 * get. The controller applies a plan, and the next sync (triggered by the ReplicaSet updates) plans
 * again from what the ReplicaSets then report — one step of the rollout per sync, as in Kubernetes.
 */
import type { Deployment, ReplicaSet } from '../../api/types.js';
import {
  activeOnly,
  byCreation,
  bySizeNewer,
  bySizeOlder,
  desiredOf,
  findActiveOrLatest,
  getProportion,
  isSaturated,
  maxSurge,
  maxUnavailable,
  replicasOf,
  sumSpec,
  sumStatus,
} from './util.js';

export interface Scale {
  rs: ReplicaSet;
  replicas: number;
}

const available = (rs: ReplicaSet): number => (rs.status?.availableReplicas as number | undefined) ?? 0;

/** NewRSNewReplicas: how far the new ReplicaSet may grow now without exceeding desired + maxSurge pods. */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  if (d.spec.strategy?.type === 'Recreate') return desiredOf(d);
  const current = sumSpec(allRSs);
  const maxTotal = desiredOf(d) + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const scaleUp = Math.min(maxTotal - current, desiredOf(d) - replicasOf(newRS));
  return replicasOf(newRS) + scaleUp;
}

/** reconcileNewReplicaSet: the new ReplicaSet's next size, or undefined when it is right already. */
export function planNewReplicaSet(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number | undefined {
  const desired = desiredOf(d);
  if (replicasOf(newRS) === desired) return undefined;
  if (replicasOf(newRS) > desired) return desired;
  const next = newRSNewReplicas(d, allRSs, newRS);
  return next === replicasOf(newRS) ? undefined : next;
}

/**
 * reconcileOldReplicaSets: scale old ReplicaSets down while keeping desired - maxUnavailable pods
 * available. Unhealthy old replicas go first (cleanupUnhealthyReplicas), then available ones,
 * oldest ReplicaSet first. `allRSs` includes inactive old ReplicaSets; `oldRSs` only active ones.
 */
export function planOldReplicaSets(d: Deployment, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Scale[] {
  if (sumSpec(oldRSs) === 0) return [];
  const minAvailable = desiredOf(d) - maxUnavailable(d);
  const newRSUnavailable = replicasOf(newRS) - available(newRS);
  const maxScaledDown = sumSpec(allRSs) - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return [];

  const size = new Map<ReplicaSet, number>(oldRSs.map((rs) => [rs, replicasOf(rs)]));
  const sorted = [...oldRSs].sort(byCreation);
  // Unhealthy replicas cost no availability, so they are removed first.
  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const n = size.get(rs)!;
    if (n === 0 || n === available(rs)) continue;
    const down = Math.min(maxScaledDown - cleaned, n - available(rs));
    size.set(rs, n - down);
    cleaned += down;
  }
  // Then available ones, as far as availability allows (counted from ReplicaSet status).
  const availableNow = sumStatus([...oldRSs, newRS], 'availableReplicas');
  if (availableNow > minAvailable) {
    const total = availableNow - minAvailable;
    let done = 0;
    for (const rs of sorted) {
      if (done >= total) break;
      const n = size.get(rs)!;
      if (n === 0) continue;
      const down = Math.min(n, total - done);
      size.set(rs, n - down);
      done += down;
    }
  }
  return sorted.filter((rs) => size.get(rs) !== replicasOf(rs)).map((rs) => ({ rs, replicas: size.get(rs)! }));
}

/**
 * scale(): a change of spec.replicas outside a rollout step. One active ReplicaSet takes the whole
 * new size; a saturated new ReplicaSet means old ones go to zero; otherwise (mid-rollout) every
 * active ReplicaSet grows or shrinks in proportion to its size, leftovers to the largest.
 */
export function planProportionalScale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Scale[] {
  const desired = desiredOf(d);
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) return replicasOf(only) === desired ? [] : [{ rs: only, replicas: desired }];
  if (isSaturated(d, newRS)) return activeOnly(oldRSs).map((rs) => ({ rs, replicas: 0 }));
  if (d.spec.strategy?.type === 'Recreate') return [];

  const all = activeOnly([...oldRSs, newRS]);
  const allowed = desired > 0 ? desired + maxSurge(d) : 0;
  const toAdd = allowed - sumSpec(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  const size = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of all) {
    const p = toAdd !== 0 ? getProportion(rs, d, toAdd, added) : 0;
    size.set(rs, replicasOf(rs) + p);
    added += p;
  }
  if (toAdd !== 0 && all.length) size.set(all[0]!, Math.max(0, size.get(all[0]!)! + toAdd - added));
  return all.filter((rs) => size.get(rs) !== replicasOf(rs)).map((rs) => ({ rs, replicas: size.get(rs)! }));
}

/** Recreate: every old ReplicaSet goes to zero before the new one is created or scaled up. */
export function planRecreateScaleDown(oldRSs: ReplicaSet[]): Scale[] {
  return activeOnly(oldRSs).map((rs) => ({ rs, replicas: 0 }));
}

/** DeploymentComplete: all desired replicas updated and available, and the latest spec observed. */
export function deploymentComplete(d: Deployment, status: Record<string, any>): boolean {
  const desired = desiredOf(d);
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}
