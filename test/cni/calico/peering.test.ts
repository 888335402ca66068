/**
 * calico's other BGP topologies: a route reflector instead of the mesh (clients peer only with it,
 * it reflects their blocks keeping the owners as next hops), and a top-of-rack router speaking eBGP
 * with the nodes of both racks, so plain bgp mode works across racks. Also: an address borrowed
 * from another node's block is announced as a /32.
 */
import { expect } from 'chai';
import { formatRoutes } from '../../../src/dataplane/iproute/index.js';
import { ping } from '../../../src/dataplane/stack/index.js';
import { type CalicoLab, calicoConfig, calicoLab, oneRack, twoRacks, waitFor } from './support.js';

describe('cni/calico: route reflector', function () {
  this.timeout(20_000);
  let lab: CalicoLab;

  before(async () => {
    lab = await calicoLab(oneRack(), calicoConfig({ mode: 'bgp', nodeToNodeMesh: false, routeReflectors: ['cp'], pool: '192.168.0.0/28', blockSize: 30 }));
    await lab.join('cp', 'w1', 'w2', 'w3');
    lab.addPod('w1', 'default/a'); // 192.168.0.0/30
    lab.addPod('w2', 'default/b'); // 192.168.0.4/30
    await lab.meshUp();
    await lab.converged();
  });
  after(async () => lab.close());

  it('peers clients with the reflector only; the reflector with every client', () => {
    expect(lab.agents.get('w1')!.peerStatus().map((p) => [p.peerAddress, p.peerType, p.state])).to.deep.equal([['172.18.0.2', 'node specific', 'up']]);
    expect(lab.agents.get('cp')!.peerStatus().map((p) => p.peerAddress).sort()).to.deep.equal(['172.18.0.3', '172.18.0.4', '172.18.0.5']);
    expect(lab.agents.get('w1')!.nodeStatus()).to.include('| 172.18.0.2   | node specific | up ');
  });

  it('reflects blocks with the owner as next hop, so traffic goes node to node', async () => {
    expect(formatRoutes(lab.net.node('w1').ns)).to.include('192.168.0.4/30 via 172.18.0.4 dev eth0 proto bird');
    expect(formatRoutes(lab.net.node('w3').ns)).to.include('192.168.0.0/30 via 172.18.0.3 dev eth0 proto bird');
    expect((await ping(lab.pod('default/a'), '192.168.0.4', { count: 1, timeoutMs: 1000 })).ttls).to.deep.equal([62]);
    const via = lab.agents.get('w1')!.speaker!.learnedRoutes().find((r) => r.prefix === '192.168.0.4/30')!;
    expect([via.peer, via.nextHop]).to.deep.equal(['172.18.0.2', '172.18.0.4']);
  });

  it('announces an address borrowed from another node\'s block as a /32 that wins over the owner\'s blackhole', async () => {
    // The pool has four /30 blocks: w1 and w2 hold one each; two other hosts claim the rest.
    lab.ipam.allocate('x1', 'filler-1');
    lab.ipam.allocate('x2', 'filler-2');
    const c = lab.addPod('w3', 'default/c'); // no free block: borrows w1's first free address
    expect([c.ip, lab.ipam.blocksOf('w3')]).to.deep.equal(['192.168.0.1', []]);
    await waitFor(() => formatRoutes(lab.net.node('w1').ns).includes('192.168.0.1 via 172.18.0.5 dev eth0 proto bird'), 'the /32 on w1');
    expect(formatRoutes(lab.net.node('w1').ns)).to.include('blackhole 192.168.0.0/30 proto bird');
    // w2 hears it from the reflector in the same round as w1, but its kernel pass may come a turn later.
    await waitFor(() => formatRoutes(lab.net.node('w2').ns).includes('192.168.0.1 via 172.18.0.5 dev eth0 proto bird'), 'the /32 on w2');
    expect((await ping(lab.pod('default/a'), '192.168.0.1', { count: 1, timeoutMs: 1000 })).ttls).to.deep.equal([62]);
    lab.removePod('default/c');
    await waitFor(() => !formatRoutes(lab.net.node('w1').ns).includes('192.168.0.1 via'), 'the /32 withdrawn');
  });
});

