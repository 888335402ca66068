/**
 * calicoForTopology on the shipped topology files: the agents, IPAM and BGP routers a lab would run,
 * built straight from a LabNetwork (its NodeNet and RouterNet fit), brought up end to end.
 */
import { expect } from 'chai';
import { InformerFactory } from '../../../src/api/client/factory.js';
import type { Node } from '../../../src/api/types.js';
import { attachCalicoPod, calicoForTopology } from '../../../src/cni/calico/index.js';
import { ping } from '../../../src/dataplane/stack/index.js';
import { TcpLayer } from '../../../src/dataplane/tcp/index.js';
import { LabNetwork } from '../../../src/lab/network/network.js';
import { buildNode } from '../../../src/node/registration.js';
import { loadTopologyFile } from '../../../src/topology/load.js';
import { RealClock } from '../../../src/util/clock.js';
import { startTestApi } from '../../support/api.js';
import { waitFor } from './support.js';

describe('cni/calico: calicoForTopology', function () {
  this.timeout(20_000);

  it('runs topologies/calico-route-reflector.yaml: reflector sessions, reflected routes, pod traffic', async () => {
    const loaded = await loadTopologyFile('topologies/calico-route-reflector.yaml');
    if (!loaded.ok) return expect.fail(loaded.diagnostics.map((d) => d.message).join('\n'));
    const topo = loaded.value.topology;
    const clock = new RealClock();
    const api = await startTestApi();
    const factory = new InformerFactory(api.client, clock);
    const nodes = factory.informer<Node>('nodes');
    const net = LabNetwork.fromTopology(topo, { clock, kind: 'memory' });
    await net.start();
    const calico = calicoForTopology({
      topology: topo, client: api.client, nodes, clock, host: (n) => net.node(n), routerNs: (r) => net.routers.get(r)?.ns,
    });
    try {
      expect([...calico.agents.keys()]).to.deep.equal(['control-plane', 'worker-1', 'worker-2', 'worker-3']);
      expect([calico.config.mode, calico.config.nodeToNodeMesh, calico.config.routeReflectors]).to.deep.equal(['bgp', false, ['control-plane']]);
      for (const n of topo.nodes) await api.client.create('nodes', buildNode({ name: n.name, role: n.role, internalIP: n.address, labels: {}, taints: [] }, clock.now()));
      for (const a of calico.agents.values()) a.start();
      const pods = ['worker-1', 'worker-2'].map((n, i) => {
        const ip = calico.ipam.allocate(n, `k8s-pod-network.p${i}`);
        return attachCalicoPod({ name: n, ns: net.node(n).ns }, `default/p${i}`, ip, { mtu: calico.agents.get(n)!.mtu, clock });
      });
      await waitFor(() => calico.agents.get('control-plane')!.peerStatus().filter((p) => p.state === 'up').length === 3, 'reflector sessions', 8000);
      expect(calico.agents.get('worker-1')!.peerStatus().map((p) => p.peerAddress)).to.deep.equal([net.node('control-plane').eth0.address]);
      await waitFor(() => net.node('worker-1').ns.routes.list().some((r) => r.proto === 'bird' && r.type === 'unicast'), 'a reflected route', 8000);
      expect((await ping(pods[0]!.ns, pods[1]!.ip, { count: 1, timeoutMs: 1000 })).ttls).to.deep.equal([62]);
    } finally {
      for (const a of calico.agents.values()) await a.stop();
      for (const ns of net.namespaces()) TcpLayer.of(ns).close();
      factory.stop();
      await net.stop();
      await api.close();
    }
  });
});
