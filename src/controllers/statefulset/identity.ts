/**
 * StatefulSet pod identity (stateful_set_utils.go), pure: ordinal names "<set>-<i>", the
 * hostname/subdomain that give each pod a stable DNS name through the governing Service, the
 * pod-name and pod-index labels, and the revision label that tells updated pods from old ones.
 */
import type { Pod, StatefulSet } from '../../api/types.js';
import { computeHash } from '../deployment/hash.js';
import { newControllerRef, podFromTemplate } from '../replicaset/pods.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

/** The ordinal of a pod named "<set>-<i>", or undefined for any other name. */
export function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/**
 * The update revision's name. Kubernetes names ControllerRevisions "<set>-<hash>" with the hash of
 * the template patch; kemu has no ControllerRevision objects and hashes the template itself.
 */
export function updateRevision(set: StatefulSet): string {
  // status.collisionCount is 0 once status has been written; 0 and unset must hash alike, or the
  // first status write would look like a template change.
  const collisions = (set.status?.collisionCount as number | undefined) || undefined;
  return `${set.metadata.name}-${computeHash(set.spec.template, collisions)}`;
}

export function newStatefulPod(set: StatefulSet, ordinal: number, revision: string): Pod {
  const name = `${set.metadata.name}-${ordinal}`;
  const pod = podFromTemplate(set.spec.template, set.metadata.namespace ?? 'default', newControllerRef(set), { name });
  pod.metadata.labels = {
    ...pod.metadata.labels,
    [POD_NAME_LABEL]: name,
    [POD_INDEX_LABEL]: String(ordinal),
    [REVISION_LABEL]: revision,
  };
  pod.spec.hostname = name;
  if (set.spec.serviceName) pod.spec.subdomain = set.spec.serviceName;
  return pod;
}

export function revisionOf(pod: Pod): string | undefined {
  return pod.metadata.labels?.[REVISION_LABEL];
}
