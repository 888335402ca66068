import { expect } from 'chai';
import { desiredEndpoints, newSlice, podToEndpoint } from '../../../src/controllers/endpointslice/compute.js';
import type { Pod, Service } from '../../../src/api/types.js';
import { node, pod, ref, svc } from '../endpoints/fixtures.js';

const nodes = { 'node-a': node('node-a', 'zone-1'), 'node-b': node('node-b') } as Record<string, ReturnType<typeof node>>;
const lookup = (n: string) => nodes[n];

describe('endpointslice compute: podToEndpoint conditions', () => {
  const table: { name: string; pod: Pod; service?: Service; want: { ready: boolean; serving: boolean; terminating: boolean } }[] = [
    { name: 'ready pod', pod: pod('a'), want: { ready: true, serving: true, terminating: false } },
    { name: 'not-ready pod', pod: pod('a', { ready: false }), want: { ready: false, serving: false, terminating: false } },
    { name: 'terminating ready pod keeps serving', pod: pod('a', { deleting: true }), want: { ready: false, serving: true, terminating: true } },
    { name: 'terminating not-ready pod', pod: pod('a', { deleting: true, ready: false }), want: { ready: false, serving: false, terminating: true } },
    {
      name: 'publishNotReadyAddresses makes every endpoint ready',
      pod: pod('a', { deleting: true, ready: false }),
      service: svc('web', { publishNotReadyAddresses: true }),
      want: { ready: true, serving: false, terminating: true },
    },
  ];
  for (const c of table) {
    it(c.name, () => {
      expect(podToEndpoint(c.pod, nodes['node-a'], c.service ?? svc('web'), '10.244.1.2').conditions).to.deep.equal(c.want);
    });
  }
});

describe('endpointslice compute: desiredEndpoints', () => {
  const ready = { ready: true, serving: true, terminating: false };

  it('builds endpoints with nodeName, zone, hostname and targetRef, ordered by IP', () => {
    const service = svc('web', { clusterIP: 'None' });
    const pods = [
      pod('b', { ip: '10.244.2.10', node: 'node-b' }),
      pod('a', { ip: '10.244.1.9', hostname: 'a0', subdomain: 'web' }),
    ];
    const { groups, missingNodes } = desiredEndpoints(service, pods, lookup);
    expect(missingNodes).to.deep.equal([]);
    expect(groups).to.have.length(1);
    expect(groups[0]!.ports).to.deep.equal([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect([...groups[0]!.endpoints.values()]).to.deep.equal([
      { addresses: ['10.244.1.9'], conditions: ready, hostname: 'a0', targetRef: ref('a'), nodeName: 'node-a', zone: 'zone-1' },
      { addresses: ['10.244.2.10'], conditions: ready, targetRef: ref('b'), nodeName: 'node-b' },
    ]);
  });

  it('groups pods by the ports their named targetPort resolves to', () => {
    const service = svc('web', { ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }] });
    const pods = [
      pod('a', { ip: '10.244.1.2', ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }] }),
      pod('b', { ip: '10.244.1.3', ports: [{ name: 'web', containerPort: 9090, protocol: 'TCP' }] }),
      pod('c', { ip: '10.244.1.4' }),
    ];
    const { groups } = desiredEndpoints(service, pods, lookup);
    expect(groups.map((g) => [g.ports, [...g.endpoints.values()].map((e) => e.targetRef?.name)])).to.deep.equal([
      [[{ name: 'http', port: 8080, protocol: 'TCP' }], ['a']],
      [[{ name: 'http', port: 9090, protocol: 'TCP' }], ['b']],
      [[], ['c']],
    ]);
  });

  it('keeps terminating pods, drops terminal and IP-less ones', () => {
    const pods = [pod('a', { deleting: true }), pod('b', { phase: 'Succeeded', ip: '10.244.1.3' }), pod('c', { ip: '' })];
    const { groups } = desiredEndpoints(svc('web'), pods, lookup);
    expect([...groups[0]!.endpoints.values()].map((e) => [e.targetRef?.name, e.conditions])).to.deep.equal([
      ['a', { ready: false, serving: true, terminating: true }],
    ]);
  });

  it('skips pods whose Node is unknown, unless not-ready addresses are published', () => {
    const pods = [pod('a', { node: 'node-x' })];
    expect(desiredEndpoints(svc('web'), pods, lookup)).to.deep.equal({ groups: [], missingNodes: ['default/a'] });
    const published = desiredEndpoints(svc('web', { publishNotReadyAddresses: true }), pods, lookup);
    expect([...published.groups[0]!.endpoints.values()][0]).to.deep.equal({
      addresses: ['10.244.1.2'],
      conditions: ready,
      targetRef: ref('a'),
      nodeName: 'node-x',
    });
  });
});

describe('endpointslice compute: newSlice', () => {
  it('carries the labels, generateName and controller ownerReference Kubernetes sets', () => {
    const s = newSlice(svc('web', { labels: { tier: 'front', 'kubernetes.io/service-name': 'spoof' }, clusterIP: 'None' }), [
      { name: 'http', port: 8080, protocol: 'TCP' },
    ]);
    expect(s).to.deep.equal({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        generateName: 'web-',
        namespace: 'default',
        labels: {
          tier: 'front',
          'service.kubernetes.io/headless': '',
          'kubernetes.io/service-name': 'web',
          'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-svc-web', controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      endpoints: [],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  });
});
