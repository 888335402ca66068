/**
 * calico ipip CrossSubnet across two racks joined by a router: BGP sessions cross the router
 * (multihop, over kemu TCP), routes toward a node of the same rack are plain (`via NODE dev eth0`),
 * routes toward the other rack go into tunl0; on the wire only cross-rack traffic is IP-in-IP.
 */
import { expect } from 'chai';
import { formatRoutes } from '../../../src/dataplane/iproute/index.js';
import { ping } from '../../../src/dataplane/stack/index.js';
import { decodeEthernet, decodeIpv4, ipv4 } from '../../../src/net/index.js';
import { type CalicoLab, calicoConfig, calicoLab, capture, twoRacks, udpOnce, waitFor } from './support.js';

function protocolsOnWire(frames: Uint8Array[]): number[] {
  return frames.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => decodeIpv4(e.value.payload))
    .filter((p) => p.ok && p.value.protocol !== 6).map((p) => (p.ok ? p.value.protocol : -1));
}

describe('cni/calico: ipip CrossSubnet across two racks', function () {
  this.timeout(20_000);
  let lab: CalicoLab;

  before(async () => {
    lab = await calicoLab(twoRacks(), calicoConfig({ mode: 'ipip', crossSubnet: true }));
    await lab.join('cp', 'w1', 'w2', 'w3');
    lab.addPod('cp', 'default/p0');
    lab.addPod('w1', 'default/p1');
    lab.addPod('w2', 'default/p2');
    await lab.meshUp();
    await lab.converged();
  });
  after(async () => lab.close());

  it('establishes the mesh across the router (sessions to both racks)', () => {
    const w1 = lab.agents.get('w1')!.peerStatus();
    expect(w1.map((p) => [p.peerAddress, p.state])).to.have.deep.members([['172.18.0.2', 'up'], ['172.18.1.2', 'up'], ['172.18.1.3', 'up']]);
  });

  it('routes the same rack natively and the other rack through tunl0', () => {
    const routes = formatRoutes(lab.net.node('w1').ns).split('\n');
    expect(routes).to.include('192.168.0.0/26 via 172.18.0.2 dev eth0 proto bird');
    expect(routes).to.include('192.168.0.128/26 via 172.18.1.2 dev tunl0 proto bird onlink');
    expect(routes).to.include('192.168.0.192/26 via 172.18.1.3 dev tunl0 proto bird onlink');
    // The MTU is the encapsulated one on every node (calico does not vary it per destination).
    expect(lab.pods.get('default/p1')!.eth0.mtu).to.equal(1480);
  });

  it('sends plain packets within the rack and IP-in-IP across it', async () => {
    const p1 = lab.pod('default/p1');
    const within = await capture(lab.net.node('w1').eth0.dev, () => udpOnce(p1, lab.pod('default/p0'), lab.pods.get('default/p0')!.ip, 200));
    expect(within.result).to.deep.include({ bytes: 200, ttl: 62 });
    expect(protocolsOnWire(within.tx)).to.deep.equal([17]);
    const across = await capture(lab.net.node('w1').eth0.dev, () => udpOnce(p1, lab.pod('default/p2'), lab.pods.get('default/p2')!.ip, 200));
    expect(across.result?.bytes).to.equal(200);
    expect(protocolsOnWire(across.tx)).to.deep.equal([4]);
    const outer = across.tx.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => decodeIpv4(e.value.payload)).find((p) => p.ok && p.value.protocol === 4);
    expect(outer?.ok && [outer.value.src, outer.value.dst]).to.deep.equal([ipv4('172.18.0.3'), ipv4('172.18.1.2')]);
    expect((await ping(p1, lab.pods.get('default/p2')!.ip, { count: 1, timeoutMs: 1000 })).received).to.equal(1);
  });

  it('withdraws the other rack\'s routes when a node there stops', async () => {
    lab.net.setNodeLinkDown('w3', true);
    await lab.agents.get('w3')!.stop();
    await waitFor(() => !formatRoutes(lab.net.node('w1').ns).includes('192.168.0.192/26'), 'w3\'s block withdrawn', 6000);
    expect(formatRoutes(lab.net.node('w1').ns)).to.include('192.168.0.128/26 via 172.18.1.2 dev tunl0 proto bird onlink');
  });
});

describe('cni/calico: vxlan CrossSubnet across two racks', function () {
  this.timeout(20_000);
  let lab: CalicoLab;

  before(async () => {
    lab = await calicoLab(twoRacks(), calicoConfig({ mode: 'vxlan', crossSubnet: true }));
    await lab.join('cp', 'w1', 'w2');
    lab.addPod('w1', 'default/p1');
    lab.addPod('w2', 'default/p2');
    await lab.converged();
  });
  after(async () => lab.close());

  it('has felix route the same rack natively and the other rack into vxlan.calico', async () => {
    const routes = formatRoutes(lab.net.node('w1').ns).split('\n');
    expect(routes).to.include('192.168.0.0/26 via 172.18.0.2 dev eth0 proto 80');
    expect(routes).to.include('192.168.0.128/26 via 192.168.0.128 dev vxlan.calico proto 80 onlink');
    const across = await capture(lab.net.node('w1').eth0.dev, () => udpOnce(lab.pod('default/p1'), lab.pod('default/p2'), lab.pods.get('default/p2')!.ip, 100));
    expect(across.result?.bytes).to.equal(100);
    const outer = across.tx.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => decodeIpv4(e.value.payload)).find((p) => p.ok && p.value.protocol === 17);
    expect(outer?.ok && [outer.value.dst, outer.value.totalLength]).to.deep.equal([ipv4('172.18.1.2'), 20 + 8 + 100 + 50]);
  });
});
