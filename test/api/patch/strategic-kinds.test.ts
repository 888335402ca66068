/** Strategic merge patch beyond Deployments: pod-spec lists, cordon, taints, heartbeats, Service ports, status lists. */
import { expect } from 'chai';
import { applyPatch, applyStrategicMergePatch } from '../../../src/api/patch/index.js';
import { deepFreeze, snapshot } from './deep-freeze.js';
import {
  debug,
  deployment,
  node,
  order,
  pod,
  runCases,
  service,
  templateSpec,
  type Case,
  type Obj,
} from './strategic-fixtures.js';

const cases: Case[] = [
  {
    name: '$retainKeys in a list item: a volume switched from emptyDir to hostPath',
    kind: 'Pod',
    target: pod({ containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'data', emptyDir: {} }, { name: 'tmp', emptyDir: {} }] }),
    patch: {
      spec: {
        '$setElementOrder/volumes': order('data', 'tmp'),
        volumes: [{ $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv', type: '' }, name: 'data' }],
      },
    },
    expected: pod({ containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'data', hostPath: { path: '/srv', type: '' } }, { name: 'tmp', emptyDir: {} }] }),
  },
  {
    name: 'env merges by name and volumeMounts by mountPath',
    kind: 'Pod',
    target: pod({
      containers: [
        {
          name: 'c',
          env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'cfg', mountPath: '/etc/cfg' }],
        },
      ],
    }),
    patch: {
      spec: {
        containers: [
          {
            name: 'c',
            '$setElementOrder/env': order('A', 'B', 'C'),
            env: [{ name: 'B', value: '20' }, { name: 'C', value: '3' }],
            volumeMounts: [{ mountPath: '/data', readOnly: true }],
          },
        ],
      },
    },
    expected: pod({
      containers: [
        {
          name: 'c',
          env: [{ name: 'A', value: '1' }, { name: 'B', value: '20' }, { name: 'C', value: '3' }],
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }, { name: 'cfg', mountPath: '/etc/cfg' }],
        },
      ],
    }),
  },
  {
    name: 'imagePullSecrets merge by name',
    kind: 'Pod',
    target: pod({ containers: [], imagePullSecrets: [{ name: 'a' }] }),
    patch: { spec: { imagePullSecrets: [{ name: 'b' }] } },
    expected: pod({ containers: [], imagePullSecrets: [{ name: 'b' }, { name: 'a' }] }),
  },
  {
    name: 'ownerReferences merge by uid',
    kind: 'Pod',
    target: {
      ...pod({ containers: [] }),
      metadata: { name: 'web-1', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs-a', uid: 'u-a', controller: true }] },
    },
    patch: { metadata: { ownerReferences: [{ uid: 'u-a', controller: null, blockOwnerDeletion: true }] } },
    expected: {
      ...pod({ containers: [] }),
      metadata: { name: 'web-1', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs-a', uid: 'u-a', blockOwnerDeletion: true }] },
    },
  },
  {
    name: 'kubectl cordon: {"spec":{"unschedulable":true}}',
    kind: 'Node',
    target: node(),
    patch: { spec: { unschedulable: true } },
    expected: node({ unschedulable: true }),
  },
  {
    name: 'kubectl uncordon: {"spec":{"unschedulable":null}}',
    kind: 'Node',
    target: node({ unschedulable: true }),
    patch: { spec: { unschedulable: null } },
    expected: node(),
  },
  {
    name: 'kubectl taint: taints have no patch strategy, the whole list is replaced',
    kind: 'Node',
    target: node({ taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }),
    patch: { spec: { taints: [{ effect: 'NoExecute', key: 'dedicated', value: 'net' }] } },
    expected: node({ taints: [{ effect: 'NoExecute', key: 'dedicated', value: 'net' }] }),
  },
  {
    name: 'node heartbeat: conditions merge by type and keep their order',
    kind: 'Node',
    target: node(),
    patch: {
      status: {
        '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }],
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 'T2', reason: 'KubeletReady' }],
      },
    },
    expected: node(
      {},
      {
        conditions: [
          { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: 'T1' },
          { type: 'Ready', status: 'True', lastHeartbeatTime: 'T2', reason: 'KubeletReady' },
        ],
      },
    ),
  },
  {
    name: 'node addresses merge by type',
    kind: 'Node',
    target: node(),
    patch: { status: { addresses: [{ type: 'InternalIP', address: '172.18.0.9' }] } },
    expected: node({}, { addresses: [{ type: 'InternalIP', address: '172.18.0.9' }, { type: 'Hostname', address: 'worker-1' }] }),
  },
  {
    name: 'node podCIDRs merge as a set',
    kind: 'Node',
    target: node(),
    patch: { spec: { podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] } },
    expected: node({ podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] }),
  },
  {
    name: 'service ports merge by port',
    kind: 'Service',
    target: service([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }]),
    patch: { spec: { '$setElementOrder/ports': [{ port: 80 }, { port: 443 }], ports: [{ name: 'https', port: 443, targetPort: 8443 }] } },
    expected: service([
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 },
      { name: 'https', port: 443, targetPort: 8443 },
    ]),
  },
  {
    name: 'service ports: one removed with $patch: delete',
    kind: 'Service',
    target: service([{ name: 'http', port: 80 }, { name: 'https', port: 443 }]),
    patch: { spec: { '$setElementOrder/ports': [{ port: 443 }], ports: [{ $patch: 'delete', port: 80 }] } },
    expected: service([{ name: 'https', port: 443 }]),
  },
  {
    name: 'Endpoints subsets have no patch strategy: replaced',
    kind: 'Endpoints',
    target: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 8080 }] }] },
    patch: { subsets: [{ addresses: [{ ip: '10.244.2.7' }], ports: [{ port: 8080 }] }] },
    expected: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '10.244.2.7' }], ports: [{ port: 8080 }] }] },
  },
  {
    name: 'pod status: conditions merge by type, podIPs by ip',
    kind: 'Pod',
    target: pod({ containers: [] }, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] }),
    patch: {
      status: {
        phase: 'Running',
        podIP: '10.244.1.5',
        podIPs: [{ ip: '10.244.1.5' }],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    },
    expected: pod(
      { containers: [] },
      { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] },
    ),
  },
  {
    name: 'deployment status: conditions merge by type',
    kind: 'Deployment',
    target: deployment(),
    patch: { status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } },
    expected: {
      ...deployment(),
      status: { replicas: 3, conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] },
    },
  },
  {
    name: 'a map replaced by a scalar and a scalar by a map',
    kind: 'ConfigMap',
    target: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' }, x: 'scalar' },
    patch: { data: 'flat', x: { now: 'a map', gone: null } },
    expected: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: 'flat', x: { now: 'a map' } },
  },
];

describe('strategic merge patch: nodes, services, pods and status', () => {
  runCases(cases);

  it('is reachable through applyPatch by content type', () => {
    const out = applyPatch('application/strategic-merge-patch+json; charset=utf-8', deepFreeze(node()), { spec: { unschedulable: true } }, 'Node');
    expect(out).to.deep.equal(node({ unschedulable: true }));
  });
});

describe('strategic merge patch: purity', () => {
  it('shares no structure with its inputs', () => {
    const target = deployment();
    const patch = templateSpec({ containers: [debug] });
    const before = [snapshot(target), snapshot(patch)];
    const out = applyStrategicMergePatch(target, patch, 'Deployment') as Obj;
    out.spec.template.spec.containers[0].image = 'changed';
    out.spec.template.spec.containers[1].ports.push({ containerPort: 1 });
    out.metadata.labels.app = 'changed';
    expect([target, patch]).to.deep.equal(before);
  });
});

