/**
 * Building a Deployment's new ReplicaSet (getNewReplicaSet's object), pure: named
 * "<deploy>-<pod-template-hash>", with the hash added to the template labels and the selector so
 * ReplicaSets of different revisions never select each other's pods.
 */
import type { Deployment, ReplicaSet } from '../../api/types.js';
import { newControllerRef } from '../replicaset/pods.js';
import { computeHash, POD_TEMPLATE_HASH } from './hash.js';
import { newRSNewReplicas } from './rolling.js';
import { setNewReplicaSetAnnotations } from './util.js';
import { deepCopy } from '../../api/store/freeze.js';

export function buildNewReplicaSet(d: Deployment, oldRSs: ReplicaSet[], revision: number): ReplicaSet {
  const template = deepCopy(d.spec.template);
  const hash = computeHash(template, d.status?.collisionCount as number | undefined);
  const labels = { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
  template.metadata = { ...(template.metadata ?? {}), labels };
  const selector = deepCopy(d.spec.selector);
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...labels },
      ownerReferences: [newControllerRef(d)],
    },
    spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
  };
  rs.spec.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, revision, false);
  return rs;
}
