/**
 * The DefaultTolerationSeconds admission plugin. It is admission, not defaulting: kube-apiserver runs
 * it only when a Pod is created (not on update, not for templates), so the API server calls it apart
 * from applyDefaults. It is why an evicted node's pods linger five minutes before the taint manager
 * deletes them.
 */
import type { Pod, Toleration } from '../types.js';
import { deepCopy } from '../store/freeze.js';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const DEFAULT_TOLERATION_SECONDS = 300;

/** Whether `t` already tolerates the NoExecute taint `key` (an empty key or effect matches all). */
function tolerates(t: Toleration, key: string): boolean {
  return (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect);
}

/**
 * Returns a new Pod whose tolerations also cover the not-ready and unreachable NoExecute taints for
 * `seconds`, unless the pod already tolerates them.
 */
export function addDefaultTolerations(pod: Pod, seconds: number = DEFAULT_TOLERATION_SECONDS): Pod {
  return addDefaultTolerationsInPlace(deepCopy(pod) as Pod, seconds);
}

/** The same on a pod the caller owns (the API server's per-request copy): no second copy. */
export function addDefaultTolerationsInPlace(pod: Pod, seconds: number = DEFAULT_TOLERATION_SECONDS): Pod {
  const existing = pod.spec?.tolerations ?? [];
  const added: Toleration[] = [];
  for (const key of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    if (!existing.some((t) => tolerates(t, key))) {
      added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
    }
  }
  if (added.length > 0) pod.spec.tolerations = [...existing, ...added];
  return pod;
}
