/**
 * DaemonSet placement (pkg/controller/daemon/util and NodeShouldRunDaemonPod), pure: which nodes
 * should run a daemon pod, the tolerations every daemon pod gets, and how a pod is pinned to its
 * node through required node affinity on metadata.name (the scheduler then binds it there).
 */
import type { DaemonSet, Node, Pod, Toleration } from '../../api/types.js';
import { findUntoleratedTaint, matchesNodeSelectorAndAffinity, TAINT_UNSCHEDULABLE } from '../scheduler/filters.js';
import { newControllerRef, podFromTemplate, generateNamePrefix } from '../replicaset/pods.js';
import { deepCopy } from '../../api/store/freeze.js';

export const REVISION_LABEL = 'controller-revision-hash';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

/** The tolerations AddOrUpdateDaemonPodTolerations gives every daemon pod (no tolerationSeconds: forever). */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t = (key: string, effect: 'NoSchedule' | 'NoExecute'): Toleration => ({ key, operator: 'Exists', effect });
  const out = [
    t('node.kubernetes.io/not-ready', 'NoExecute'),
    t('node.kubernetes.io/unreachable', 'NoExecute'),
    t('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    t('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    t('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    t(TAINT_UNSCHEDULABLE, 'NoSchedule'),
  ];
  if (hostNetwork) out.push(t('node.kubernetes.io/network-unavailable', 'NoSchedule'));
  return out;
}

/** AddOrUpdateTolerationInPodSpec: a toleration equal in key, operator, value and effect is replaced. */
export function addOrUpdateTolerations(existing: Toleration[] | undefined, add: Toleration[]): Toleration[] {
  const out = [...(existing ?? [])];
  const same = (a: Toleration, b: Toleration) =>
    (a.key ?? '') === (b.key ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
  for (const t of add) {
    const i = out.findIndex((e) => same(e, t));
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/** The daemon pod for the DaemonSet as it would be created (NewPod), before pinning to a node. */
export function templatePod(ds: DaemonSet): Pod {
  const pod = podFromTemplate(ds.spec.template, ds.metadata.namespace ?? 'default', newControllerRef(ds), {
    generateName: generateNamePrefix(ds.metadata.name ?? ''),
  });
  pod.spec.tolerations = addOrUpdateTolerations(pod.spec.tolerations, daemonTolerations(pod.spec.hostNetwork === true));
  return pod;
}

/**
 * NodeShouldRunDaemonPod: [shouldRun, shouldContinueRunning]. Node name and node affinity/selector
 * must match; an untolerated NoSchedule taint stops new pods while existing ones stay, an
 * untolerated NoExecute taint removes them too. Resources are the scheduler's business.
 */
export function nodeShouldRunDaemonPod(node: Node, pod: Pod): [boolean, boolean] {
  const wanted = pod.spec.nodeName;
  if (wanted && wanted !== node.metadata.name) return [false, false];
  if (!matchesNodeSelectorAndAffinity(pod, node)) return [false, false];
  const taints = node.spec?.taints;
  if (!findUntoleratedTaint(taints, pod.spec.tolerations, ['NoSchedule', 'NoExecute'])) return [true, true];
  return [false, !findUntoleratedTaint(taints, pod.spec.tolerations, ['NoExecute'])];
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes the single term
 * "metadata.name In [node]" (the DaemonSet controller already checked the user's terms).
 */
export function pinToNode(pod: Pod, nodeName: string, hash: string, generation: number | undefined): Pod {
  const out = deepCopy(pod);
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const affinity = (out.spec.affinity ??= {});
  const nodeAffinity = (affinity.nodeAffinity ??= {});
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  out.metadata.labels = { ...(out.metadata.labels ?? {}), [REVISION_LABEL]: hash };
  if (generation !== undefined) out.metadata.labels[TEMPLATE_GENERATION_LABEL] = String(generation);
  return out;
}

/** GetTargetNodeName: spec.nodeName, or the node an unscheduled daemon pod is pinned to. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In') return f.values?.length === 1 ? f.values[0] : undefined;
    }
  }
  return undefined;
}

/** podByCreationTimestampAndPhase: scheduled first, then oldest, then by name. */
export function byCreationAndPhase(a: Pod, b: Pod): number {
  if (!!a.spec.nodeName !== !!b.spec.nodeName) return a.spec.nodeName ? -1 : 1;
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}
