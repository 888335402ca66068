import { expect } from 'chai';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import type { KubeObject } from '../../../src/api/types.js';
import { obj } from './fixtures.js';

const svc = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject =>
  obj('v1', 'Service', 'web', status ? { spec, status } : { spec });

describe('defaults: Service', () => {
  const cases: { name: string; spec: Record<string, unknown>; status?: Record<string, unknown>; want: Record<string, unknown>; wantStatus?: unknown }[] = [
    {
      name: 'ClusterIP by default, single-stack IPv4, targetPort = port',
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
      want: {
        selector: { app: 'web' },
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        type: 'ClusterIP',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'NodePort: externalTrafficPolicy Cluster, named targetPort kept, clusterIPs from clusterIP',
      spec: { type: 'NodePort', clusterIP: '10.96.0.20', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }, { port: 53, protocol: 'UDP', targetPort: 0 }] },
      want: {
        type: 'NodePort',
        clusterIP: '10.96.0.20',
        clusterIPs: ['10.96.0.20'],
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP' },
          { port: 53, protocol: 'UDP', targetPort: 53 },
        ],
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'LoadBalancer: node ports allocated by default, ingress IPs in VIP mode',
      spec: { type: 'LoadBalancer', ports: [{ port: 443, targetPort: 8443 }], externalTrafficPolicy: 'Local' },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }, { hostname: 'lb.example' }] } },
      want: {
        type: 'LoadBalancer',
        ports: [{ port: 443, targetPort: 8443, protocol: 'TCP' }],
        externalTrafficPolicy: 'Local',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
        allocateLoadBalancerNodePorts: true,
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
      wantStatus: { loadBalancer: { ingress: [{ ip: '192.0.2.10', ipMode: 'VIP' }, { hostname: 'lb.example' }] } },
    },
    {
      name: 'ClusterIP with externalIPs is externally accessible',
      spec: { externalIPs: ['192.0.2.1'], ports: [{ port: 80 }] },
      want: {
        externalIPs: ['192.0.2.1'],
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        type: 'ClusterIP',
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'ClientIP affinity gets the 3-hour timeout',
      spec: { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] },
      want: {
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'affinity None drops a stray sessionAffinityConfig',
      spec: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } },
      want: { sessionAffinity: 'None', type: 'ClusterIP', internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] },
    },
    {
      name: 'headless with a selector stays single-stack',
      spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] },
      want: {
        clusterIP: 'None',
        clusterIPs: ['None'],
        selector: { app: 'db' },
        ports: [{ port: 5432, protocol: 'TCP', targetPort: 5432 }],
        type: 'ClusterIP',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
    },
    {
      name: 'headless without a selector defaults to RequireDualStack with both families',
      spec: { clusterIP: 'None' },
      want: {
        clusterIP: 'None',
        clusterIPs: ['None'],
        type: 'ClusterIP',
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'RequireDualStack',
        ipFamilies: ['IPv4', 'IPv6'],
      },
    },
    {
      name: 'ExternalName gets no traffic policy and no IP families',
      spec: { type: 'ExternalName', externalName: 'example.com' },
      want: { type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = applyDefaults(svc(c.spec, c.status));
      expect(out.spec).to.deep.equal(c.want);
      if (c.wantStatus) expect(out.status).to.deep.equal(c.wantStatus);
    });
  }
});
