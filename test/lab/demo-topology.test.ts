/**
 * topologies/demo.yaml, the quick start, as `kemu up` runs it (in-process, random real addresses):
 * its web Service answers real clients on a node's NodePort and on its LoadBalancer ingress IP.
 */
import { realGet } from '../support/net.js';
import { expect } from 'chai';
import { Cluster } from '../../src/lab/cluster.js';
import { fromTopology } from '../../src/lab/from-topology.js';
import { loadTopologyFile } from '../../src/topology/load.js';
import { RealClock } from '../../src/util/clock.js';
import type { Pod } from '../../src/api/types.js';
import { randomNodeAddressBase } from '../support/kemu-process.js';

describe('topologies/demo.yaml running', function () {
  this.timeout(30_000);
  let cluster: Cluster;

  before(async () => {
    const loaded = await loadTopologyFile(new URL('../../topologies/demo.yaml', import.meta.url).pathname);
    if (!loaded.ok) throw new Error(loaded.diagnostics[0]!.message);
    const lbAddressBase = randomNodeAddressBase();
    cluster = new Cluster(fromTopology(loaded.value, { apiPort: 0, speed: 10, nodeAddressBase: randomNodeAddressBase(), lbAddressBase }), new RealClock());
    await cluster.start();
  });
  after(async () => cluster?.stop());

  it('the web Service answers on worker-1\'s NodePort and on its LoadBalancer ingress IP', async () => {
    const names = (await cluster.client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items.map((p) => p.metadata.name!);
    const status = await cluster.status();
    const w1 = status.nodes.find((n) => n.name === 'worker-1')!;
    expect(names).to.include((await realGet(`http://${w1.address}:30080/hostname`)).body);
    const [lb] = status.loadBalancers;
    expect(lb).to.deep.include({ service: 'default/web', ingressIP: '172.18.255.1' });
    expect(lb!.address).to.match(/^127\.\d+\.\d+\.1$/);
    for (let i = 0; i < 3; i++) expect(names).to.include((await realGet(`http://${lb!.address}/hostname`)).body);
  });
});
