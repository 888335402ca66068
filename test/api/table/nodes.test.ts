import { expect } from 'chai';
import type { Node } from '../../../src/api/types.js';
import { ago, cells, D, H, headers } from './fixtures.js';

function node(name: string, opts: { labels?: Record<string, string>; ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean; age?: number; info?: boolean } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, creationTimestamp: ago(opts.age ?? 5 * D + 3 * H), labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: { podCIDR: '10.244.0.0/24', ...(opts.unschedulable ? { unschedulable: true } : {}) },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        ...(opts.ready ? [{ type: 'Ready', status: opts.ready, reason: 'KubeletReady' }] : []),
      ],
      addresses: [
        { type: 'InternalIP', address: '172.18.0.2' },
        { type: 'Hostname', address: name },
      ],
      ...(opts.info === false
        ? {}
        : { nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-kemu', containerRuntimeVersion: 'kemu://0.1.0' } }),
    },
  };
}

describe('table: nodes', () => {
  it('has the kubectl columns', () => {
    expect(headers('nodes', false)).to.equal('NAME STATUS ROLES AGE VERSION');
    expect(headers('nodes', true)).to.equal('NAME STATUS ROLES AGE VERSION INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME');
  });

  const wideTail = ['172.18.0.2', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-kemu', 'kemu://0.1.0'];
  const cases: { name: string; node: Node; want: unknown[] }[] = [
    {
      name: 'a Ready control-plane node',
      node: node('control-plane', { ready: 'True', labels: { 'node-role.kubernetes.io/control-plane': '' } }),
      want: ['control-plane', 'Ready', 'control-plane', '5d3h', 'v1.32.0', ...wideTail],
    },
    {
      name: 'a cordoned worker',
      node: node('worker-1', { ready: 'True', unschedulable: true, age: 40 * H }),
      want: ['worker-1', 'Ready,SchedulingDisabled', '<none>', '40h', 'v1.32.0', ...wideTail],
    },
    {
      name: 'a node whose kubelet stopped posting status',
      node: node('worker-2', { ready: 'Unknown' }),
      want: ['worker-2', 'NotReady', '<none>', '5d3h', 'v1.32.0', ...wideTail],
    },
    {
      name: 'a not-ready node',
      node: node('worker-3', { ready: 'False' }),
      want: ['worker-3', 'NotReady', '<none>', '5d3h', 'v1.32.0', ...wideTail],
    },
    {
      name: 'a node that never reported Ready, cordoned, without node info',
      node: node('fresh', { unschedulable: true, info: false, age: 4000 }),
      want: ['fresh', 'Unknown,SchedulingDisabled', '<none>', '4s', '', '172.18.0.2', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    },
    {
      name: 'roles sorted and de-duplicated, legacy kubernetes.io/role included',
      node: node('edge', { ready: 'True', labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/infra': 'true', 'kubernetes.io/role': 'ingress', 'node-role.kubernetes.io/': 'x' } }),
      want: ['edge', 'Ready', 'infra,ingress,worker', '5d3h', 'v1.32.0', ...wideTail],
    },
  ];
  for (const c of cases) it(c.name, () => expect(cells('nodes', c.node)).to.deep.equal(c.want));

  it('shows the first external IP', () => {
    const n = node('public', { ready: 'True' });
    n.status!.addresses!.push({ type: 'ExternalIP', address: '203.0.113.7' }, { type: 'ExternalIP', address: '203.0.113.8' });
    expect(cells('nodes', n)[6]).to.equal('203.0.113.7');
  });
});
