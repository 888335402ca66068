/**
 * calico vxlan mode: vxlan.calico (VNI 4096, UDP 4789, MTU underlay − 50) with a tunnel address from
 * IPAM and its own MAC, published on the Node; felix programs neighbours, FDB and routes from the
 * datastore (`BLOCK via VTEP dev vxlan.calico onlink proto 80`), not from BGP — BGP sessions still
 * run and announce the blocks. A stopped node therefore keeps its routes (datastore unchanged) until
 * its Node goes away.
 */
import { expect } from 'chai';
import { formatBridgeFdb, formatNeighbours, formatRoutes } from '../../../src/dataplane/iproute/index.js';
import { VxlanDevice, ping } from '../../../src/dataplane/stack/index.js';
import { decodeEthernet, decodeIpv4, decodeUdp, decodeVxlan, formatMac, ipv4 } from '../../../src/net/index.js';
import { type CalicoLab, calicoConfig, calicoLab, capture, oneRack, udpOnce, waitFor } from './support.js';

describe('cni/calico: vxlan mode', function () {
  this.timeout(20_000);
  let lab: CalicoLab;
  const mac = (node: string): string => formatMac((lab.net.node(node).ns.device('vxlan.calico') as VxlanDevice).mac);

  before(async () => {
    lab = await calicoLab(oneRack(), calicoConfig({ mode: 'vxlan' }));
    await lab.join('cp', 'w1', 'w2');
    lab.addPod('w1', 'default/a');
    lab.addPod('w2', 'default/c');
    await lab.meshUp();
    await lab.converged();
  });
  after(async () => lab.close());

  it('creates vxlan.calico (VNI 4096, port 4789, MTU 1450) with the tunnel address and publishes address and MAC', () => {
    const dev = lab.net.node('w1').ns.device('vxlan.calico');
    if (!(dev instanceof VxlanDevice)) return expect.fail('no vxlan.calico');
    expect([dev.vni, dev.dstPort, dev.mtu, dev.local]).to.deep.equal([4096, 4789, 1450, ipv4('172.18.0.3')]);
    expect(dev.addresses.map((a) => [a.address, a.prefixLength])).to.deep.equal([[ipv4('192.168.0.64'), 32]]);
    const a = lab.node('w1').metadata.annotations!;
    expect([a['projectcalico.org/IPv4VXLANTunnelAddr'], a['projectcalico.org/VXLANTunnelMACAddr']]).to.deep.equal(['192.168.0.64', mac('w1')]);
    expect(lab.pods.get('default/a')!.eth0.mtu).to.equal(1450);
  });

  it('programs felix\'s routes (proto 80), permanent neighbours and FDB entries for every remote VTEP', () => {
    const ns = lab.net.node('w1').ns;
    const routes = formatRoutes(ns).split('\n');
    expect(routes).to.include('192.168.0.0/26 via 192.168.0.0 dev vxlan.calico proto 80 onlink');
    expect(routes).to.include('192.168.0.128/26 via 192.168.0.128 dev vxlan.calico proto 80 onlink');
    expect(routes).to.include('blackhole 192.168.0.64/26 proto 80');
    expect(routes.some((r) => r.includes('proto bird'))).to.equal(false); // BIRD leaves the VXLAN pool to felix
    expect(formatNeighbours(ns).split('\n')).to.include(`192.168.0.128 dev vxlan.calico lladdr ${mac('w2')} PERMANENT`);
    expect(formatBridgeFdb(ns).split('\n')).to.include(`${mac('w2')} dev vxlan.calico dst 172.18.0.4 self permanent`);
  });

  it('runs BGP anyway: the blocks are announced and learned, not programmed by BIRD', async () => {
    await waitFor(() => lab.agents.get('w1')!.speaker!.learnedRoutes().length === 2, 'two blocks learned');
    expect(lab.agents.get('w1')!.speaker!.learnedRoutes().map((r) => [r.prefix, r.nextHop])).to.deep.include(['192.168.0.128/26', '172.18.0.4']);
  });

  it('carries ping and UDP across nodes inside VXLAN (UDP 4789, VNI 4096, +50 bytes)', async () => {
    const a = lab.pod('default/a');
    expect((await ping(a, '192.168.0.129', { count: 2, intervalMs: 1, timeoutMs: 1000 })).ttls).to.deep.equal([62, 62]);
    const { tx } = await capture(lab.net.node('w1').eth0.dev, () => udpOnce(a, lab.pod('default/c'), '192.168.0.129', 1422, { df: true }));
    const outer = tx.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => decodeIpv4(e.value.payload)).find((p) => p.ok && p.value.protocol === 17);
    if (!outer?.ok) return expect.fail('no UDP on eth0');
    expect([outer.value.src, outer.value.dst, outer.value.totalLength]).to.deep.equal([ipv4('172.18.0.3'), ipv4('172.18.0.4'), 1500]);
    const udp = decodeUdp(outer.value.payload);
    if (!udp.ok) return expect.fail(udp.error.message);
    expect(udp.value.dstPort).to.equal(4789);
    const vx = decodeVxlan(udp.value.payload);
    if (!vx.ok) return expect.fail(vx.error.message);
    expect(vx.value.vni).to.equal(4096);
    const inner = decodeEthernet(vx.value.payload);
    if (!inner.ok) return expect.fail(inner.error.message);
    expect([formatMac(inner.value.src), formatMac(inner.value.dst)]).to.deep.equal([mac('w1'), mac('w2')]);
    const innerIp = decodeIpv4(inner.value.payload);
    expect(innerIp.ok && [innerIp.value.src, innerIp.value.dst, innerIp.value.totalLength]).to.deep.equal([ipv4('192.168.0.65'), ipv4('192.168.0.129'), 1450]);
  });

  it('keeps a stopped node\'s routes (the datastore still has them) but drops them when its Node is deleted', async () => {
    lab.net.setNodeLinkDown('w2', true);
    await lab.agents.get('w2')!.stop();
    // BGP notices (the session goes down after the hold time), felix does not.
    await waitFor(() => lab.agents.get('w1')!.peerStatus().find((p) => p.peerAddress === '172.18.0.4')?.state !== 'up', 'session down', 6000);
    await lab.agents.get('w1')!.resync();
    expect(formatRoutes(lab.net.node('w1').ns)).to.include('192.168.0.128/26 via 192.168.0.128 dev vxlan.calico proto 80 onlink');
    await lab.api.client.delete('nodes', undefined, 'w2');
    await waitFor(() => !formatRoutes(lab.net.node('w1').ns).includes('192.168.0.128'), 'route removed');
    expect(formatNeighbours(lab.net.node('w1').ns)).to.not.include('192.168.0.128 dev vxlan.calico');
    expect(formatBridgeFdb(lab.net.node('w1').ns)).to.not.include('172.18.0.4');
    expect(lab.agents.get('w1')!.peerStatus().map((p) => p.peerAddress)).to.deep.equal(['172.18.0.2']);
  });
});
