import { expect } from 'chai';
import type { KubeObject, Service } from '../../../src/api/types.js';
import { ago, cells, D, headers, M } from './fixtures.js';

function svc(name: string, spec: Service['spec'], status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', creationTimestamp: ago(10 * M) }, spec, ...(status ? { status } : {}) };
}

describe('table: services', () => {
  it('has the kubectl columns', () => {
    expect(headers('services', false)).to.equal('NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE');
    expect(headers('services', true)).to.equal('NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR');
  });

  const cases: { name: string; svc: Service; want: unknown[] }[] = [
    {
      name: 'a NodePort service',
      svc: svc('web', {
        type: 'NodePort',
        clusterIP: '10.96.12.34',
        clusterIPs: ['10.96.12.34'],
        selector: { tier: 'front', app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP' },
          { name: 'udp', port: 8081, targetPort: 8081, nodePort: 30081, protocol: 'UDP' },
        ],
      }),
      want: ['web', 'NodePort', '10.96.12.34', '<none>', '80:30080/TCP,8081:30081/UDP', '10m', 'app=web,tier=front'],
    },
    {
      name: 'a ClusterIP service with several protocols',
      svc: svc('kube-dns', {
        type: 'ClusterIP',
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10'],
        selector: { 'k8s-app': 'kube-dns' },
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
          { name: 'metrics', port: 9153, protocol: 'TCP' },
        ],
      }),
      want: ['kube-dns', 'ClusterIP', '10.96.0.10', '<none>', '53/UDP,53/TCP,9153/TCP', '10m', 'k8s-app=kube-dns'],
    },
    {
      name: 'a headless service',
      svc: svc('db', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' }, ports: [{ port: 5432, protocol: 'TCP' }] }),
      want: ['db', 'ClusterIP', 'None', '<none>', '5432/TCP', '10m', 'app=db'],
    },
    {
      name: 'a selectorless service with external IPs and no ports',
      svc: svc('ext', { type: 'ClusterIP', clusterIP: '10.96.1.1', clusterIPs: ['10.96.1.1'], externalIPs: ['192.0.2.1', '192.0.2.2'] }),
      want: ['ext', 'ClusterIP', '10.96.1.1', '192.0.2.1,192.0.2.2', '<none>', '10m', '<none>'],
    },
    {
      name: 'a LoadBalancer still waiting for its address',
      svc: svc('lb', { type: 'LoadBalancer', clusterIP: '10.96.3.3', clusterIPs: ['10.96.3.3'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] }),
      want: ['lb', 'LoadBalancer', '10.96.3.3', '<pending>', '443:31443/TCP', '10m', '<none>'],
    },
    {
      name: 'a LoadBalancer with ingress addresses (sorted, unique) and external IPs',
      svc: svc(
        'lb2',
        { type: 'LoadBalancer', clusterIP: '10.96.3.4', clusterIPs: ['10.96.3.4'], externalIPs: ['192.0.2.9'], ports: [{ port: 80, nodePort: 30000, protocol: 'TCP' }] },
        { loadBalancer: { ingress: [{ ip: '203.0.113.20' }, { hostname: 'a.example' }, { ip: '203.0.113.10' }, { ip: '203.0.113.10' }] } },
      ),
      want: ['lb2', 'LoadBalancer', '10.96.3.4', '203.0.113.10,203.0.113.20,a.example,192.0.2.9', '80:30000/TCP', '10m', '<none>'],
    },
    {
      name: 'an ExternalName service',
      svc: svc('search', { type: 'ExternalName', externalName: 'search.example.com' }),
      want: ['search', 'ExternalName', '<none>', 'search.example.com', '<none>', '10m', '<none>'],
    },
  ];
  for (const c of cases) it(c.name, () => expect(cells('services', c.svc)).to.deep.equal(c.want));
});

