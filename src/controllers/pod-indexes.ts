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
  pods.addIndex(POD_BY_CONTROLLER, controllerIndexValues);
  pods.addIndex(POD_BY_LABEL, labelIndexValues);
  pods.addIndex(POD_BY_NODE, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : NONE));
}

const NONE: string[] = [];

/**
 * Index values depend only on the labels (and namespace) or the owner references, which status
 * writes leave as the same frozen objects: they are worked out once per such object, not once per
 * pod event (the informer compares them with the values it filed the pod under).
 */
const labelValues = new WeakMap<object, { namespace: string | undefined; values: string[] }>();
const controllerValues = new WeakMap<object, string[]>();

function labelIndexValues(o: KubeObject): string[] {
  const labels = o.metadata.labels;
  if (!labels) return NONE;
  const namespace = o.metadata.namespace;
  const hit = labelValues.get(labels);
  if (hit && hit.namespace === namespace) return hit.values;
  const values = Object.entries(labels).map(([k, v]) => `${namespace}|${k}=${v}`);
  if (Object.isFrozen(labels)) labelValues.set(labels, { namespace, values });
  return values;
}

function controllerIndexValues(o: KubeObject): string[] {
  const refs = o.metadata.ownerReferences;
  if (!refs) return NONE;
  const hit = controllerValues.get(refs);
  if (hit) return hit;
  const ref = refs.find((r) => r.controller);
  const values = ref ? [ref.uid] : NONE;
  if (Object.isFrozen(refs) && (!ref || Object.isFrozen(ref))) controllerValues.set(refs, values);
  return values;
}

/**
 * The same owner and label indexes for any owned kind (ReplicaSets under Deployments): what a
 * controller must consider when claiming — what it owns, and what its selector's first label adopts.
 */
export const OBJ_BY_CONTROLLER = 'obj-controller-uid';
export const OBJ_BY_LABEL = 'obj-label';

export function ensureOwnedIndexes<T extends KubeObject>(inf: Informer<T>): void {
  inf.addIndex(OBJ_BY_CONTROLLER, controllerIndexValues);
  inf.addIndex(OBJ_BY_LABEL, labelIndexValues);
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
