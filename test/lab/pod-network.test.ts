/**
 * Pods get network namespaces on the packet plane when the kubelet starts them (bridge-CNI style):
 * two pods on one node reach each other and their host through cni0, and lose their namespace when
 * deleted. Runs a whole Cluster in-process on real UDP sockets.
 */
import { expect } from 'chai';
import type { Cluster } from '../../src/lab/cluster.js';
import { ping } from '../../src/dataplane/stack/index.js';
import type { Pod } from '../../src/api/types.js';
import { podCidrOf } from '../../src/lab/networked-runtime.js';
import { clusterFromText } from '../support/cluster.js';
import { netexecDeployment, topologyHeader } from '../support/manifests.js';

const TOPOLOGY = topologyHeader('podnet', { nodes: ['cp', 'w1'], speed: 10 }) + netexecDeployment('web', 2);

describe('pod networking in a running cluster', function () {
  this.timeout(20_000);
  let cluster: Cluster;

  before(async () => {
    cluster = clusterFromText(TOPOLOGY, 'podnet.yaml');
    await cluster.start();
  });
  after(async () => cluster?.stop());

  it('attaches every running pod to its node\'s cni0 with its pod IP', async () => {
    const pods = (await cluster.client.list<Pod>('pods', { namespace: 'default' })).items;
    expect(pods).to.have.length(2);
    for (const p of pods) {
      const net = cluster.network.pods.get(`default/${p.metadata.name}`);
      expect(net, p.metadata.name).to.not.equal(undefined);
      expect(net!.ip).to.equal(p.status!.podIP);
      expect(net!.node).to.equal(p.spec.nodeName);
    }
  });

  it('pods on one node ping each other and their host through cni0', async () => {
    const [a, b] = (await cluster.client.list<Pod>('pods', { namespace: 'default' })).items;
    const netA = cluster.network.pods.get(`default/${a!.metadata.name}`)!;
    const r = await ping(netA.ns, b!.status!.podIP!, { count: 3, intervalMs: 10, timeoutMs: 1000 });
    expect(r.received).to.equal(3);
    // The pod's gateway is the bridge's .1 on the node.
    const gateway = podCidrOf(a!.status!.podIP!, 24).replace(/0\/24$/, '1');
    const toHost = await ping(netA.ns, gateway, { count: 1, timeoutMs: 1000 });
    expect(toHost.received).to.equal(1);
  });

  it('a deleted pod loses its namespace', async () => {
    const [a] = (await cluster.client.list<Pod>('pods', { namespace: 'default' })).items;
    const key = `default/${a!.metadata.name}`;
    await cluster.client.delete('pods', 'default', a!.metadata.name!);
    const deadline = Date.now() + 10_000;
    while (cluster.network.pods.has(key) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(cluster.network.pods.has(key)).to.equal(false);
  });
});