describe('table: endpoints and endpointslices', () => {
  it('has the kubectl columns', () => {
    expect(headers('endpoints', true)).to.equal('NAME ENDPOINTS AGE');
    expect(headers('endpointslices', true)).to.equal('NAME ADDRESSTYPE PORTS ENDPOINTS AGE');
  });

  const ep = (subsets: unknown[] | undefined): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web', creationTimestamp: ago(2 * D) },
    ...(subsets ? { subsets } : {}),
  });
  const addrs = (...ips: string[]): { ip: string }[] => ips.map((ip) => ({ ip }));

  const cases: { name: string; ep: KubeObject; want: unknown[] }[] = [
    {
      name: 'more than three addresses',
      ep: ep([{ addresses: addrs('10.244.1.2', '10.244.1.3', '10.244.2.2', '10.244.2.3'), ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }]),
      want: ['web', '10.244.1.2:8080,10.244.1.3:8080,10.244.2.2:8080 + 1 more...', '2d'],
    },
    {
      name: 'exactly three',
      ep: ep([{ addresses: addrs('10.244.1.2', '10.244.1.3'), ports: [{ port: 8080 }] }, { addresses: addrs('10.244.2.2'), ports: [{ port: 8080 }] }]),
      want: ['web', '10.244.1.2:8080,10.244.1.3:8080,10.244.2.2:8080', '2d'],
    },
    {
      name: 'every address for every port; not-ready addresses are not listed',
      ep: ep([{ addresses: addrs('10.244.1.2', '10.244.1.3'), notReadyAddresses: addrs('10.244.9.9'), ports: [{ port: 8080 }, { port: 8081, protocol: 'UDP' }] }]),
      want: ['web', '10.244.1.2:8080,10.244.1.3:8080,10.244.1.2:8081 + 1 more...', '2d'],
    },
    { name: 'no subsets', ep: ep(undefined), want: ['web', '<none>', '2d'] },
    { name: 'subsets with only not-ready addresses', ep: ep([{ notReadyAddresses: addrs('10.244.9.9'), ports: [{ port: 80 }] }]), want: ['web', '', '2d'] },
    { name: 'a headless service without ports', ep: ep([{ addresses: addrs('10.244.1.2', 'fd00::2') }]), want: ['web', '10.244.1.2,fd00::2', '2d'] },
    { name: 'IPv6 addresses get brackets', ep: ep([{ addresses: addrs('fd00::2'), ports: [{ port: 80 }] }]), want: ['web', '[fd00::2]:80', '2d'] },
  ];
  for (const c of cases) it(`endpoints: ${c.name}`, () => expect(cells('endpoints', c.ep)).to.deep.equal(c.want));

  const slice = (ports: unknown, endpoints: unknown): KubeObject => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc12', creationTimestamp: ago(2 * D) },
    addressType: 'IPv4',
    ports,
    endpoints,
  });
  const sliceCases: { name: string; slice: KubeObject; want: unknown[] }[] = [
    {
      name: 'ports and addresses',
      slice: slice([{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'udp', port: 8081, protocol: 'UDP' }], [{ addresses: ['10.244.1.2'] }, { addresses: ['10.244.2.3'] }]),
      want: ['web-abc12', 'IPv4', '8080,8081', '10.244.1.2,10.244.2.3', '2d'],
    },
    {
      name: 'more than three endpoints',
      slice: slice([{ name: '', port: 80 }], [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }, { addresses: ['10.0.0.5'] }]),
      want: ['web-abc12', 'IPv4', '80', '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...', '2d'],
    },
    {
      name: 'a port without number shows its name, or * without either',
      slice: slice([{ name: 'all' }, {}], []),
      want: ['web-abc12', 'IPv4', 'all,*', '<unset>', '2d'],
    },
    { name: 'nothing at all', slice: slice(null, []), want: ['web-abc12', 'IPv4', '<unset>', '<unset>', '2d'] },
  ];
  for (const c of sliceCases) it(`endpointslices: ${c.name}`, () => expect(cells('endpointslices', c.slice)).to.deep.equal(c.want));
});
