/**
 * calico in a running cluster, per mode: pod IPs from calico's block IPAM (a /26 per node), a routed
 * veth per pod, BGP sessions between the nodes over kemu's TCP, and cross-node pod traffic the mode's
 * way — HTTP from a pod to netexec pods on other nodes through a Service, and cluster DNS on top.
 */
import { expect } from 'chai';
import type { Cluster } from '../../src/lab/cluster.js';
import type { Pod } from '../../src/api/types.js';
import { httpGetFrom } from '../../src/lab/network/http-get.js';
import { formatRoutes } from '../../src/dataplane/iproute/index.js';
import { randomNodeAddressBase } from '../support/kemu-process.js';
import { resolveInNamespace } from '../../src/lab/dns/stub-resolver.js';
import { podResolvConf } from '../../src/node/resolv-conf.js';
import { clusterFromText } from '../support/cluster.js';
import { netexecDeployment, serviceManifest, topologyHeader } from '../support/manifests.js';

const topology = (mode: string): string =>
  topologyHeader(`calico-${mode}`, { networking: `{cni: {plugin: calico, mode: ${mode}}}`, speed: 10 })
  + netexecDeployment('web', 4, { args: '[netexec, --http-port=8080]', ports: '[{name: http, containerPort: 8080}]' }) + serviceManifest('web', '[{port: 80, targetPort: http}]');

for (const mode of ['bgp', 'ipip', 'vxlan']) {
  describe(`calico ${mode} in a running cluster`, function () {
    this.timeout(40_000);
    let cluster: Cluster;
    let pods: Pod[];

    before(async () => {
      cluster = clusterFromText(topology(mode), `calico-${mode}.yaml`, { nodeAddressBase: randomNodeAddressBase() });
      await cluster.start();
      pods = (await cluster.client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items;
    });
    after(async () => cluster?.stop());

    it('gives pods addresses from per-node /26 blocks of 192.168.0.0/16 on routed cali veths', () => {
      const blockOf = (ip: string) => ip.split('.').map(Number).reduce((a, b) => a * 256 + b, 0) >>> 6;
      const byNode = new Map<string, Set<number>>();
      for (const p of pods) {
        expect(p.status!.podIP).to.match(/^192\.168\.\d+\.\d+$/);
        const set = byNode.get(p.spec.nodeName!) ?? new Set();
        set.add(blockOf(p.status!.podIP!));
        byNode.set(p.spec.nodeName!, set);
      }
      const all = [...byNode.values()].flatMap((s) => [...s]);
      expect(new Set(all).size, 'no block shared between nodes').to.equal(all.length);
      const net = cluster.network.pods.get(`default/${pods[0]!.metadata.name}`)!;
      expect(net.hostVeth.name).to.match(/^cali[0-9a-f]{11}$/);
      expect(formatRoutes(net.ns)).to.match(/^default via 169\.254\.1\.1 dev eth0/m);
    });

    it('routes the other nodes\' blocks as the mode says', () => {
      const routes = formatRoutes(cluster.network.node('w1').ns);
      const dev = mode === 'bgp' ? 'eth0' : mode === 'ipip' ? 'tunl0' : 'vxlan.calico';
      expect(routes).to.match(new RegExp(`^192\\.168\\.\\d+\\.\\d+/26 via \\S+ dev ${dev.replace('.', '\\.')}`, 'm'));
    });

    it('HTTP from a pod reaches netexec pods on every node through the Service, by name', async () => {
      const from = cluster.network.pods.get(`default/${pods[0]!.metadata.name}`)!.ns;
      const seen = new Set<string>();
      for (let i = 0; i < 24 && seen.size < pods.length; i++) {
        const r = await httpGetFrom(from, {
          url: 'http://web/hostname', timeoutMs: 5000, maxBodyBytes: 1024,
          // The pod's own resolver: kube-dns through kube-proxy and calico to a CoreDNS pod.
          resolve: (host) => resolveInNamespace(from, podResolvConf(pods[0]!, { clusterDNS: cluster.clusterDNS, clusterDomain: 'cluster.local' }), host),
        });
        expect('status' in r, JSON.stringify(r)).to.equal(true);
        seen.add((r as { body: string }).body);
      }
      expect([...seen].sort()).to.deep.equal(pods.map((p) => p.metadata.name).sort());
    });
  });
}
