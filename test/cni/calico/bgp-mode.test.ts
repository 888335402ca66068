/**
 * calico bgp mode on one rack: a full node-to-node mesh over kemu TCP port 179, plain routes
 * `BLOCK via NODE dev eth0 proto bird`, blackholes for the own blocks, routed cali* veths, pod
 * traffic unencapsulated on the wire, natOutgoing, and a stopped node's routes withdrawn after the
 * hold time.
 */
import { expect } from 'chai';
import { calicoVethName } from '../../../src/cni/calico/index.js';
import { formatRoutes } from '../../../src/dataplane/iproute/index.js';
import { ping } from '../../../src/dataplane/stack/index.js';
import { TcpLayer } from '../../../src/dataplane/tcp/index.js';
import { decodeEthernet, decodeIpv4, ipv4 } from '../../../src/net/index.js';
import { type CalicoLab, calicoConfig, calicoLab, capture, oneRack, udpOnce, waitFor } from './support.js';

describe('cni/calico: bgp mode on one rack', function () {
  this.timeout(20_000);
  let lab: CalicoLab;

  before(async () => {
    lab = await calicoLab(oneRack(), calicoConfig({ mode: 'bgp' }));
    await lab.join('cp', 'w1', 'w2', 'w3');
    lab.addPod('w1', 'default/a'); // 192.168.0.0 (w1 claims the first block)
    lab.addPod('w1', 'default/b'); // 192.168.0.1
    lab.addPod('w2', 'default/c'); // 192.168.0.64
    lab.addPod('w3', 'default/d'); // 192.168.0.128
    await lab.meshUp();
    await lab.converged();
  });
  after(async () => lab.close());

  it('runs a full mesh over kemu TCP port 179: three Established sessions per node, one connection per pair', () => {
    for (const n of ['cp', 'w1', 'w2', 'w3']) {
      const peers = lab.agents.get(n)!.peerStatus();
      expect(peers.map((p) => [p.peerType, p.state, p.info])).to.deep.equal(Array(3).fill(['node-to-node mesh', 'up', 'Established']));
    }
    // Six pairs, one TCP connection each: 12 ESTABLISHED ends across the four hosts.
    const established = ['cp', 'w1', 'w2', 'w3'].map((n) => TcpLayer.of(lab.net.node(n).ns).stats().connections.ESTABLISHED ?? 0);
    expect(established.reduce((a, b) => a + b, 0)).to.equal(12);
    // The lower address is passive: cp (.2) accepted all three of its connections and opened none.
    const cp = TcpLayer.of(lab.net.node('cp').ns).stats();
    expect([cp.passiveOpens >= 3, cp.activeOpens]).to.deep.equal([true, 0]);
  });

  it('shows calicoctl node status', () => {
    const text = lab.agents.get('w1')!.nodeStatus();
    expect(text).to.match(/^Calico process is running\.\n\nIPv4 BGP status\n\+-+\+/);
    expect(text).to.match(/\| 172\.18\.0\.2 +\| node-to-node mesh \| up +\| \d\d:\d\d:\d\d \| Established \|/);
    expect(text).to.include('| 172.18.0.5   | node-to-node mesh |');
    expect(text).to.include('IPv6 BGP status\nNo IPv6 peers found.');
  });

  it('programs blackholes for its own block, plain BGP routes for the others, and /32 routes to its cali* veths', () => {
    const routes = formatRoutes(lab.net.node('w1').ns).split('\n');
    expect(routes).to.include('blackhole 192.168.0.0/26 proto bird');
    expect(routes).to.include('192.168.0.64/26 via 172.18.0.4 dev eth0 proto bird');
    expect(routes).to.include('192.168.0.128/26 via 172.18.0.5 dev eth0 proto bird');
    expect(routes).to.include(`192.168.0.0 dev ${calicoVethName('default/a')} scope link`);
    expect(routes).to.include(`192.168.0.1 dev ${calicoVethName('default/b')} scope link`);
    // cp has no pod, so no block: nothing is announced for it.
    expect(routes.filter((r) => r.includes('via 172.18.0.2'))).to.deep.equal([]);
    expect(lab.agents.get('w1')!.birdRoutes()).to.match(/192\.168\.0\.64\/26 +via 172\.18\.0\.4 on eth0 \[Mesh_172_18_0_4 \d\d:\d\d:\d\d\] \* \(100\/0\) \[i\]/);
    expect(lab.agents.get('w1')!.birdRoutes()).to.match(/192\.168\.0\.0\/26 +blackhole \[static1 /);
  });

  it('gives pods calico\'s routed veth: /32, 169.254.1.1 as gateway, the underlay MTU', () => {
    const pod = lab.pods.get('default/a')!;
    expect(formatRoutes(pod.ns)).to.equal('default via 169.254.1.1 dev eth0\n169.254.1.1 dev eth0 scope link\n');
    expect(pod.eth0.addresses.map((a) => a.prefixLength)).to.deep.equal([32]);
    expect([pod.eth0.mtu, pod.hostVeth.mtu, lab.agents.get('w1')!.mtu]).to.deep.equal([1500, 1500, 1500]);
    expect(pod.hostVeth.name).to.match(/^cali[0-9a-f]{11}$/);
  });

  it('carries ping and UDP pod → pod on one node (TTL 63) and across nodes (TTL 62)', async () => {
    const a = lab.pod('default/a');
    expect((await ping(a, '192.168.0.1', { count: 1, timeoutMs: 1000 })).ttls).to.deep.equal([63]);
    expect((await ping(a, '192.168.0.64', { count: 2, intervalMs: 1, timeoutMs: 1000 })).ttls).to.deep.equal([62, 62]);
    expect(await udpOnce(a, lab.pod('default/b'), '192.168.0.1', 100)).to.deep.include({ bytes: 100, ttl: 63 });
    expect(await udpOnce(a, lab.pod('default/d'), '192.168.0.128', 300)).to.deep.include({ bytes: 300, ttl: 62 });
  });

  it('puts the pod packet itself on eth0 (+0 bytes: 1472 bytes of UDP fill 1500)', async () => {
    const { tx } = await capture(lab.net.node('w1').eth0.dev, () => udpOnce(lab.pod('default/a'), lab.pod('default/c'), '192.168.0.64', 1472, { df: true }));
    const ips = tx.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => decodeIpv4(e.value.payload));
    const udp = ips.find((p) => p.ok && p.value.protocol === 17);
    if (!udp?.ok) return expect.fail('no UDP packet on eth0');
    expect([udp.value.src, udp.value.dst, udp.value.totalLength]).to.deep.equal([ipv4('192.168.0.0'), ipv4('192.168.0.64'), 1500]);
  });

  it('masquerades pod traffic leaving the pool (natOutgoing), not pod → pod', async () => {
    const a = lab.pod('default/a');
    expect((await udpOnce(a, lab.net.node('w3').ns, '172.18.0.5', 10))?.srcIp).to.equal(ipv4('172.18.0.3'));
    expect((await udpOnce(a, lab.pod('default/d'), '192.168.0.128', 10))?.srcIp).to.equal(ipv4('192.168.0.0'));
  });

  it('reports NetworkUnavailable False (CalicoIsUp) and publishes the node address', async () => {
    await waitFor(() => lab.node('w2').status?.conditions?.some((c) => c.type === 'NetworkUnavailable') === true, 'condition');
    const c = lab.node('w2').status!.conditions!.find((x) => x.type === 'NetworkUnavailable')!;
    expect([c.status, c.reason, c.message]).to.deep.equal(['False', 'CalicoIsUp', 'Calico is running on this node']);
    expect(lab.node('w2').metadata.annotations!['projectcalico.org/IPv4Address']).to.equal('172.18.0.4/24');
    expect(lab.agents.get('w2')!.lastError()).to.equal(undefined);
  });

  it('announces a new block as soon as IPAM gives one, and withdraws nothing else', async () => {
    lab.addPod('cp', 'default/e'); // cp's first pod: it claims 192.168.0.192/26
    await waitFor(() => formatRoutes(lab.net.node('w2').ns).includes('192.168.0.192/26 via 172.18.0.2 dev eth0 proto bird'), 'cp\'s block on w2');
    expect((await ping(lab.pod('default/c'), '192.168.0.192', { count: 1, timeoutMs: 1000 })).received).to.equal(1);
  });

  it('withdraws a stopped node\'s routes on the others once the hold time (1.5 s) has passed', async () => {
    const started = Date.now();
    lab.net.setNodeLinkDown('w3', true); // powered off: no NOTIFICATION gets out
    await lab.agents.get('w3')!.stop();
    await waitFor(() => !formatRoutes(lab.net.node('w1').ns).includes('192.168.0.128/26'), 'w3\'s block withdrawn on w1', 6000);
    const took = Date.now() - started;
    expect(took).to.be.within(1000, 5000);
    const w1Peer = lab.agents.get('w1')!.peerStatus().find((p) => p.peerAddress === '172.18.0.5')!;
    expect(w1Peer.state).to.not.equal('up');
    // The other routes stay.
    expect(formatRoutes(lab.net.node('w1').ns)).to.include('192.168.0.64/26 via 172.18.0.4 dev eth0 proto bird');
    expect((await ping(lab.pod('default/a'), '192.168.0.128', { count: 1, timeoutMs: 200 })).received).to.equal(0);
  });
});
