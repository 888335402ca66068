/**
 * calico's BGPPeer resources (crd.projectcalico.org/v1): served by the API server, watched by every
 * calico-node — a global peer on every node, a node-specific one on its node only, a peer in the
 * outside-client range passive on kemu's side (it comes in through the edge) with its routes'
 * NEXT_HOP rewritten to its address there. The outside peer here is a BgpSpeaker in the gateway
 * namespace at 198.51.100.7, where the real BGP edge puts a real daemon. Also: a node powered off
 * and on (as `kemu node stop/start`) is withdrawn from every other node and comes back.
 */
import { expect } from 'chai';
import { BgpSpeaker } from '../../../src/bgp/index.js';
import { parseBgpPeers, tcpConnector } from '../../../src/cni/calico/index.js';
import { formatRoutes } from '../../../src/dataplane/iproute/index.js';
import { CLIENT_NETWORK, ensureClientAddress } from '../../../src/lab/edge/client-address.js';
import { OUTSIDE_CLIENT_NETWORK } from '../../../src/cni/calico/peers.js';
import { RealClock } from '../../../src/util/clock.js';
import { type CalicoLab, calicoConfig, calicoLab, oneRack, waitFor } from './support.js';

const bgpPeer = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'crd.projectcalico.org/v1', kind: 'BGPPeer', metadata: { name }, spec });

