import { expect } from 'chai';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import type { KubeObject } from '../../../src/api/types.js';
import { deepFreeze } from './fixtures.js';

describe('defaults: core and discovery kinds', () => {
  const cases: { name: string; input: KubeObject; want: KubeObject }[] = [
    {
      name: 'Namespace: Active, labelled with its own name',
      input: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { env: 'dev' } } },
      want: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { env: 'dev', 'kubernetes.io/metadata.name': 'team-a' } }, status: { phase: 'Active' } },
    },
    {
      name: 'Namespace: the name label cannot be spoofed; a Terminating phase is kept',
      input: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b', labels: { 'kubernetes.io/metadata.name': 'x' } }, status: { phase: 'Terminating' } },
      want: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b', labels: { 'kubernetes.io/metadata.name': 'b' } }, status: { phase: 'Terminating' } },
    },
    {
      name: 'Namespace: generateName only, no name label yet',
      input: { apiVersion: 'v1', kind: 'Namespace', metadata: { generateName: 'tmp-' } },
      want: { apiVersion: 'v1', kind: 'Namespace', metadata: { generateName: 'tmp-' }, status: { phase: 'Active' } },
    },
    {
      name: 'Node: allocatable defaults to capacity',
      input: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-1' }, spec: {}, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } },
      want: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'worker-1' },
        spec: {},
        status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
      },
    },
    {
      name: 'Node: reported allocatable kept; nothing else defaulted',
      input: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.244.1.0/24' }, status: { capacity: { cpu: '4' }, allocatable: { cpu: '3800m' } } },
      want: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.244.1.0/24' }, status: { capacity: { cpu: '4' }, allocatable: { cpu: '3800m' } } },
    },
    {
      name: 'Endpoints: port protocol TCP',
      input: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '10.244.1.2' }], ports: [{ port: 8080 }, { port: 53, protocol: 'UDP' }] }] },
      want: {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'web' },
        subsets: [{ addresses: [{ ip: '10.244.1.2' }], ports: [{ port: 8080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }],
      },
    },
    {
      name: 'EndpointSlice: port name "" and protocol TCP, conditions always present',
      input: {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'web-abc12' },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.244.1.2'] }, { addresses: ['10.244.2.3'], conditions: { ready: false } }],
        ports: [{ port: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }],
      },
      want: {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'web-abc12' },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.244.1.2'], conditions: {} }, { addresses: ['10.244.2.3'], conditions: { ready: false } }],
        ports: [{ port: 8080, name: '', protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }],
      },
    },
    {
      name: 'ConfigMap, Event and Lease have no defaults',
      input: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } },
      want: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = deepFreeze(structuredClone(c.input));
      const out = applyDefaults(input);
      expect(out).to.deep.equal(c.want);
      expect(out).to.not.equal(input);
      expect(input).to.deep.equal(c.input);
    });
  }
});
