/** Pure Deployment and ReplicaSet values for the planner tables. */
import type { Deployment, ReplicaSet } from '../../../src/api/types.js';

export function deployment(replicas: number, maxSurge: number | string, maxUnavailable: number | string, o: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } },
      ...o,
    },
  };
}

export function rs(name: string, replicas: number, available: number, created: number, annotations: Record<string, string> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: name, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, created)).toISOString(), annotations },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [] } } },
    status: { replicas, availableReplicas: available },
  };
}
