import { expect } from 'chai';
import type { KubeObject } from '../../../src/api/types.js';
import { ago, cells, D, H, headers, M } from './fixtures.js';

const template = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'netexec', image: 'registry.k8s.io/e2e-test-images/agnhost:2.47' },
      { name: 'sidecar', image: 'busybox:1.36' },
    ],
  },
};
const images = 'registry.k8s.io/e2e-test-images/agnhost:2.47,busybox:1.36';

function apps(kind: string, spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject {
  return { apiVersion: 'apps/v1', kind, metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(2 * D) }, spec: { template, ...spec }, status };
}

describe('table: apps/v1 workloads', () => {
  it('has the kubectl columns', () => {
    expect(headers('deployments', true)).to.equal('NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR');
    expect(headers('deployments', false)).to.equal('NAME READY UP-TO-DATE AVAILABLE AGE');
    expect(headers('replicasets', true)).to.equal('NAME DESIRED CURRENT READY AGE CONTAINERS IMAGES SELECTOR');
    expect(headers('statefulsets', true)).to.equal('NAME READY AGE CONTAINERS IMAGES');
    expect(headers('daemonsets', false)).to.equal('NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE');
    expect(headers('daemonsets', true)).to.equal('NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE CONTAINERS IMAGES SELECTOR');
  });

  const cases: { name: string; plural: string; obj: KubeObject; want: unknown[] }[] = [
    {
      name: 'a deployment 3/3',
      plural: 'deployments',
      obj: apps('Deployment', { replicas: 3, selector: { matchLabels: { app: 'web' } } }, { replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 }),
      want: ['web', '3/3', 3, 3, '2d', 'netexec,sidecar', images, 'app=web'],
    },
    {
      name: 'a deployment mid-rollout with an expression selector',
      plural: 'deployments',
      obj: apps(
        'Deployment',
        { replicas: 4, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'api'] }, { key: 'canary', operator: 'DoesNotExist' }] } },
        { replicas: 5, readyReplicas: 2, updatedReplicas: 1 },
      ),
      want: ['web', '2/4', 1, 0, '2d', 'netexec,sidecar', images, 'app=web,!canary,tier in (api,front)'],
    },
    {
      name: 'a deployment with an unusable selector',
      plural: 'deployments',
      obj: apps('Deployment', { replicas: 1, selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }, {}),
      want: ['web', '0/1', 0, 0, '2d', 'netexec,sidecar', images, '<invalid>'],
    },
    {
      name: 'a replicaset',
      plural: 'replicasets',
      obj: apps('ReplicaSet', { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d4b9c8f6' } } }, { replicas: 3, readyReplicas: 2 }),
      want: ['web', 3, 3, 2, '2d', 'netexec,sidecar', images, 'app=web,pod-template-hash=7d4b9c8f6'],
    },
    {
      name: 'a replicaset with an empty selector',
      plural: 'replicasets',
      obj: apps('ReplicaSet', { replicas: 0, selector: {} }, {}),
      want: ['web', 0, 0, 0, '2d', 'netexec,sidecar', images, '<none>'],
    },
    {
      name: 'a statefulset',
      plural: 'statefulsets',
      obj: apps('StatefulSet', { replicas: 3, serviceName: 'web' }, { replicas: 2, readyReplicas: 1 }),
      want: ['web', '1/3', '2d', 'netexec,sidecar', images],
    },
    {
      name: 'a daemonset restricted to Linux nodes',
      plural: 'daemonsets',
      obj: apps(
        'DaemonSet',
        { selector: { matchLabels: { app: 'web' } }, template: { ...template, spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
        { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
      ),
      want: ['web', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '2d', 'netexec,sidecar', images, 'app=web'],
    },
    {
      name: 'a daemonset with no status yet and no node selector',
      plural: 'daemonsets',
      obj: apps('DaemonSet', { selector: { matchLabels: { app: 'web' } } }, {}),
      want: ['web', 0, 0, 0, 0, 0, '<none>', '2d', 'netexec,sidecar', images, 'app=web'],
    },
  ];
  for (const c of cases) it(c.name, () => expect(cells(c.plural, c.obj)).to.deep.equal(c.want));
});

describe('table: namespaces, configmaps, leases, events', () => {
  it('has the kubectl columns', () => {
    expect(headers('namespaces', true)).to.equal('NAME STATUS AGE');
    expect(headers('configmaps', true)).to.equal('NAME DATA AGE');
    expect(headers('leases', true)).to.equal('NAME HOLDER AGE');
    expect(headers('events', false)).to.equal('LAST SEEN TYPE REASON OBJECT MESSAGE');
    expect(headers('events', true)).to.equal('LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME');
  });

  const meta = (name: string, age: number): KubeObject['metadata'] => ({ name, creationTimestamp: ago(age) });
  const cases: { name: string; plural: string; obj: KubeObject; want: unknown[] }[] = [
    {
      name: 'an active namespace',
      plural: 'namespaces',
      obj: { apiVersion: 'v1', kind: 'Namespace', metadata: meta('kube-system', 9 * D), status: { phase: 'Active' } },
      want: ['kube-system', 'Active', '9d'],
    },
    {
      name: 'a configmap counts data and binaryData keys',
      plural: 'configmaps',
      obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('kube-root-ca.crt', 9 * D), data: { 'ca.crt': '...' }, binaryData: { blob: 'AA==' } },
      want: ['kube-root-ca.crt', 2, '9d'],
    },
    {
      name: 'an empty configmap',
      plural: 'configmaps',
      obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('empty', 30 * 1000) },
      want: ['empty', 0, '30s'],
    },
    {
      name: 'a node lease',
      plural: 'leases',
      obj: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta('worker-1', 9 * D), spec: { holderIdentity: 'worker-1', leaseDurationSeconds: 40 } },
      want: ['worker-1', 'worker-1', '9d'],
    },
    {
      name: 'a lease without holder',
      plural: 'leases',
      obj: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta('free', 5 * H), spec: {} },
      want: ['free', '', '5h'],
    },
    {
      name: 'a repeated core/v1 event',
      plural: 'events',
      obj: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: meta('web-7d4b9c8f6-x2k9p.17f3a', 10 * M),
        involvedObject: { kind: 'Pod', name: 'web-7d4b9c8f6-x2k9p', namespace: 'default', fieldPath: 'spec.containers{netexec}' },
        reason: 'BackOff',
        message: 'Back-off restarting failed container netexec\n',
        type: 'Warning',
        source: { component: 'kubelet', host: 'worker-1' },
        count: 7,
        firstTimestamp: ago(10 * M),
        lastTimestamp: ago(30 * 1000),
      },
      want: ['30s', 'Warning', 'BackOff', 'pod/web-7d4b9c8f6-x2k9p', 'spec.containers{netexec}', 'kubelet, worker-1', 'Back-off restarting failed container netexec', '10m', 7, 'web-7d4b9c8f6-x2k9p.17f3a'],
    },
    {
      name: 'an events.k8s.io-style event with eventTime and series',
      plural: 'events',
      obj: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: meta('default-scheduler.1', 5 * M),
        involvedObject: { kind: 'Pod', name: 'web-0' },
        reason: 'Scheduled',
        message: 'Successfully assigned default/web-0 to worker-2',
        type: 'Normal',
        source: {},
        reportingComponent: 'default-scheduler',
        reportingInstance: '',
        eventTime: new Date(Date.parse(ago(5 * M))).toISOString(),
        firstTimestamp: null,
        lastTimestamp: null,
        series: { count: 3, lastObservedTime: new Date(Date.parse(ago(M))).toISOString() },
      } as unknown as KubeObject,
      want: ['60s', 'Normal', 'Scheduled', 'pod/web-0', '', 'default-scheduler', 'Successfully assigned default/web-0 to worker-2', '5m', 3, 'default-scheduler.1'],
    },
    {
      name: 'a singleton event about a kind without a name',
      plural: 'events',
      obj: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: meta('e', M),
        involvedObject: { kind: 'Node' },
        reason: 'Starting',
        type: 'Normal',
        firstTimestamp: ago(M),
      },
      want: ['60s', 'Normal', 'Starting', 'node', '', '', '', '60s', 1, 'e'],
    },
  ];
  for (const c of cases) it(c.name, () => expect(cells(c.plural, c.obj)).to.deep.equal(c.want));
});
