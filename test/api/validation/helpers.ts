/** Valid objects of every kind, and a deep "set" to derive invalid ones from them. */
import type { KubeObject } from '../../../src/api/types.js';

/** Returns a copy of `obj` with `path` ("spec.ports[0].port") set; undefined deletes the field. */
export function set(obj: KubeObject, path: string, value: unknown): KubeObject {
  const copy = structuredClone(obj) as unknown as Record<string, unknown>;
  const segs = path.match(/[^.[\]]+/g)!;
  let cur: any = copy;
  for (const s of segs.slice(0, -1)) {
    const k = /^\d+$/.test(s) ? Number(s) : s;
    cur[k] ??= {};
    cur = cur[k];
  }
  const last = segs[segs.length - 1]!;
  const k = /^\d+$/.test(last) ? Number(last) : last;
  if (value === undefined) delete cur[k];
  else cur[k] = value;
  return copy as unknown as KubeObject;
}

const container = { name: 'app', image: 'registry.k8s.io/e2e-test-images/agnhost:2.47', ports: [{ name: 'http', containerPort: 8080 }] };
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } };

export const VALID: Record<string, KubeObject> = {
  Pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'default' }, spec: { containers: [container] } },
  Service: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  },
  Deployment: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
  },
  ReplicaSet: {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-abc', namespace: 'default' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template },
  },
  StatefulSet: {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default' },
    spec: { serviceName: 'db', replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
  },
  DaemonSet: {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'kube-system' },
    spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, template },
  },
  EndpointSlice: {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-x1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'worker-1' }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  },
  Endpoints: {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '10.244.1.5', nodeName: 'worker-1' }], ports: [{ name: 'http', port: 8080 }] }],
  },
  Namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
  ConfigMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { 'app.conf': 'x=1' } },
  Node: {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'worker-1', labels: { 'kubernetes.io/hostname': 'worker-1' } },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
  },
  Lease: {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'worker-1', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'worker-1', leaseDurationSeconds: 40 },
  },
  Event: {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web-0.17a', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'default' },
    reason: 'Scheduled',
  },
};
