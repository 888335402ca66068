/**
 * Pod helpers shared by the workload controllers (ReplicaSet, Deployment, StatefulSet, DaemonSet),
 * after k8s.io/kubernetes pkg/controller and pkg/api/v1/pod: readiness and availability, controller
 * references, pods from templates, and the order in which surplus pods are deleted.
 */
import type { KubeObject, OwnerReference, Pod, PodTemplateSpec } from '../../api/types.js';
import { deepCopy, jsonEqual } from '../../api/store/freeze.js';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

export function readyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

function timeMs(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** Ready for at least minReadySeconds (podutil.IsPodAvailable), judged by the Ready condition's transition time. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = timeMs(readyCondition(pod)?.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

/** Milliseconds until a ready pod becomes available, or undefined when it is not ready or already available. */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: number): number | undefined {
  if (!isPodReady(pod) || !minReadySeconds) return undefined;
  const since = timeMs(readyCondition(pod)?.lastTransitionTime) ?? now;
  const left = since + minReadySeconds * 1000 - now;
  return left > 0 ? left : undefined;
}

export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** controller.FilterActivePods: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isTerminal(pod) && !pod.metadata.deletionTimestamp;
}

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function newControllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** controller.GetPodFromTemplate: labels, annotations, finalizers and spec from the template, owned by `ref`. */
export function podFromTemplate(template: PodTemplateSpec, namespace: string, ref: OwnerReference, name: { name?: string; generateName?: string }): Pod {
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...name,
      namespace,
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [ref],
    },
    spec: deepCopy(template.spec),
  };
  if (meta.annotations) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

/** generateName prefix as Kubernetes builds it: "<owner>-", cut to leave room for the 5-char suffix. */
export function generateNamePrefix(owner: string): string {
  const prefix = `${owner}-`;
  return prefix.length > 58 ? prefix.slice(0, 58) : prefix;
}

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: Pod): number {
  const v = Number(pod.metadata.annotations?.[POD_DELETION_COST] ?? 0);
  return Number.isInteger(v) ? v : 0;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c: { restartCount?: number }) => c.restartCount ?? 0));
}

/** log2 buckets of age in nanoseconds (LogarithmicScaleDown): pods of similar age count as equals. */
function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

/** Negative when `a` should go first: a zero time sorts first, then the later time. */
function afterOrZero(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined) return a === undefined ? (b === undefined ? 0 : -1) : 1;
  return b - a;
}

/**
 * A comparator ordering pods for deletion, first = deleted first (controller.ActivePodsWithRanks):
 * unscheduled < scheduled; Pending < Unknown < Running; not ready < ready; lower
 * pod-deletion-cost first; more pods of the same owner on its node first (`rank`); ready for less
 * time first; more container restarts first; newer first; then by uid (then name) for a stable order.
 */
export function deletionOrder(rank: (pod: Pod) => number, now: number): (a: Pod, b: Pod) => number {
  return (a, b) => {
    const an = a.spec.nodeName ?? '';
    const bn = b.spec.nodeName ?? '';
    if (an !== bn && (!an || !bn)) return !an ? -1 : 1;
    const ap = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
    const bp = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
    if (ap !== bp) return ap - bp;
    if (isPodReady(a) !== isPodReady(b)) return isPodReady(a) ? 1 : -1;
    if (deletionCost(a) !== deletionCost(b)) return deletionCost(a) - deletionCost(b);
    if (rank(a) !== rank(b)) return rank(b) - rank(a);
    const byUid = (a.metadata.uid ?? '') < (b.metadata.uid ?? '') ? -1 : (a.metadata.uid ?? '') > (b.metadata.uid ?? '') ? 1 : 0;
    const byAge = (ta: number | undefined, tb: number | undefined): number => {
      if (ta === undefined || tb === undefined) return afterOrZero(ta, tb);
      const diff = logRank(ta, now) - logRank(tb, now);
      return diff !== 0 ? diff : byUid;
    };
    if (isPodReady(a) && isPodReady(b)) {
      const ra = timeMs(readyCondition(a)?.lastTransitionTime);
      const rb = timeMs(readyCondition(b)?.lastTransitionTime);
      if (ra !== rb) {
        const c = byAge(ra, rb);
        if (c !== 0) return c;
      }
    }
    if (maxRestarts(a) !== maxRestarts(b)) return maxRestarts(b) - maxRestarts(a);
    const ca = timeMs(a.metadata.creationTimestamp);
    const cb = timeMs(b.metadata.creationTimestamp);
    if (ca !== cb) {
      const c = byAge(ca, cb);
      if (c !== 0) return c;
    }
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
  };
}

/** Rank = how many of `related` share the pod's node (doubled-up pods are deleted first). */
export function rankBySharedNode(related: Pod[]): (pod: Pod) => number {
  const perNode = new Map<string, number>();
  for (const p of related) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  return (pod) => (pod.spec.nodeName ? perNode.get(pod.spec.nodeName) ?? 0 : 0);
}

/** JSON equality independent of key order, for comparing statuses and templates. */
export function canonicalJSON(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]])) : val,
  );
}

/** canonicalJSON(a) === canonicalJSON(b), without building the strings. */
export function deepEqual(a: unknown, b: unknown): boolean {
  return jsonEqual(a, b);
}
