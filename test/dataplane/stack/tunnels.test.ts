import { expect } from 'chai';
import {
  FLANNEL_VXLAN_PORT, IPPROTO_IPIP, IPPROTO_UDP, VXLAN_OVERHEAD, decodeEthernet, decodeIpv4, decodeUdp, decodeVxlan, formatIpv4, ipv4, macEquals,
  vxlanSourcePort,
} from '../../../src/net/index.js';
import { IpipDevice, TunDevice, VxlanDevice, ping } from '../../../src/dataplane/stack/index.js';
import { MemorySegment, capture, expectNoInternalErrors, flannelVxlan, ipv4Frames, k8sNode, newClock, run } from './support.js';

describe('dataplane/stack tunnels', () => {
  it('VXLAN (flannel): inner packet arrives; outer is UDP to the VTEP port with the VNI, 50 bytes bigger', async () => {
    const { clock, n1, n2, v1, v2 } = flannelVxlan();
    const a = n1.addPod('a', '10.244.0.2');
    const b = n2.addPod('b', '10.244.1.2');
    const wire = capture(n1.eth0);
    const onB = capture(b.eth0);
    const r = await run(clock, ping(a.ns, '10.244.1.2', { count: 2 }), 2500);
    expect(r.received).to.equal(2);
    expect(r.ttls).to.deep.equal([62, 62]);

    const inner = ipv4Frames(onB, 'rx')[0]!.ip;
    expect([formatIpv4(inner.src), formatIpv4(inner.dst), inner.ttl]).to.deep.equal(['10.244.0.2', '10.244.1.2', 62]);
    const outer = ipv4Frames(wire, 'tx')[0]!;
    expect([formatIpv4(outer.ip.src), formatIpv4(outer.ip.dst), outer.ip.protocol]).to.deep.equal(['172.18.0.2', '172.18.0.3', IPPROTO_UDP]);
    expect(macEquals(outer.eth.dst, n2.eth0.mac)).to.equal(true); // resolved on the underlay by ARP
    const udp = decodeUdp(outer.ip.payload, outer.ip);
    if (!udp.ok) return expect.fail(udp.error.message);
    expect(udp.value.dstPort).to.equal(8472);
    expect(udp.value.checksum).to.equal(0);
    const vx = decodeVxlan(udp.value.payload);
    if (!vx.ok) return expect.fail(vx.error.message);
    expect(vx.value.vni).to.equal(1);
    expect(udp.value.srcPort).to.equal(vxlanSourcePort(vx.value.payload));
    expect(udp.value.srcPort).to.be.within(32768, 60999);
    const innerFrame = decodeEthernet(vx.value.payload);
    if (!innerFrame.ok) return expect.fail('inner frame');
    expect(macEquals(innerFrame.value.src, v1.mac) && macEquals(innerFrame.value.dst, v2.mac)).to.equal(true);
    const innerIp = decodeIpv4(innerFrame.value.payload);
    expect(innerIp.ok && [formatIpv4(innerIp.value.src), innerIp.value.ttl, innerIp.value.totalLength]).to.deep.equal(['10.244.0.2', 63, 84]);
    expect(outer.ip.totalLength).to.equal(84 + VXLAN_OVERHEAD);
    expect(v1.counters.txPackets).to.equal(2);
    expect(v2.counters.rxPackets).to.equal(2);
    expectNoInternalErrors(n1.ns, n2.ns, a.ns, b.ns);
  });

  it('VXLAN: flannel.1 MTU 1450 answers DF 1500 with frag-needed 1450; a too-big flannel.1 MTU fragments the outer packet', async () => {
    const fine = flannelVxlan();
    const a = fine.n1.addPod('a', '10.244.0.2');
    fine.n2.addPod('b', '10.244.1.2');
    const big = await run(fine.clock, ping(a.ns, '10.244.1.2', { size: 1472, df: true }), 1500);
    expect(big.errors.map((e) => [e.from, e.message])).to.deep.equal([['10.244.0.1', 'Frag needed and DF set (mtu = 1450)']]);

    const wrong = flannelVxlan(1500);
    const a2 = wrong.n1.addPod('a', '10.244.0.2');
    const b2 = wrong.n2.addPod('b', '10.244.1.2');
    const got: number[] = [];
    b2.ns.udp.bind(9000).onMessage((p) => got.push(p.length));
    const wire = capture(wrong.n1.eth0);
    a2.ns.udp.bind().send('10.244.1.2', 9000, new Uint8Array(1472));
    const outers = ipv4Frames(wire, 'tx').filter((f) => formatIpv4(f.ip.dst) === '172.18.0.3');
    expect(outers.map((f) => [f.ip.totalLength, f.ip.moreFragments])).to.deep.equal([[1500, true], [70, false]]);
    expect(got).to.deep.equal([1472]); // node2 reassembled the outer datagram, then decapsulated
  });

  it('VXLAN: drops frames with another VNI and frames for MACs missing from the FDB', () => {
    const { n1, n2, v1 } = flannelVxlan();
    const other = n2.ns.addDevice(new VxlanDevice('vxlan.9', { vni: 9, port: FLANNEL_VXLAN_PORT, local: '172.18.0.3' }));
    expect(other.vni).to.equal(9);
    v1.fdbDelete(v1.fdbEntries()[0]!.mac);
    n1.ns.udp.bind().send('10.244.1.5', 1, new Uint8Array(1));
    expect(v1.counters.drops.get('vxlan-no-fdb-entry')).to.equal(1);
    const sock = n1.ns.udp.bind();
    sock.send('172.18.0.3', FLANNEL_VXLAN_PORT, Uint8Array.from([0x08, 0, 0, 0, 0, 0, 0x07, 0, ...new Uint8Array(14)]));
    expect(n2.ns.counters.drops.get('vxlan-unknown-vni')).to.equal(1);
  });

  it('IPIP (calico): outer IPv4 protocol 4 to the route gateway, 20 bytes bigger, TTL inherited', async () => {
    const clock = newClock();
    const underlay = new MemorySegment('underlay');
    const n1 = k8sNode(underlay, clock, 'node1', '172.18.0.2/24', '10.244.0.1/24');
    const n2 = k8sNode(underlay, clock, 'node2', '172.18.0.3/24', '10.244.1.1/24');
    for (const [node, addr, remoteBlock, remoteNode] of [[n1, '10.244.0.1', '10.244.1.0/24', '172.18.0.3'], [n2, '10.244.1.1', '10.244.0.0/24', '172.18.0.2']] as const) {
      const tunl0 = node.ns.addDevice(new IpipDevice('tunl0'));
      node.ns.addAddress(tunl0, `${addr}/32`);
      node.ns.routes.add({ dst: remoteBlock, via: remoteNode, dev: 'tunl0', onlink: true, proto: 'bird' });
    }
    const a = n1.addPod('a', '10.244.0.2');
    n2.addPod('b', '10.244.1.2');
    const wire = capture(n1.eth0);
    const r = await run(clock, ping(a.ns, '10.244.1.2'), 1500);
    expect(r.received).to.equal(1);
    expect(r.ttls).to.deep.equal([62]);
    const outer = ipv4Frames(wire, 'tx')[0]!.ip;
    expect([formatIpv4(outer.src), formatIpv4(outer.dst), outer.protocol, outer.ttl]).to.deep.equal(['172.18.0.2', '172.18.0.3', IPPROTO_IPIP, 63]);
    const inner = decodeIpv4(outer.payload);
    expect(inner.ok && [formatIpv4(inner.value.src), formatIpv4(inner.value.dst), inner.value.totalLength]).to.deep.equal(['10.244.0.2', '10.244.1.2', 84]);
    expect(outer.totalLength).to.equal(84 + 20);
    expect(n2.ns.device('tunl0')!.counters.rxPackets).to.equal(1);
  });

  it('TUN (flannel udp): the handler sees the raw inner packet; inject delivers into the namespace', async () => {
    const clock = newClock();
    const underlay = new MemorySegment('underlay');
    const nodes = [
      k8sNode(underlay, clock, 'node1', '172.18.0.2/24', '10.244.0.1/24'),
      k8sNode(underlay, clock, 'node2', '172.18.0.3/24', '10.244.1.1/24'),
    ];
    const seenByDaemon: Uint8Array[] = [];
    const subnetToNode = new Map([[ipv4('10.244.0.0'), '172.18.0.2'], [ipv4('10.244.1.0'), '172.18.0.3']]);
    for (const [i, node] of nodes.entries()) {
      const flannel0 = node.ns.addDevice(new TunDevice('flannel0', { mtu: 1472 }));
      node.ns.addAddress(flannel0, `10.244.${i}.0/32`);
      node.ns.routes.add({ dst: '10.244.0.0/16', dev: 'flannel0' });
      // flanneld: read the tun, send the packet in a UDP datagram to the owner of the destination's /24
      const sock = node.ns.udp.bind(8285).onMessage((payload) => flannel0.inject(payload.slice()));
      flannel0.onPacket((packet) => {
        seenByDaemon.push(packet.slice());
        const dst = ((packet[16]! << 24) | (packet[17]! << 16) | (packet[18]! << 8)) >>> 0;
        const remote = subnetToNode.get(dst);
        if (remote !== undefined) sock.send(remote, 8285, packet);
      });
    }
    const a = nodes[0]!.addPod('a', '10.244.0.2');
    nodes[1]!.addPod('b', '10.244.1.2');
    const r = await run(clock, ping(a.ns, '10.244.1.2'), 1500);
    expect(r.received).to.equal(1);
    expect(r.ttls).to.deep.equal([62]);
    const first = decodeIpv4(seenByDaemon[0]!);
    expect(first.ok && [first.value.headerLength, formatIpv4(first.value.src), formatIpv4(first.value.dst), first.value.ttl]).to.deep.equal([20, '10.244.0.2', '10.244.1.2', 63]);
    expect(seenByDaemon[0]![0]).to.equal(0x45); // no link header
    const unread = nodes[0]!.ns.addDevice(new TunDevice('tun9'));
    nodes[0]!.ns.routes.add({ dst: '10.99.0.0/16', dev: 'tun9' });
    nodes[0]!.ns.udp.bind().send('10.99.0.1', 1, new Uint8Array(1));
    expect(unread.counters.drops.get('no-reader')).to.equal(1);
  });
});
