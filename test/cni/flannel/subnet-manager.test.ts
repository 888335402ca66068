/** The kube subnet manager's lease watch: one event per difference, level-based, own lease never reported. */
import { expect } from 'chai';
import type { Node } from '../../../src/api/types.js';
import type { SubnetEvent } from '../../../src/cni/backend.js';
import { ANNOTATIONS, KubeSubnetManager, LeaseHub, leaseAnnotations } from '../../../src/cni/flannel/index.js';
import { parseIpv4Cidr } from '../../../src/cni/flannel/cidr.js';
import { buildNode } from '../../../src/node/registration.js';
import { isKemuError } from '../../../src/util/errors.js';
import { InformerFactory } from '../../../src/api/client/factory.js';
import { RealClock } from '../../../src/util/clock.js';
import { type TestApi, startTestApi } from '../../support/api.js';
import { waitFor } from '../support.js';

const attrs = (ip: string) => ({ publicIP: ip, backendType: 'host-gw', backendData: 'null' });

describe('cni/flannel: KubeSubnetManager', () => {
  let api: TestApi;
  let factory: InformerFactory;
  let hub: LeaseHub;

  const write = async (name: string, ip: string, podCIDR?: string): Promise<void> => {
    const n = buildNode({ name, role: 'worker', internalIP: ip, labels: {}, taints: [] }, Date.now());
    if (podCIDR) n.spec = { podCIDR, podCIDRs: [podCIDR] };
    n.metadata.annotations = { ...n.metadata.annotations, ...leaseAnnotations(attrs(ip)) };
    await api.client.create('nodes', n);
  };

  before(async () => {
    api = await startTestApi();
    factory = new InformerFactory(api.client, new RealClock());
    const nodes = factory.informer<Node>('nodes');
    nodes.start();
    hub = LeaseHub.of(nodes);
    await write('a', '172.18.0.2', '10.244.0.0/24');
    await write('b', '172.18.0.3', '10.244.1.0/24');
    await nodes.waitForSync();
  });
  after(async () => {
    factory.stop();
    await api.close();
  });

  const manager = (name: string, network = '10.244.0.0/16') => new KubeSubnetManager({ client: api.client, hub, nodeName: name, network: parseIpv4Cidr(network)! });

  it('acquires the podCIDR as the lease; refuses a podCIDR outside the network', async () => {
    expect((await manager('a').acquireLease(attrs('172.18.0.2'))).subnet).to.equal('10.244.0.0/24');
    try {
      await manager('a', '10.200.0.0/16').acquireLease(attrs('172.18.0.2'));
      expect.fail('no error');
    } catch (err) {
      expect(isKemuError(err, 'ERR_POD_CIDR_OUTSIDE_NETWORK')).to.equal(true);
    }
  });

  it('reports every other node once, then only differences: a change is removed + added', async () => {
    const own = await manager('a').acquireLease(attrs('172.18.0.2'));
    const seen: string[] = [];
    const watch = manager('a').watchLeases(own, (evs: SubnetEvent[]) => seen.push(...evs.map((e) => `${e.type} ${e.lease.subnet} ${e.lease.attrs.publicIP}`)));
    expect(seen).to.deep.equal(['added 10.244.1.0/24 172.18.0.3']);
    watch.resync(); // nothing changed: nothing reported
    expect(seen).to.have.length(1);
    await api.client.patch('nodes', undefined, 'b', 'merge', { metadata: { annotations: { [ANNOTATIONS.publicIP]: '172.18.0.9' } } });
    await waitFor(() => seen.length === 3, 'change');
    expect(seen.slice(1)).to.deep.equal(['removed 10.244.1.0/24 172.18.0.3', 'added 10.244.1.0/24 172.18.0.9']);
    await api.client.patch('nodes', undefined, 'b', 'merge', { metadata: { labels: { x: 'y' } } }); // irrelevant change
    await write('c', '172.18.0.4', '10.244.0.0/24'); // claims our subnet: never reported
    await api.client.delete('nodes', undefined, 'b');
    await waitFor(() => seen.length === 4, 'removal');
    expect(seen[3]).to.equal('removed 10.244.1.0/24 172.18.0.9');
    watch.close();
    await write('d', '172.18.0.5', '10.244.5.0/24');
    watch.resync();
    expect(seen).to.have.length(4);
  });
});
