/** The objects the DNS tests create through the API: every kind of name the plugin answers. */
import { slice, svc } from './fixture.js';

export const NS = 'testns';
const Z = 'cluster.local';

export const OBJECTS = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  svc('svc1', NS, { clusterIP: '10.96.0.100', ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] }),
  slice('svc1-abc', NS, 'svc1', [{ ip: '10.244.4.4' }], [{ name: 'http', port: 8080 }]),
  svc('svc-noname', NS, { clusterIP: '10.96.0.101', ports: [{ port: 8080 }] }),
  svc('hdls1', NS, { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
  slice('hdls1-abc', NS, 'hdls1', [
    { ip: '10.244.1.10', ready: true },
    { ip: '10.244.1.11', ready: true, hostname: 'db-0' },
    { ip: '10.244.1.12', ready: false },
    { ip: '10.244.1.13' },
  ], [{ name: 'http', port: 80 }]),
  svc('hdls-empty', NS, { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
  slice('hdls-empty-abc', NS, 'hdls-empty', [{ ip: '10.244.1.20', ready: false }], [{ name: 'http', port: 80 }]),
  svc('hdls-none', NS, { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
  svc('hdls-noports', NS, { clusterIP: 'None' }),
  slice('hdls-noports-abc', NS, 'hdls-noports', [{ ip: '10.244.1.30' }], []),
  svc('web', NS, { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
  slice('web-abc', NS, 'web', [
    { ip: '10.244.2.10', hostname: 'web-0', pod: 'web-0' },
    { ip: '10.244.2.11', hostname: 'web-1', pod: 'web-1' },
  ], [{ name: 'http', port: 80 }]),
  svc('hdls6', NS, { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
  slice('hdls6-abc', NS, 'hdls6', [{ ip: 'fd00::5', hostname: 'v6-0' }], [{ name: 'http', port: 80 }], 'IPv6'),
  svc('ext', NS, { type: 'ExternalName', externalName: 'example.com' }),
  svc('ext-in', NS, { type: 'ExternalName', externalName: `svc1.${NS}.svc.${Z}` }),
  svc('ext-ip', NS, { type: 'ExternalName', externalName: '1.2.3.4' }),
  // 30 ready endpoints: more A records than fit in 512 bytes.
  svc('big', NS, { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
  slice('big-abc', NS, 'big', Array.from({ length: 30 }, (_, i) => ({ ip: `10.244.5.${i + 1}` })), [{ name: 'http', port: 80 }]),
  svc('kube-dns', 'kube-system', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
  slice('kube-dns-abc', 'kube-system', 'kube-dns', [{ ip: '10.244.0.5' }], [{ name: 'dns', port: 53, protocol: 'UDP' }]),
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p1', namespace: NS },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] },
    status: { podIP: '10.244.3.7', podIPs: [{ ip: '10.244.3.7' }] },
  },
];
