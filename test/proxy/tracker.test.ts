import { expect } from 'chai';
import { EndpointsChangeTracker } from '../../src/proxy/tracker/endpoints.js';
import { ServiceChangeTracker, serviceToServiceMap } from '../../src/proxy/tracker/service.js';
import type { Service } from '../../src/api/types.js';
import { ep, service, slice, withEndpoints } from './fixtures.js';

const web = (patch: Partial<Service['spec']> = {}) =>
  service('default', 'web', { clusterIP: '10.96.0.5', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...patch });

describe('proxy/ServiceChangeTracker', () => {
  it('merges a burst of updates into one change from the applied state to the latest', () => {
    const t = new ServiceChangeTracker();
    const v1 = web();
    expect(t.update(undefined, v1)).to.equal(true);
    const v2 = web({ ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
    const v3 = web({ ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] });
    t.update(v1, v2);
    t.update(v2, v3);
    expect(t.pending()).to.equal(1);
    const r = t.apply();
    expect([...r.updatedServices]).to.deep.equal(['default/web']);
    expect([...r.changedPorts].sort()).to.deep.equal(['default/web:dns/UDP', 'default/web:http/TCP']);
    expect(r.serviceMap.get('default/web:http/TCP')?.port).to.equal(8080);
    expect(t.pending()).to.equal(0);
  });

  it('forgets a burst that returns to the applied state', () => {
    const t = new ServiceChangeTracker();
    const v1 = web();
    t.update(undefined, v1);
    t.apply();
    const v2 = web({ ports: [{ name: 'http', port: 81, protocol: 'TCP' }] });
    expect(t.update(v1, v2)).to.equal(true);
    const v3 = { ...web(), metadata: { ...v1.metadata, resourceVersion: '999' } }; // only metadata differs
    expect(t.update(v2, v3)).to.equal(false);
    expect(t.apply().updatedServices.size).to.equal(0);
  });

  it('deletes, and reports UDP ClusterIPs whose ports went away', () => {
    const t = new ServiceChangeTracker();
    const dns = service('kube-system', 'kube-dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
    t.update(undefined, dns);
    t.apply();
    t.update(dns, undefined);
    const r = t.apply();
    expect(r.serviceMap.size).to.equal(0);
    expect([...r.deletedUDPClusterIPs]).to.deep.equal(['10.96.0.10']);
  });

  it('adds then deletes within one burst: nothing to do', () => {
    const t = new ServiceChangeTracker();
    const v = web();
    t.update(undefined, v);
    expect(t.update(v, undefined)).to.equal(false);
  });

  it('skips headless, ExternalName and other proxies\' services', () => {
    expect(serviceToServiceMap(service('d', 'h', { clusterIP: 'None', ports: [{ port: 80 }] })).size).to.equal(0);
    expect(serviceToServiceMap(service('d', 'x', { type: 'ExternalName', externalName: 'example.com' })).size).to.equal(0);
    const other = web();
    other.metadata.labels = { 'service.kubernetes.io/service-proxy-name': 'cilium' };
    expect(serviceToServiceMap(other).size).to.equal(0);
  });

  it('reads affinity, policies, load balancer VIPs and the health check port as kube-proxy does', () => {
    const lb = service('d', 'lb', {
      type: 'LoadBalancer', clusterIP: '10.96.0.9', ports: [{ port: 80, nodePort: 30001 }], externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32000, sessionAffinity: 'ClientIP', externalIPs: ['1.2.3.4', 'fd00::1'], loadBalancerSourceRanges: ['10.1.2.3/8'],
    }, { loadBalancer: { ingress: [{ ip: '5.6.7.8' }, { ip: '5.6.7.9', ipMode: 'Proxy' } as { ip: string }, { hostname: 'lb.example' }] } });
    const info = serviceToServiceMap(lb).get('d/lb/TCP')!;
    expect(info).to.deep.include({
      nodePort: 30001, externalPolicyLocal: true, internalPolicyLocal: false, healthCheckNodePort: 32000, sessionAffinity: 'ClientIP',
      stickyMaxAgeSeconds: 10800,
    });
    expect(info.externalIPs).to.deep.equal(['1.2.3.4']);
    expect(info.loadBalancerVIPs).to.deep.equal(['5.6.7.8']);
    expect(info.loadBalancerSourceRanges).to.deep.equal(['10.0.0.0/8']);
    // externalTrafficPolicy only means something for externally reachable services.
    const plain = serviceToServiceMap(web({ externalTrafficPolicy: 'Local' })).get('default/web:http/TCP')!;
    expect([plain.externalPolicyLocal, plain.healthCheckNodePort]).to.deep.equal([false, 0]);
  });
});

describe('proxy/EndpointsChangeTracker', () => {
  const ports = [{ name: 'http', port: 8080 }];

  it('merges a burst of slice updates and rebuilds only that service', () => {
    const t = new EndpointsChangeTracker('worker-1');
    const a1 = slice('default', 'web', 'web-a', [ep('10.244.1.5', 'worker-1')], ports);
    const other = slice('default', 'api', 'api-a', [ep('10.244.9.9')], ports);
    t.endpointSliceUpdate(a1, false);
    t.endpointSliceUpdate(other, false);
    t.apply();
    const a2 = withEndpoints(a1, [ep('10.244.1.5', 'worker-1'), ep('10.244.2.6', 'worker-2')]);
    const a3 = withEndpoints(a1, [ep('10.244.3.7', 'worker-3'), ep('10.244.2.6', 'worker-2')]);
    expect(t.endpointSliceUpdate(a2, false)).to.equal(true);
    expect(t.endpointSliceUpdate(a3, false)).to.equal(true);
    expect(t.pending()).to.equal(1);
    const r = t.apply();
    expect([...r.updatedServices]).to.deep.equal(['default/web']);
    expect(r.endpointsMap.get('default/web:http/TCP')!.map((e) => e.endpoint)).to.deep.equal(['10.244.2.6:8080', '10.244.3.7:8080']);
    expect(r.endpointsMap.get('default/api:http/TCP')!.map((e) => e.endpoint)).to.deep.equal(['10.244.9.9:8080']);
  });

  it('unions a service\'s slices, sorted by endpoint, preferring a non-terminating duplicate', () => {
    const t = new EndpointsChangeTracker('worker-1');
    t.endpointSliceUpdate(slice('default', 'web', 'web-b', [ep('10.244.2.6', 'worker-2', { ready: false, serving: true, terminating: true })], ports), false);
    t.endpointSliceUpdate(slice('default', 'web', 'web-a', [ep('10.244.10.1', 'worker-1'), ep('10.244.2.6', 'worker-2')], ports), false);
    const eps = t.apply().endpointsMap.get('default/web:http/TCP')!;
    expect(eps.map((e) => [e.endpoint, e.isLocal, e.ready])).to.deep.equal([
      ['10.244.10.1:8080', true, true],
      ['10.244.2.6:8080', false, true],
    ]);
  });

  it('removes the endpoints of a deleted slice, and the port once no slice is left', () => {
    const t = new EndpointsChangeTracker('worker-1');
    const a = slice('default', 'web', 'web-a', [ep('10.244.1.5')], ports);
    const b = slice('default', 'web', 'web-b', [ep('10.244.2.6')], ports);
    t.endpointSliceUpdate(a, false);
    t.endpointSliceUpdate(b, false);
    t.apply();
    t.endpointSliceUpdate(a, true);
    expect(t.apply().endpointsMap.get('default/web:http/TCP')!.map((e) => e.ip)).to.deep.equal(['10.244.2.6']);
    t.endpointSliceUpdate(b, true);
    const r = t.apply();
    expect(r.endpointsMap.has('default/web:http/TCP')).to.equal(false);
    expect([...r.changedPorts]).to.deep.equal(['default/web:http/TCP']);
  });

  it('says nothing changed for a re-delivered slice or the delete of an unknown one', () => {
    const t = new EndpointsChangeTracker('worker-1');
    const a = slice('default', 'web', 'web-a', [ep('10.244.1.5')], ports);
    t.endpointSliceUpdate(a, false);
    t.apply();
    expect(t.endpointSliceUpdate(a, false)).to.equal(false);
    expect(t.endpointSliceUpdate(slice('default', 'web', 'web-z', [], ports), true)).to.equal(false);
  });

  it('ignores FQDN slices, slices without a service label, and headless services\' slices', () => {
    const t = new EndpointsChangeTracker('worker-1');
    const fqdn = { ...slice('default', 'web', 'web-f', [ep('10.244.1.5')], ports), addressType: 'FQDN' as const };
    const unlabelled = slice('default', 'web', 'web-u', [ep('10.244.1.5')], ports);
    unlabelled.metadata.labels = {};
    const headless = slice('default', 'web', 'web-h', [ep('10.244.1.5')], ports);
    headless.metadata.labels!['service.kubernetes.io/headless'] = '';
    expect([fqdn, unlabelled, headless].map((s) => t.endpointSliceUpdate(s, false))).to.deep.equal([false, false, false]);
  });

  it('reports UDP endpoints that stopped serving (their conntrack entries are stale)', () => {
    const t = new EndpointsChangeTracker('worker-1');
    const udp = [{ name: 'dns', port: 53, protocol: 'UDP' as const }];
    const s1 = slice('kube-system', 'kube-dns', 'dns-a', [ep('10.244.1.2'), ep('10.244.2.2')], udp);
    t.endpointSliceUpdate(s1, false);
    t.apply();
    t.endpointSliceUpdate(withEndpoints(s1, [ep('10.244.2.2'), ep('10.244.1.2', undefined, { ready: false, serving: false })]), false);
    expect(t.apply().deletedUDPEndpoints).to.deep.equal([{ servicePort: 'kube-system/kube-dns:dns/UDP', endpoint: '10.244.1.2:53' }]);
  });
});
