/**
 * kube-proxy's three modes in a running cluster (flannel VXLAN, agnhost netexec pods on two nodes):
 * a pod reaches a ClusterIP over TCP (HTTP) and UDP, requests spread over every endpoint, and a real
 * client reaches the NodePort on a node's real address. The node's view shows the mode's machinery
 * (KUBE-SVC chains, IPVS virtual servers, userspace portals). Every mode serves the health check of
 * an externalTrafficPolicy: Local LoadBalancer and takes traffic for its ingress IP from a real client.
 */
import { realGet } from '../support/net.js';
import { expect } from 'chai';
import type { Cluster } from '../../src/lab/cluster.js';
import type { Pod, Service } from '../../src/api/types.js';
import { httpGetFrom } from '../../src/lab/network/http-get.js';
import { randomNodeAddressBase } from '../support/kemu-process.js';
import { clusterFromText } from '../support/cluster.js';
import { netexecDeployment, serviceManifest, topologyHeader } from '../support/manifests.js';

const topology = (mode: string): string =>
  topologyHeader(`proxy-${mode}`, { networking: `{kubeProxyMode: ${mode}, loadBalancerPool: 172.20.255.0/24}`, speed: 10 })
  + netexecDeployment('web', 3)
  + serviceManifest('web', '[{name: http, port: 80, targetPort: http, nodePort: 30080}, {name: udp, port: 81, targetPort: udp, protocol: UDP}]', { type: 'NodePort' })
  + serviceManifest('web-lb', '[{name: http, port: 80, targetPort: http}]', { type: 'LoadBalancer', app: 'web', spec: ['externalTrafficPolicy: Local'] });

for (const mode of ['iptables', 'ipvs', 'userspace']) {
  describe(`kube-proxy ${mode} mode in a running cluster`, function () {
    this.timeout(40_000);
    let cluster: Cluster;
    let names: string[];
    let clusterIP: string;

    before(async () => {
      cluster = clusterFromText(topology(mode), `proxy-${mode}.yaml`, { nodeAddressBase: randomNodeAddressBase(), lbAddressBase: randomNodeAddressBase() });
      await cluster.start();
      names = (await cluster.client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items.map((p) => p.metadata.name!).sort();
      clusterIP = (await cluster.client.get<Service>('services', 'default', 'web')).spec.clusterIP!;
    });
    after(async () => cluster?.stop());

    it('runs the mode on every node', async () => {
      for (const n of ['cp', 'w1', 'w2']) expect(cluster.proxyOf(n)!.mode).to.equal(mode);
      if (mode === 'ipvs') expect(cluster.proxyOf('w1')!.dumpIpvs()).to.include(`TCP  ${clusterIP}:80 rr`);
      if (mode === 'iptables') expect(cluster.proxyOf('w1')!.dumpNat()).to.include('default/web:http cluster IP');
      if (mode === 'userspace') expect(cluster.proxyOf('w1')!.dumpNat()).to.match(/KUBE-PORTALS-CONTAINER/);
    });

    it('a pod reaches every endpoint through the ClusterIP over TCP', async () => {
      const from = cluster.network.pods.get(`default/${names[0]}`)!.ns;
      const seen = new Set<string>();
      for (let i = 0; i < 30 && seen.size < names.length; i++) {
        const r = await httpGetFrom(from, { url: `http://${clusterIP}/hostname`, timeoutMs: 5000, maxBodyBytes: 1024 });
        expect('status' in r, JSON.stringify(r)).to.equal(true);
        seen.add((r as { body: string }).body);
      }
      expect([...seen].sort()).to.deep.equal(names);
    });

    it('a pod gets a UDP answer through the ClusterIP', async () => {
      const ns = cluster.network.pods.get(`default/${names[1]}`)!.ns;
      const sock = ns.udp.bind(0);
      try {
        const answer = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no UDP answer')), 3000);
          sock.onMessage((payload) => {
            clearTimeout(timer);
            resolve(new TextDecoder().decode(payload));
          });
          sock.send(clusterIP, 81, new TextEncoder().encode('hostname'));
        });
        expect(names).to.include(answer);
      } finally {
        sock.close();
      }
    });

    it('a real client reaches the NodePort on a node\'s real address', async () => {
      const w2 = (await cluster.status()).nodes.find((n) => n.name === 'w2')!;
      expect(names).to.include((await realGet(`http://${w2.address}:30080/hostname`)).body);
    });

    it('serves the health check of an ETP=Local LoadBalancer on every node: 200 where a pod runs, 503 elsewhere', async () => {
      const lb = await cluster.client.get<Service>('services', 'default', 'web-lb');
      const hosting = new Set((await cluster.client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items.map((p) => p.spec.nodeName));
      const status = await cluster.status();
      for (const n of status.nodes) {
        const r = await realGet(`http://${n.address}:${lb.spec.healthCheckNodePort}/`);
        expect(r.status, n.name).to.equal(hosting.has(n.name) ? 200 : 503);
        expect(JSON.parse(r.body).service, n.name).to.deep.equal({ namespace: 'default', name: 'web-lb' });
      }
    });

    it('takes a real client\'s connections to the LoadBalancer ingress IP (only healthy nodes get them)', async () => {
      const lb = (await cluster.status()).loadBalancers.find((l) => l.service === 'default/web-lb')!;
      expect(lb.ingressIP).to.match(/^172\.20\.255\.\d+$/);
      for (let i = 0; i < 4; i++) expect(names).to.include((await realGet(`http://${lb.address}/hostname`)).body);
    });
  });
}
