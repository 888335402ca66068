/**
 * A per-node kube-proxy wired as kemu wires it: shared informers on the in-process API client, the
 * proxier's runner on a FakeClock, rules loaded into the node's Netfilter ruleset.
 */
import { expect } from 'chai';
import { InformerFactory } from '../../src/api/client/factory.js';
import { Netfilter, save } from '../../src/dataplane/netfilter/index.js';
import { runProxyConfig } from '../../src/proxy/config.js';
import { IptablesProxier } from '../../src/proxy/iptables/proxier.js';
import { FakeClock } from '../../src/util/clock.js';
import type { Service } from '../../src/api/types.js';
import { type TestApi, startTestApi } from '../support/api.js';

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('proxy wired to informers', () => {
  let api: TestApi;
  let informers: InformerFactory;
  beforeEach(async () => (api = await startTestApi()));
  afterEach(async () => {
    informers?.stop();
    await api.close();
  });

  it('programs the apiserver Service, then follows a new Service and its EndpointSlice', async () => {
    const clock = new FakeClock();
    informers = new InformerFactory(api.client, clock);
    const nf = new Netfilter();
    const proxier = new IptablesProxier({ nodeName: 'worker-1', nodeIPs: ['172.18.0.11'], clusterCIDR: '10.244.0.0/16', ruleset: nf.ruleset, clock });
    const handle = runProxyConfig(proxier, informers);
    await handle.synced;
    clock.advance(0);
    // The bootstrap's `kubernetes` Service: the same chain name as on every real cluster.
    expect(save(nf.ruleset, { tables: ['nat'] })).to.include('-j KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(proxier.lastSync?.full).to.equal(true);

    const svc = await api.client.create<Service>('services', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
      spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] },
    });
    await api.client.create('endpointslices', {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      endpoints: [{ addresses: ['10.244.2.5'], conditions: { ready: true }, nodeName: 'worker-2' }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    await settle();
    clock.advance(1000);
    const nat = save(nf.ruleset, { tables: ['nat'] });
    expect(nat).to.include(`-A KUBE-SERVICES -d ${svc.spec.clusterIP}/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80`);
    expect(nat).to.include('--to-destination 10.244.2.5:8080');
    expect(proxier.lastSync).to.deep.include({ full: false, writtenChains: 2 });

    handle.stop();
    await api.client.delete('services', 'default', 'web');
    await settle();
    clock.advance(60_000);
    expect(save(nf.ruleset, { tables: ['nat'] }), 'stopped: no more syncs').to.include('default/web:http');
  });
});
