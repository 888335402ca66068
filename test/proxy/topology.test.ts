import { expect } from 'chai';
import { categorizeEndpoints } from '../../src/proxy/topology.js';
import type { EndpointInfo, ServicePortInfo } from '../../src/proxy/types.js';

const svc = (patch: Partial<ServicePortInfo> = {}): ServicePortInfo => ({
  name: { namespace: 'd', name: 's', port: 'p', protocol: 'TCP' }, clusterIP: '10.96.0.5', port: 80, protocol: 'TCP', nodePort: 0,
  externalIPs: [], loadBalancerVIPs: [], loadBalancerSourceRanges: [], sessionAffinity: 'None', stickyMaxAgeSeconds: 0,
  externalPolicyLocal: false, internalPolicyLocal: false, healthCheckNodePort: 0, hintsAnnotation: '', ...patch,
});

/** "ip[,local][,notready][,terminating][,notserving]" */
function e(spec: string): EndpointInfo {
  const [ip, ...flags] = spec.split(',');
  const ready = !flags.includes('notready') && !flags.includes('terminating');
  return {
    ip: ip!, port: 80, endpoint: `${ip}:80`, isLocal: flags.includes('local'), ready, serving: !flags.includes('notserving'),
    terminating: flags.includes('terminating'), zoneHints: [],
  };
}

const ips = (list: readonly EndpointInfo[]): string[] => list.map((x) => x.ip);

describe('proxy/categorizeEndpoints', () => {
  const cases: Array<{ name: string; svc: ServicePortInfo; eps: string[]; cluster: string[]; local: string[]; all: string[]; any: boolean }> = [
    { name: 'Cluster policy: every ready endpoint', svc: svc(), eps: ['10.0.0.1,local', '10.0.0.2', '10.0.0.3,notready'],
      cluster: ['10.0.0.1', '10.0.0.2'], local: [], all: ['10.0.0.1', '10.0.0.2'], any: true },
    { name: 'no ready endpoint: serving terminating ones', svc: svc(), eps: ['10.0.0.1,terminating', '10.0.0.2,terminating,notserving'],
      cluster: ['10.0.0.1'], local: [], all: ['10.0.0.1'], any: true },
    { name: 'nothing serving at all', svc: svc(), eps: ['10.0.0.1,terminating,notserving', '10.0.0.2,notready,notserving'],
      cluster: [], local: [], all: [], any: false },
    { name: 'internalTrafficPolicy Local: this node only', svc: svc({ internalPolicyLocal: true }), eps: ['10.0.0.1,local', '10.0.0.2'],
      cluster: [], local: ['10.0.0.1'], all: ['10.0.0.1'], any: true },
    { name: 'internalTrafficPolicy Local, none here: endpoints exist elsewhere', svc: svc({ internalPolicyLocal: true }), eps: ['10.0.0.2'],
      cluster: [], local: [], all: [], any: true },
    { name: 'externalTrafficPolicy Local: both lists (Cluster for short-circuited pod traffic)',
      svc: svc({ nodePort: 30000, externalPolicyLocal: true }), eps: ['10.0.0.1,local', '10.0.0.2'],
      cluster: ['10.0.0.1', '10.0.0.2'], local: ['10.0.0.1'], all: ['10.0.0.1', '10.0.0.2'], any: true },
    { name: 'Local policy, only a terminating local endpoint: joins the reachable set',
      svc: svc({ nodePort: 30000, externalPolicyLocal: true }), eps: ['10.0.0.1,local,terminating', '10.0.0.2'],
      cluster: ['10.0.0.2'], local: ['10.0.0.1'], all: ['10.0.0.1', '10.0.0.2'], any: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = categorizeEndpoints(c.eps.map(e), c.svc);
      expect({ cluster: ips(r.clusterEndpoints), local: ips(r.localEndpoints), all: ips(r.allReachableEndpoints), any: r.hasAnyEndpoints })
        .to.deep.equal({ cluster: c.cluster, local: c.local, all: c.all, any: c.any });
    });
  }
});
