/**
 * Shared indexes on the pods informer, so a sync looks at the pods that can matter to it instead of
 * every pod in the namespace: by controlling owner UID, by "namespace|label=value", by node. Each
 * controller calls ensurePodIndexes() on the (shared) pods informer; adding an index twice is free.
 */
import type { Informer } from '../api/client/informer.js';
import type { KubeObject, LabelSelector, Pod } from '../api/types.js';
import { selectorFromSet } from '../api/selectors/index.js';

export const POD_BY_CONTROLLER = 'pod-controller-uid';
export const POD_BY_LABEL = 'pod-label';
export const POD_BY_NODE = 'pod-node';

export function ensurePodIndexes(pods: Informer<Pod>): void {
  pods.addIndex(POD_BY_CONTROLLER, (p) => {
    const ref = p.metadata.ownerReferences?.find((o) => o.controller);
    return ref ? [ref.uid] : [];
  });
  pods.addIndex(POD_BY_LABEL, (p) => Object.entries(p.metadata.labels ?? {}).map(([k, v]) => `${p.metadata.namespace}|${k}=${v}`));
  pods.addIndex(POD_BY_NODE, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
}

/**
 * The same owner and label indexes for any owned kind (ReplicaSets under Deployments): what a
 * controller must consider when claiming — what it owns, and what its selector's first label adopts.
 */
export const OBJ_BY_CONTROLLER = 'obj-controller-uid';
export const OBJ_BY_LABEL = 'obj-label';

export function ensureOwnedIndexes<T extends KubeObject>(inf: Informer<T>): void {
  inf.addIndex(OBJ_BY_CONTROLLER, (o) => {
    const ref = o.metadata.ownerReferences?.find((r) => r.controller);
    return ref ? [ref.uid] : [];
  });
  inf.addIndex(OBJ_BY_LABEL, (o) => Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${o.metadata.namespace}|${k}=${v}`));
}

export function claimCandidates<T extends KubeObject>(inf: Informer<T>, namespace: string, owner: KubeObject, selector: LabelSelector | undefined): T[] {
  const first = selector?.matchLabels ? Object.entries(selector.matchLabels)[0] : undefined;
  if (!first) return inf.listNamespace(namespace);
  const out = new Map<string, T>();
  for (const o of inf.byIndex(OBJ_BY_LABEL, `${namespace}|${first[0]}=${first[1]}`)) out.set(o.metadata.name!, o);
  if (owner.metadata.uid) for (const o of inf.byIndex(OBJ_BY_CONTROLLER, owner.metadata.uid)) if (o.metadata.namespace === namespace) out.set(o.metadata.name!, o);
  return [...out.values()];
}

/**
 * Pods of `namespace` that a selector given as matchLabels could match: those carrying the first
 * label pair, or the whole namespace for an empty selector. Callers still apply the full selector.
 */
export function podCandidatesForLabels(pods: Informer<Pod>, namespace: string, matchLabels: Record<string, string> | undefined): Pod[] {
  const first = matchLabels ? Object.entries(matchLabels)[0] : undefined;
  if (!first) return pods.listNamespace(namespace);
  return pods.byIndex(POD_BY_LABEL, `${namespace}|${first[0]}=${first[1]}`);
}

/** Pods a Service selects, found through the label index. */
export function podsSelectedBy(pods: Informer<Pod>, namespace: string, selector: Record<string, string>): Pod[] {
  const sel = selectorFromSet(selector);
  return podCandidatesForLabels(pods, namespace, selector).filter((p) => sel.matches(p.metadata.labels));
}

/**
 * What a controller with this selector and UID must consider when claiming pods: the pods it owns
 * (to release those that no longer match) and those its selector's first label could adopt.
 */
export function podClaimCandidates(pods: Informer<Pod>, namespace: string, ownerUid: string | undefined, matchLabels: Record<string, string> | undefined, hasExpressionsOnly: boolean): Pod[] {
  if (hasExpressionsOnly) return pods.listNamespace(namespace);
  const out = new Map<string, Pod>();
  for (const p of podCandidatesForLabels(pods, namespace, matchLabels)) out.set(p.metadata.name!, p);
  if (ownerUid) for (const p of pods.byIndex(POD_BY_CONTROLLER, ownerUid)) if (p.metadata.namespace === namespace) out.set(p.metadata.name!, p);
  return [...out.values()];
}