describe('cni/calico: bgp mode across racks with an iBGP top-of-rack router', function () {
  this.timeout(20_000);
  let lab: CalicoLab;

  before(async () => {
    lab = await calicoLab(twoRacks(64512), calicoConfig({ mode: 'bgp' }));
    await lab.join('cp', 'w1', 'w2', 'w3');
    lab.addPod('w1', 'default/a'); // 192.168.0.0/26
    lab.addPod('w3', 'default/d'); // 192.168.0.64/26
    await lab.meshUp();
    await waitFor(() => lab.routers.get('tor')!.status().every((s) => s.state === 'up'), 'tor sessions up', 8000);
    await waitFor(() => formatRoutes(lab.net.routers.get('tor')!.ns).includes('192.168.0.64/26'), 'w3\'s block on tor');
    await lab.converged();
  });
  after(async () => lab.close());

  it('peers every node with the router on its subnet besides the mesh', () => {
    const w1 = lab.agents.get('w1')!.peerStatus();
    expect(w1.find((p) => p.peerAddress === '172.18.0.1')).to.deep.include({ peerType: 'node specific', state: 'up', name: 'Node_172_18_0_1' });
    expect(lab.agents.get('w3')!.peerStatus().find((p) => p.peerAddress === '172.18.1.1')?.state).to.equal('up');
    expect(lab.routers.get('tor')!.status().map((s) => s.peerAddress)).to.have.members(['172.18.0.2', '172.18.0.3', '172.18.1.2', '172.18.1.3']);
    expect(lab.routers.get('tor')!.nodeStatus()).to.include('| 172.18.1.3   | node specific | up ');
  });

  it('installs every block in the router; nodes reach the other rack through it (gateway recursive)', async () => {
    const tor = formatRoutes(lab.net.routers.get('tor')!.ns).split('\n');
    expect(tor).to.include('192.168.0.0/26 via 172.18.0.3 dev eth0 proto bird');
    expect(tor).to.include('192.168.0.64/26 via 172.18.1.3 dev eth1 proto bird');
    // The mesh route's next hop (w3) is off-link: BIRD resolves it through the route toward it.
    expect(formatRoutes(lab.net.node('w1').ns)).to.include('192.168.0.64/26 via 172.18.0.1 dev eth0 proto bird');
    expect(lab.agents.get('w1')!.birdRoutes()).to.match(/192\.168\.0\.64\/26 +via 172\.18\.1\.3 on eth0 \[Mesh_172_18_1_3 /);
    expect((await ping(lab.pod('default/a'), '192.168.0.64', { count: 2, intervalMs: 1, timeoutMs: 1000 })).ttls).to.deep.equal([61, 61]);
  });

  it('keeps iBGP rules: the router learns from every node and passes nothing on', () => {
    expect(lab.routers.get('tor')!.learnedRoutes().map((r) => [r.prefix, r.nextHop, r.asPath])).to.deep.equal([
      ['192.168.0.0/26', '172.18.0.3', ''], ['192.168.0.64/26', '172.18.1.3', ''],
    ]);
    expect(lab.agents.get('w1')!.speaker!.learnedRoutes().every((r) => r.peer !== '172.18.0.1')).to.equal(true);
  });
});

describe('cni/calico: an eBGP top-of-rack router', function () {
  this.timeout(20_000);
  let lab: CalicoLab;

  before(async () => {
    lab = await calicoLab(twoRacks(65001), calicoConfig({ mode: 'bgp' }));
    await lab.join('cp', 'w1', 'w2', 'w3');
    lab.addPod('w1', 'default/a');
    await lab.meshUp();
    await waitFor(() => formatRoutes(lab.net.routers.get('tor')!.ns).includes('192.168.0.0/26'), 'w1\'s block on tor');
    await waitFor(() => ['cp', 'w2', 'w3'].every((n) => formatRoutes(lab.net.node(n).ns).includes('192.168.0.0/26 via')), 'w1\'s block on the nodes');
  });
  after(async () => lab.close());

  it('learns the blocks with the nodes\' AS in the path; nodes refuse their own AS back (loop detection)', () => {
    expect(lab.routers.get('tor')!.learnedRoutes().find((r) => r.prefix === '192.168.0.0/26')).to.deep.include({ asPath: '64512' });
    for (const n of ['cp', 'w2', 'w3']) {
      const r = lab.agents.get(n)!.speaker!.learnedRoutes().find((x) => x.prefix === '192.168.0.0/26')!;
      expect([r.peer, r.asPath]).to.deep.equal(['172.18.0.3', '']);
    }
  });
});
