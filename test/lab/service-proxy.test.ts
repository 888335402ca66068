/**
 * kube-proxy runs on every host of a running Cluster: its iptables rules land in the host's
 * Netfilter, and a pod's UDP datagrams to a ClusterIP are DNAT'd to the Service's pods by the packet
 * plane to agnhost netexec pods, answered from the ClusterIP (conntrack un-NATs the reply). Real UDP
 * underlay, in-process.
 */
import { expect } from 'chai';
import type { Cluster } from '../../src/lab/cluster.js';
import { formatIpv4 } from '../../src/net/index.js';
import type { Pod, Service } from '../../src/api/types.js';
import type { UdpSocket } from '../../src/dataplane/stack/index.js';
import { clusterFromText, endpointRules } from '../support/cluster.js';
import { netexecDeployment, serviceManifest, topologyHeader } from '../support/manifests.js';
import { until } from '../support/wait.js';

const TOPOLOGY = topologyHeader('svc', { nodes: ['cp', 'w1'], speed: 10 })
  + netexecDeployment('web', 2, { node: 'w1', args: '[netexec, --http-port=8080, --udp-port=5353]', ports: '[{name: dns, containerPort: 5353, protocol: UDP}]' })
  + serviceManifest('web', '[{name: dns, port: 53, targetPort: dns, protocol: UDP}]');

describe('kube-proxy on every host of a running cluster', function () {
  this.timeout(30_000);
  let cluster: Cluster;
  const sockets: UdpSocket[] = [];

  before(async () => {
    cluster = clusterFromText(TOPOLOGY, 'svc.yaml');
    await cluster.start();
    await until('both endpoints of web in w1\'s rules', () => endpointRules(cluster, 'w1', 'default/web:dns') === 2);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await cluster?.stop();
  });

  it('loads kube-proxy\'s chains into each host\'s nat table', () => {
    for (const node of ['cp', 'w1']) {
      const nat = cluster.proxyOf(node)!.dumpNat();
      expect(nat, node).to.match(/^:KUBE-SERVICES - /m);
      expect(nat, node).to.match(/^-A KUBE-SERVICES -d 10\.96\.0\.1\/32 -p tcp .*default\/kubernetes:https cluster IP/m);
      expect(nat, node).to.match(/^-A KUBE-SVC-[A-Z0-9]{16} .*-j KUBE-SEP-[A-Z0-9]{16}$/m);
    }
  });

  it('a pod reaches both endpoints of a UDP ClusterIP, answers come from the ClusterIP', async () => {
    const pods = (await cluster.client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items;
    expect(pods).to.have.length(2);
    const svc = await cluster.client.get<Service>('services', 'default', 'web');
    const clusterIP = svc.spec.clusterIP!;
    const client = cluster.network.pods.get(`default/${pods[0]!.metadata.name}`)!.ns;
    const answeredBy = new Set<string>();
    const sources = new Set<string>();
    // A fresh source port per request is a fresh conntrack entry, so a fresh 1-in-2 choice.
    for (let i = 0; i < 24; i++) {
      const sock = client.udp.bind(0);
      sockets.push(sock);
      const reply = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to request ${i}`)), 2000);
        sock.onMessage((payload, info) => {
          clearTimeout(timer);
          sources.add(`${formatIpv4(info.srcIp)}:${info.srcPort}`);
          resolve(new TextDecoder().decode(payload));
        });
      });
      sock.send(clusterIP, 53, new TextEncoder().encode('hostname')); // netexec answers with its pod name
      answeredBy.add(await reply);
    }
    expect([...answeredBy].sort()).to.deep.equal(pods.map((p) => p.metadata.name).sort());
    expect([...sources]).to.deep.equal([`${clusterIP}:53`]);
  });
});
