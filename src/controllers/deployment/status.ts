/**
 * Deployment status and conditions (sync.go calculateStatus / syncRolloutStatus, progress.go),
 * pure given `now`: the replica counts, Available (MinimumReplicasAvailable /
 * MinimumReplicasUnavailable), Progressing (NewReplicaSetCreated, FoundNewReplicaSet,
 * ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded, DeploymentPaused,
 * DeploymentResumed) and ReplicaFailure copied from a ReplicaSet.
 */
import type { Deployment, ReplicaSet } from '../../api/types.js';
import { rfc3339 } from '../../util/time.js';
import { deploymentComplete } from './rolling.js';
import { desiredOf, maxUnavailable, sumSpec, sumStatus } from './util.js';

export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export type DeploymentStatus = Record<string, any> & { conditions?: DeploymentCondition[] };

export const REASON = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  failedRSCreate: 'ReplicaSetCreateError',
  minAvailable: 'MinimumReplicasAvailable',
  minUnavailable: 'MinimumReplicasUnavailable',
} as const;

export function newCondition(type: string, status: DeploymentCondition['status'], reason: string, message: string, now: number): DeploymentCondition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** SetDeploymentCondition: same status and reason is no change; same status keeps lastTransitionTime. */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  if (cur && cur.status === cond.status) cond = { ...cond, lastTransitionTime: cur.lastTransitionTime };
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), cond];
}

/** progressDeadlineSeconds unset or MaxInt32 means no deadline. */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== 2147483647;
}

/** calculateStatus: counts from the ReplicaSets, plus the Available condition. Zero counts are omitted. */
export function calculateStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined, now: number): DeploymentStatus {
  const availableReplicas = sumStatus(allRSs, 'availableReplicas');
  const counts: Record<string, number> = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sumStatus(allRSs, 'replicas'),
    updatedReplicas: sumStatus([newRS], 'replicas'),
    readyReplicas: sumStatus(allRSs, 'readyReplicas'),
    availableReplicas,
    unavailableReplicas: Math.max(0, sumSpec(allRSs) - availableReplicas),
  };
  const status: DeploymentStatus = {};
  for (const [k, v] of Object.entries(counts)) if (v) status[k] = v;
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c: DeploymentCondition) => ({ ...c }));
  if (availableReplicas >= desiredOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', REASON.minAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', REASON.minUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** DeploymentProgressing: more updated, ready or available replicas, or fewer old ones, than last time. */
function progressing(d: Deployment, next: DeploymentStatus): boolean {
  const old = (d.status ?? {}) as DeploymentStatus;
  const n = (s: DeploymentStatus, k: string): number => (s[k] as number | undefined) ?? 0;
  return (
    n(next, 'updatedReplicas') > n(old, 'updatedReplicas') ||
    n(next, 'replicas') - n(next, 'updatedReplicas') < n(old, 'replicas') - n(old, 'updatedReplicas') ||
    n(next, 'readyReplicas') > n(old, 'readyReplicas') ||
    n(next, 'availableReplicas') > n(old, 'availableReplicas')
  );
}

function timedOut(d: Deployment, next: DeploymentStatus, now: number): boolean {
  const cond = getCondition(next, 'Progressing');
  if (!cond || cond.reason === REASON.newRSAvailable) return false;
  if (cond.reason === REASON.timedOut) return true;
  return Date.parse(cond.lastUpdateTime) + (d.spec.progressDeadlineSeconds ?? 0) * 1000 < now;
}

/** syncRolloutStatus: calculateStatus plus the Progressing and ReplicaFailure conditions. */
export function rolloutStatus(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined, now: number): DeploymentStatus {
  const next = calculateStatus(d, allRSs, newRS, now);
  if (!hasProgressDeadline(d)) removeCondition(next, 'Progressing');
  const cur = getCondition(d.status, 'Progressing');
  const complete = (next.replicas ?? 0) === (next.updatedReplicas ?? 0) && cur?.reason === REASON.newRSAvailable;
  const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, next)) {
      setCondition(next, newCondition('Progressing', 'True', REASON.newRSAvailable, `${what} has successfully progressed.`, now));
    } else if (progressing(d, next)) {
      // Unlike other conditions, Progressing is rewritten on every sign of progress (lastUpdateTime moves).
      let cond = newCondition('Progressing', 'True', REASON.rsUpdated, `${what} is progressing.`, now);
      if (cur?.status === 'True') cond = { ...cond, lastTransitionTime: cur.lastTransitionTime };
      removeCondition(next, 'Progressing');
      setCondition(next, cond);
    } else if (timedOut(d, next, now)) {
      setCondition(next, newCondition('Progressing', 'False', REASON.timedOut, `${what} has timed out progressing.`, now));
    }
  }
  const failed = [newRS, ...allRSs].find((rs) => rs?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'ReplicaFailure' && c.status === 'True'));
  const failure = failed?.status?.conditions?.find((c: { type: string }) => c.type === 'ReplicaFailure');
  if (failure) setCondition(next, newCondition('ReplicaFailure', failure.status, failure.reason ?? '', failure.message ?? '', now));
  else removeCondition(next, 'ReplicaFailure');
  return next;
}

/** requeueStuckDeployment: ms until the progress deadline should be checked again, if at all. */
export function msUntilDeadline(d: Deployment, next: DeploymentStatus, now: number): number | undefined {
  const cur = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !cur) return undefined;
  if (deploymentComplete(d, next) || cur.reason === REASON.timedOut) return undefined;
  const after = Date.parse(cur.lastUpdateTime) + (d.spec.progressDeadlineSeconds ?? 0) * 1000 - now;
  return after < 1000 ? 0 : after + 1000;
}
