import { expect } from 'chai';
import { ANNOTATION_OVER_CAPACITY, desiredSubsets, planEndpoints } from '../../../src/controllers/endpoints/compute.js';
import type { Endpoints, Pod, Service } from '../../../src/api/types.js';
import { pod, ref, svc } from './fixtures.js';

const addr = (name: string, ip: string, extra: Record<string, unknown> = {}) => ({ ip, nodeName: 'node-a', targetRef: ref(name), ...extra });
const http = { name: 'http', port: 8080, protocol: 'TCP' };
const named = (name: string, containerPort: number, protocol: 'TCP' | 'UDP' = 'TCP') => ({ name, containerPort, protocol });

interface Case {
  name: string;
  service: Service;
  pods: Pod[];
  want: unknown[];
}

const cases: Case[] = [
  {
    name: 'ready and not-ready pods split into addresses and notReadyAddresses',
    service: svc('web'),
    pods: [pod('a', { ip: '10.244.1.2' }), pod('b', { ip: '10.244.1.3', ready: false })],
    want: [{ addresses: [addr('a', '10.244.1.2')], notReadyAddresses: [addr('b', '10.244.1.3')], ports: [http] }],
  },
  {
    name: 'pods without an IP are skipped',
    service: svc('web'),
    pods: [pod('a', { ip: '' }), pod('b', { ip: '10.244.1.3' })],
    want: [{ addresses: [addr('b', '10.244.1.3')], ports: [http] }],
  },
  {
    name: 'terminating pods leave Endpoints',
    service: svc('web'),
    pods: [pod('a', { ip: '10.244.1.2', deleting: true }), pod('b', { ip: '10.244.1.3' })],
    want: [{ addresses: [addr('b', '10.244.1.3')], ports: [http] }],
  },
  {
    name: 'terminal pods leave Endpoints',
    service: svc('web'),
    pods: [pod('a', { ip: '10.244.1.2', phase: 'Succeeded' }), pod('b', { ip: '10.244.1.3', phase: 'Failed' })],
    want: [],
  },
  {
    name: 'publishNotReadyAddresses lists not-ready and terminating pods as ready',
    service: svc('web', { publishNotReadyAddresses: true }),
    pods: [pod('a', { ip: '10.244.1.2', ready: false }), pod('b', { ip: '10.244.1.3', deleting: true })],
    want: [{ addresses: [addr('a', '10.244.1.2'), addr('b', '10.244.1.3')], ports: [http] }],
  },
  {
    name: 'a named targetPort resolves per pod, giving one subset per port number',
    service: svc('web', { ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }] }),
    pods: [pod('a', { ip: '10.244.1.2', ports: [named('web', 8080)] }), pod('b', { ip: '10.244.1.3', ports: [named('web', 9090)] })],
    want: [
      { addresses: [addr('a', '10.244.1.2')], ports: [http] },
      { addresses: [addr('b', '10.244.1.3')], ports: [{ ...http, port: 9090 }] },
    ],
  },
  {
    name: 'a pod lacking a named port is left out for that port only',
    service: svc('web', {
      ports: [
        { name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' },
        { name: 'metrics', port: 9100, targetPort: 9100, protocol: 'TCP' },
      ],
    }),
    pods: [pod('a', { ip: '10.244.1.2', ports: [named('web', 8080)] }), pod('b', { ip: '10.244.1.3' })],
    want: [
      { addresses: [addr('a', '10.244.1.2')], ports: [http] },
      { addresses: [addr('a', '10.244.1.2'), addr('b', '10.244.1.3')], ports: [{ name: 'metrics', port: 9100, protocol: 'TCP' }] },
    ],
  },
  {
    name: 'a named port must match the protocol too',
    service: svc('dns', { selector: { app: 'web' }, ports: [{ name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' }] }),
    pods: [pod('a', { ip: '10.244.1.2', ports: [named('dns', 5353, 'TCP')] }), pod('b', { ip: '10.244.1.3', ports: [named('dns', 53, 'UDP')] })],
    want: [{ addresses: [addr('b', '10.244.1.3')], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }],
  },
  {
    name: 'ports served by the same pods share a subset, in service order',
    service: svc('web', {
      ports: [
        { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      ],
    }),
    pods: [pod('a', { ip: '10.244.1.2' })],
    want: [{ addresses: [addr('a', '10.244.1.2')], ports: [{ name: 'https', port: 8443, protocol: 'TCP' }, http] }],
  },
  {
    name: 'hostname only when the pod subdomain names the service',
    service: svc('web', { clusterIP: 'None' }),
    pods: [pod('a', { ip: '10.244.1.2', hostname: 'a0', subdomain: 'web' }), pod('b', { ip: '10.244.1.3', hostname: 'b0', subdomain: 'other' })],
    want: [{ addresses: [addr('a', '10.244.1.2', { hostname: 'a0' }), addr('b', '10.244.1.3')], ports: [http] }],
  },
  {
    name: 'a headless service without ports gets a port-less subset',
    service: svc('web', { clusterIP: 'None', ports: [] }),
    pods: [pod('a', { ip: '10.244.1.2' }), pod('b', { ip: '10.244.1.3', ready: false })],
    want: [{ addresses: [addr('a', '10.244.1.2')], notReadyAddresses: [addr('b', '10.244.1.3')] }],
  },
  {
    name: 'a non-headless service without ports has no endpoints',
    service: svc('web', { ports: [] }),
    pods: [pod('a', { ip: '10.244.1.2' })],
    want: [],
  },
  {
    name: 'addresses sort as Kubernetes sorts them: IP strings, byte by byte',
    service: svc('web'),
    pods: [pod('a', { ip: '10.244.1.9' }), pod('b', { ip: '10.244.1.10' })],
    want: [{ addresses: [addr('b', '10.244.1.10'), addr('a', '10.244.1.9')], ports: [http] }],
  },
];

describe('endpoints compute: desiredSubsets', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(desiredSubsets(c.service, c.pods)).to.deep.equal(c.want);
    });
  }
});

describe('endpoints compute: planEndpoints', () => {
  const service = svc('web', { labels: { tier: 'front' } });
  const pods = [pod('a', { ip: '10.244.1.2' })];

  it('creates the Endpoints with the service labels when none exist', () => {
    expect(planEndpoints(service, pods, undefined)).to.deep.equal({
      action: 'create',
      endpoints: {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'web', namespace: 'default', labels: { tier: 'front' } },
        subsets: [{ addresses: [addr('a', '10.244.1.2')], ports: [http] }],
      },
    });
  });

  it('writes nothing when the stored Endpoints already match', () => {
    const plan = planEndpoints(service, pods, undefined);
    if (plan.action !== 'create') throw new Error('expected create');
    const stored: Endpoints = { ...plan.endpoints, metadata: { ...plan.endpoints.metadata, resourceVersion: '7', uid: 'x' } };
    expect(planEndpoints(service, pods, stored)).to.deep.equal({ action: 'none' });
  });

  it('updates (keeping metadata) when the labels or subsets change', () => {
    const stored: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default', resourceVersion: '7', labels: { tier: 'back' } },
      subsets: [{ addresses: [addr('a', '10.244.1.2')], ports: [http] }],
    };
    const plan = planEndpoints(service, pods, stored);
    expect(plan.action).to.equal('update');
    if (plan.action === 'update') expect(plan.endpoints.metadata).to.deep.equal({ ...stored.metadata, labels: { tier: 'front' } });
  });

  it('marks headless services with the headless label, ignored when comparing', () => {
    const headless = svc('web', { clusterIP: 'None' });
    const plan = planEndpoints(headless, pods, undefined);
    if (plan.action !== 'create') throw new Error('expected create');
    expect(plan.endpoints.metadata.labels).to.deep.equal({ 'service.kubernetes.io/headless': '' });
    expect(planEndpoints(headless, pods, plan.endpoints)).to.deep.equal({ action: 'none' });
  });

  it('truncates beyond 1000 addresses and says so in an annotation', () => {
    const many = Array.from({ length: 1005 }, (_, i) => pod(`p${i}`, { ip: `10.244.${Math.floor(i / 250)}.${(i % 250) + 2}` }));
    const plan = planEndpoints(svc('web'), many, undefined);
    if (plan.action !== 'create') throw new Error('expected create');
    expect(plan.endpoints.metadata.annotations).to.deep.equal({ [ANNOTATION_OVER_CAPACITY]: 'truncated' });
    expect(plan.endpoints.subsets![0]!.addresses).to.have.length(1000);
    expect(planEndpoints(svc('web'), many, plan.endpoints)).to.deep.equal({ action: 'none' });
  });
});
