/**
 * Taints the node lifecycle controller owns, and the toleration arithmetic of taint-based eviction,
 * pure. NoSchedule taints mirror node conditions (Ready False → not-ready, Unknown → unreachable,
 * pressure conditions, spec.unschedulable) and are applied at once; the NoExecute not-ready /
 * unreachable taints go through the zone's rate-limited queue and carry timeAdded.
 */
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../../api/defaults/tolerations.js';
import type { Node, Pod, Taint, Toleration } from '../../api/types.js';
import { rfc3339 } from '../../util/time.js';

export { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE };
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

export const UNREACHABLE_NO_EXECUTE: Taint = { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' };
export const NOT_READY_NO_EXECUTE: Taint = { key: TAINT_NODE_NOT_READY, effect: 'NoExecute' };

/** nodeConditionToTaintKeyStatusMap: condition type → status → NoSchedule taint key. */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: 'node.kubernetes.io/memory-pressure' },
  DiskPressure: { True: 'node.kubernetes.io/disk-pressure' },
  NetworkUnavailable: { True: 'node.kubernetes.io/network-unavailable' },
  PIDPressure: { True: 'node.kubernetes.io/pid-pressure' },
};
const OWNED_NO_SCHEDULE = new Set([TAINT_NODE_UNSCHEDULABLE, ...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m))]);

export function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function hasTaint(node: Node, t: Taint): boolean {
  return (node.spec?.taints ?? []).some((x) => sameTaint(x, t));
}

/** The taint list with `add` put in (replacing same key+effect, stamped with timeAdded) and `remove` taken out; undefined if unchanged. */
export function swapTaints(taints: readonly Taint[], add: readonly Taint[], remove: readonly Taint[], now: number): Taint[] | undefined {
  let changed = false;
  let out = taints.filter((t) => {
    const drop = remove.some((r) => sameTaint(r, t)) && !add.some((a) => sameTaint(a, t));
    if (drop) changed = true;
    return !drop;
  });
  for (const a of add) {
    if (out.some((t) => sameTaint(t, a) && (t.value ?? '') === (a.value ?? ''))) continue;
    out = out.filter((t) => !sameTaint(t, a));
    const stamped: Taint = { ...a };
    if (a.effect === 'NoExecute') stamped.timeAdded = rfc3339(now); // only NoExecute taints carry it
    out.push(stamped);
    changed = true;
  }
  return changed ? out : undefined;
}

/** doNoScheduleTaintingPass: the condition/unschedulable NoSchedule taints to add and remove. */
export function noScheduleDiff(node: Node): { add: Taint[]; remove: Taint[] } {
  const want: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) want.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) want.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  const have = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' && OWNED_NO_SCHEDULE.has(t.key));
  return {
    add: want.filter((w) => !have.some((h) => sameTaint(h, w))),
    remove: have.filter((h) => !want.some((w) => sameTaint(h, w))),
  };
}

/** v1helper ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

export type EvictionDecision = { kind: 'keep' } | { kind: 'now' } | { kind: 'at'; at: number };

/**
 * When a pod on a node with these taints must go. A NoExecute taint the pod does not tolerate
 * evicts it at once; tolerated ones evict it when the shortest tolerationSeconds has run,
 * counted from the taint's timeAdded (or `firstSeen(taint)` for a taint without one); tolerations
 * without tolerationSeconds tolerate forever.
 */
export function evictionDecision(
  pod: Pod,
  taints: readonly Taint[],
  firstSeen: (t: Taint) => number,
  /** How long one API second lasts on the controller's clock: 1000 ms, or less under timing.speed. */
  secondMs = 1000,
): EvictionDecision {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { kind: 'keep' };
  const tolerations = pod.spec?.tolerations ?? [];
  let at = Infinity;
  for (const taint of noExecute) {
    const used = tolerations.find((t) => tolerates(t, taint));
    if (!used) return { kind: 'now' };
    if (used.tolerationSeconds === undefined || used.tolerationSeconds === null) continue;
    const since = (taint.timeAdded && Date.parse(taint.timeAdded)) || firstSeen(taint);
    at = Math.min(at, since + Math.max(0, used.tolerationSeconds) * secondMs);
  }
  return at === Infinity ? { kind: 'keep' } : { kind: 'at', at };
}
