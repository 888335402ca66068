/**
 * Owner helpers every workload controller needs (client-go's resolveControllerRef and
 * "get the controllers whose selector matches this object").
 */
import type { Informer } from '../api/client/informer.js';
import { labelSelectorFromObject, type LabelMatcher } from '../api/selectors/index.js';
import type { KubeObject, LabelSelector } from '../api/types.js';
import { controllerRef } from './replicaset/pods.js';

type Selecting = KubeObject & { spec: { selector?: LabelSelector } };

/** The object's compiled selector; undefined for one the API server would not have accepted. */
export function selectorOf(obj: Selecting): LabelMatcher | undefined {
  try {
    return labelSelectorFromObject(obj.spec.selector);
  } catch {
    return undefined; // the API server validates selectors; a bad one selects nothing
  }
}

/** The controller of `obj` if it is a `kind` in the cache with the referenced UID (not a namesake). */
export function resolveControllerRef<T extends KubeObject>(owners: Informer<T>, obj: KubeObject, kind: string): T | undefined {
  const ref = controllerRef(obj);
  if (!ref || ref.kind !== kind) return undefined;
  const owner = owners.get(obj.metadata.namespace, ref.name);
  return owner?.metadata.uid === ref.uid ? owner : undefined;
}

/** Controllers in `obj`'s namespace whose selector matches its labels (candidates to adopt an orphan). */
export function ownersSelecting<T extends Selecting>(owners: Informer<T>, obj: KubeObject): T[] {
  return owners.listNamespace(obj.metadata.namespace ?? '').filter((o) => selectorOf(o)?.matches(obj.metadata.labels));
}