describe('cni/calico: BGPPeer resources', function () {
  this.timeout(20_000);
  let lab: CalicoLab;
  let outside: BgpSpeaker | undefined;

  before(async () => {
    lab = await calicoLab(oneRack(), calicoConfig({ mode: 'ipip' }));
    await lab.join('cp', 'w1', 'w2');
    lab.addPod('w1', 'default/a');
    lab.addPod('w2', 'default/b');
    await lab.meshUp();
    await lab.converged();
  });
  after(async () => {
    await outside?.close();
    await lab.close();
  });

  it('keeps the outside-client range in step with the lab edge', () => {
    expect(OUTSIDE_CLIENT_NETWORK).to.equal(CLIENT_NETWORK);
  });

  it('parses BGPPeers, leaving malformed ones out with a reason', () => {
    const { peers, invalid } = parseBgpPeers([
      bgpPeer('ok', { peerIP: '10.0.0.1', asNumber: 65001, node: 'w1' }),
      bgpPeer('quoted-as', { peerIP: '10.0.0.2', asNumber: '65002' }),
      bgpPeer('bad-ip', { peerIP: '10.0.0.300', asNumber: 65001 }),
      bgpPeer('bad-as', { peerIP: '10.0.0.3', asNumber: -1 }),
      { metadata: { name: 'no-spec' } },
    ]);
    expect(peers).to.deep.equal([
      { name: 'ok', peerIP: '10.0.0.1', asNumber: 65001, node: 'w1' },
      { name: 'quoted-as', peerIP: '10.0.0.2', asNumber: 65002, node: undefined },
    ]);
    expect(invalid.map((l) => l.split(':')[0])).to.deep.equal(['BGPPeer bad-ip', 'BGPPeer bad-as', 'BGPPeer no-spec']);
  });

  it('adds a global BGPPeer to every node and removes it when deleted', async () => {
    await lab.api.client.create('bgppeers', bgpPeer('tor', { peerIP: '172.18.0.77', asNumber: 65010 }));
    const has = (n: string): boolean => lab.agents.get(n)!.peerStatus().some((p) => p.peerAddress === '172.18.0.77' && p.peerType === 'global' && p.name === 'Global_172_18_0_77');
    await waitFor(() => ['cp', 'w1', 'w2'].every(has), 'the global peer on every node');
    expect(lab.agents.get('w1')!.nodeStatus()).to.match(/\| 172\.18\.0\.77 +\| global +\| start /);
    await lab.api.client.delete('bgppeers', undefined, 'tor');
    await waitFor(() => ['cp', 'w1', 'w2'].every((n) => !has(n)), 'the global peer removed everywhere');
    // The mesh is untouched.
    expect(lab.agents.get('w1')!.peerStatus().every((p) => p.state === 'up')).to.equal(true);
  });

  it('ignores a malformed BGPPeer (logged once) instead of failing the node', async () => {
    await lab.api.client.create('bgppeers', bgpPeer('broken', { peerIP: 'not-an-ip', asNumber: 65001 }));
    await waitFor(() => lab.agents.get('w2')!.logs().some((l) => l.includes('BGPPeer broken: spec.peerIP')), 'the log line');
    await lab.agents.get('w2')!.resync();
    expect(lab.agents.get('w2')!.logs().filter((l) => l.includes('BGPPeer broken')).length).to.equal(1);
    expect(lab.agents.get('w2')!.status().phase).to.equal('Running');
    await lab.api.client.delete('bgppeers', undefined, 'broken');
  });

  it('peers an outside speaker (198.51.100.7) with its node only: passive, routes both ways, NEXT_HOP rewritten', async () => {
    await lab.api.client.create('bgppeers', bgpPeer('gobgp', { peerIP: '198.51.100.7', asNumber: 65001, node: 'w1' }));
    await waitFor(() => lab.agents.get('w1')!.peerStatus().some((p) => p.peerAddress === '198.51.100.7'), 'the peer on w1');
    expect(lab.agents.get('w2')!.peerStatus().some((p) => p.peerAddress === '198.51.100.7')).to.equal(false);
    const w1 = lab.net.node('w1');
    const edge = lab.net.edgeOf('w1').ns;
    ensureClientAddress(edge, '198.51.100.7');
    outside = new BgpSpeaker({
      asn: 65001, routerId: '198.51.100.7', listenAddress: '198.51.100.7', holdTime: 3, connectRetryMs: 200,
      // A next hop that means nothing inside (gobgpd's own 127.0.0.1 through the real edge).
      nextHop: '127.0.0.1', clock: new RealClock(), connector: tcpConnector(edge),
    });
    outside.addPeer({ address: w1.eth0.address, asn: 64512, type: 'global' });
    outside.announce('10.99.0.0/24');
    const peer = (): string | undefined => lab.agents.get('w1')!.peerStatus().find((p) => p.peerAddress === '198.51.100.7')?.state;
    await waitFor(() => peer() === 'up', 'w1 ↔ outside Established', 8000);
    expect(lab.agents.get('w1')!.peerStatus().find((p) => p.peerAddress === '198.51.100.7')!.name).to.equal('Node_198_51_100_7');
    // The outside speaker learns the nodes' blocks (w1's own, and w2's re-advertised as eBGP).
    await waitFor(() => outside!.learnedRoutes().length >= 2, 'blocks learned by the outside speaker');
    expect(outside.learnedRoutes().map((r) => [r.prefix, r.nextHop, r.asPath])).to.deep.include(['192.168.0.0/26', w1.eth0.address, '64512']);
    // Its prefix is a plain route on w1 (outside the pool: not into tunl0), via the rewritten next hop's gateway.
    await waitFor(() => formatRoutes(w1.ns).includes('10.99.0.0/24 via'), '10.99.0.0/24 on w1');
    const line = formatRoutes(w1.ns).split('\n').find((l) => l.startsWith('10.99.0.0/24'))!;
    expect(line).to.match(/^10\.99\.0\.0\/24 via \d+\.\d+\.\d+\.\d+ dev eth0 proto bird/);
    expect(line).to.not.include('tunl0');
    expect(lab.agents.get('w1')!.routeLines().find((r) => r.prefix === '10.99.0.0/24')).to.include({ nextHop: '198.51.100.7', asPath: '65001' });
    expect(lab.agents.get('w1')!.birdRoutes()).to.match(/10\.99\.0\.0\/24 +via 198\.51\.100\.7 on eth0 \[Node_198_51_100_7 .*\(100\/0\) \[AS65001i\]/);
    // iBGP re-advertises it to the mesh (next hop unchanged): w2 learns it too.
    await waitFor(() => lab.agents.get('w2')!.routeLines().some((r) => r.prefix === '10.99.0.0/24' && r.nextHop === '198.51.100.7'), '10.99.0.0/24 on w2');
    // Withdrawn by the outside speaker: gone from w1's kernel.
    outside.withdraw('10.99.0.0/24');
    await waitFor(() => !formatRoutes(w1.ns).includes('10.99.0.0/24'), '10.99.0.0/24 withdrawn on w1');
  });

  it('configured the outside peer passive (kemu cannot dial a real daemon)', () => {
    const status = lab.agents.get('w1')!.peerStatus().find((p) => p.peerAddress === '198.51.100.7')!;
    expect(status.state).to.equal('up');
    const log = lab.agents.get('w1')!.logs().join('\n');
    expect(log).to.include('peer BGPPeer gobgp (198.51.100.7) added: node specific, passive');
  });
});

describe('cni/calico: a node powered off and on', function () {
  this.timeout(20_000);
  let lab: CalicoLab;

  before(async () => {
    lab = await calicoLab(oneRack(), calicoConfig({ mode: 'bgp' }));
    await lab.join('cp', 'w1', 'w2', 'w3');
    for (const n of ['cp', 'w1', 'w2', 'w3']) lab.addPod(n, `default/${n}`);
    await lab.meshUp();
    await lab.converged();
  });
  after(async () => lab.close());

  it('is withdrawn from every other node after the hold time and returns on every node when started', async () => {
    const block = lab.ipam.blocksOf('w3')[0]!;
    const others = ['cp', 'w1', 'w2'];
    const hasBlock = (n: string): boolean => formatRoutes(lab.net.node(n).ns).includes(`${block} via 172.18.0.5 dev eth0 proto bird`);
    expect(others.every(hasBlock)).to.equal(true);
    const stoppedAt = Date.now();
    lab.net.setNodeLinkDown('w3', true); // `kemu node stop`: the link goes, no NOTIFICATION gets out
    await lab.agents.get('w3')!.stop();
    await waitFor(() => others.every((n) => !hasBlock(n)), 'w3\'s block withdrawn everywhere', 6000);
    expect(Date.now() - stoppedAt).to.be.at.least(1000); // hold 1.5 s: not before the hold timer
    lab.net.setNodeLinkDown('w3', false); // `kemu node start`
    lab.agents.get('w3')!.start();
    await waitFor(() => others.every(hasBlock), 'w3\'s block back everywhere', 8000);
    await lab.meshUp();
    // w3 relearned the others too.
    expect(formatRoutes(lab.net.node('w3').ns)).to.include(`${lab.ipam.blocksOf('w1')[0]} via 172.18.0.3 dev eth0 proto bird`);
  });
});
