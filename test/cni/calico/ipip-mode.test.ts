/**
 * calico ipip mode (IPIP Always): tunl0 with the node's tunnel address (the first address of its
 * first block), BGP routes `BLOCK via NODE dev tunl0 proto bird onlink`, pod MTU underlay − 20, and
 * IP-in-IP (protocol 4, +20 bytes) on the wire between nodes.
 */
import { expect } from 'chai';
import { formatLink, formatRoutes } from '../../../src/dataplane/iproute/index.js';
import { ping } from '../../../src/dataplane/stack/index.js';
import { decodeEthernet, decodeIpv4, ipv4 } from '../../../src/net/index.js';
import { type CalicoLab, calicoConfig, calicoLab, capture, oneRack, udpOnce } from './support.js';

describe('cni/calico: ipip mode', function () {
  this.timeout(20_000);
  let lab: CalicoLab;

  before(async () => {
    lab = await calicoLab(oneRack(), calicoConfig({ mode: 'ipip' }));
    await lab.join('cp', 'w1', 'w2');
    lab.addPod('w1', 'default/a');
    lab.addPod('w1', 'default/b');
    lab.addPod('w2', 'default/c');
    await lab.meshUp();
    await lab.converged();
  });
  after(async () => lab.close());

  it('gives every node tunl0 with the first address of its own block, MTU 1480, and publishes it', () => {
    // Agents start in order cp, w1, w2: each claims a block for its tunnel address first.
    expect(['cp', 'w1', 'w2'].map((n) => lab.agents.get(n)!.tunnelAddress)).to.deep.equal(['192.168.0.0', '192.168.0.64', '192.168.0.128']);
    const ns = lab.net.node('w1').ns;
    expect(formatLink(ns, ns.device('tunl0')!)).to.match(/^\d+: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 /);
    expect(ns.device('tunl0')!.addresses.map((a) => [a.address, a.prefixLength])).to.deep.equal([[ipv4('192.168.0.64'), 32]]);
    expect(lab.node('w1').metadata.annotations!['projectcalico.org/IPv4IPIPTunnelAddr']).to.equal('192.168.0.64');
    expect(lab.ipam.addressOf('ipip-tunnel-addr-w1')).to.equal('192.168.0.64');
  });

  it('routes other nodes\' blocks into tunl0 onlink, its own block to a blackhole, pods first-free after the tunnel', () => {
    const routes = formatRoutes(lab.net.node('w1').ns).split('\n');
    expect(routes).to.include('192.168.0.0/26 via 172.18.0.2 dev tunl0 proto bird onlink');
    expect(routes).to.include('192.168.0.128/26 via 172.18.0.4 dev tunl0 proto bird onlink');
    expect(routes).to.include('blackhole 192.168.0.64/26 proto bird');
    expect(lab.pods.get('default/a')!.ip).to.equal('192.168.0.65');
    expect(lab.pods.get('default/c')!.ip).to.equal('192.168.0.129');
    expect([lab.pods.get('default/a')!.eth0.mtu, lab.agents.get('w1')!.mtu]).to.deep.equal([1480, 1480]);
  });

  it('carries ping and UDP pod → pod on one node and across nodes (TTL 62 through the tunnel)', async () => {
    const a = lab.pod('default/a');
    expect((await ping(a, '192.168.0.66', { count: 1, timeoutMs: 1000 })).ttls).to.deep.equal([63]);
    expect((await ping(a, '192.168.0.129', { count: 2, intervalMs: 1, timeoutMs: 1000 })).ttls).to.deep.equal([62, 62]);
    expect(await udpOnce(a, lab.pod('default/c'), '192.168.0.129', 1000)).to.deep.include({ bytes: 1000, ttl: 62 });
    // The host reaches remote pods through tunl0 too, from its tunnel address.
    expect((await udpOnce(lab.net.node('w1').ns, lab.pod('default/c'), '192.168.0.129', 10))?.srcIp).to.equal(ipv4('192.168.0.64'));
  });

  it('wraps the pod packet in an outer IPv4 header (protocol 4, node → node, +20 bytes) on eth0', async () => {
    const { tx } = await capture(lab.net.node('w1').eth0.dev, () => udpOnce(lab.pod('default/a'), lab.pod('default/c'), '192.168.0.129', 1452, { df: true }));
    const outer = tx.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => decodeIpv4(e.value.payload)).find((p) => p.ok && p.value.protocol === 4);
    if (!outer?.ok) return expect.fail('no IP-in-IP packet on eth0');
    expect([outer.value.src, outer.value.dst, outer.value.totalLength]).to.deep.equal([ipv4('172.18.0.3'), ipv4('172.18.0.4'), 1500]);
    const inner = decodeIpv4(outer.value.payload);
    if (!inner.ok) return expect.fail(inner.error.message);
    expect([inner.value.src, inner.value.dst, inner.value.protocol, inner.value.totalLength]).to.deep.equal([ipv4('192.168.0.65'), ipv4('192.168.0.129'), 17, 1480]);
    // A pod packet of the pod MTU fits; one byte more with DF set does not leave the pod's node.
    expect(await udpOnce(lab.pod('default/a'), lab.pod('default/c'), '192.168.0.129', 1453, { df: true })).to.equal(undefined);
  });

  it('publishes nothing for vxlan and reports Running', () => {
    const a = lab.node('w2').metadata.annotations!;
    expect(a['projectcalico.org/IPv4VXLANTunnelAddr']).to.equal(undefined);
    expect(lab.agents.get('w2')!.status()).to.deep.include({ phase: 'Running', mode: 'ipip', mtu: 1480, tunnelAddress: '192.168.0.128', bgp: '2/2' });
  });
});
