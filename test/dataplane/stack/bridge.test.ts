import { expect } from 'chai';
import {
  checksumAdd, checksumFinish, decodeIpv4, decodeUdp, encodeUdpInto, formatIpv4, ipv4, macEquals, writeU16, writeU32,
} from '../../../src/net/index.js';
import type { HookStage, NetfilterHooks, PacketView } from '../../../src/dataplane/types.js';
import { ping } from '../../../src/dataplane/stack/index.js';
import { MemorySegment, capture, expectNoInternalErrors, ipv4Frames, k8sNode, newClock, run } from './support.js';

describe('dataplane/stack bridge + veth', () => {
  it('pod → host and pod → pod on one bridge: learnt FDB, bridged without routing', async () => {
    const clock = newClock();
    const node = k8sNode(new MemorySegment(), clock, 'node1', '172.18.0.2/24', '10.244.0.1/24');
    const p1 = node.addPod('p1', '10.244.0.2');
    const p2 = node.addPod('p2', '10.244.0.3');
    const toGateway = await run(clock, ping(p1.ns, '10.244.0.1'), 1500);
    expect(toGateway.received).to.equal(1);
    expect(toGateway.ttls).to.deep.equal([64]);
    const toNodeIp = await run(clock, ping(p1.ns, '172.18.0.2'), 1500);
    expect(toNodeIp.received).to.equal(1);

    const onP2 = capture(p2.eth0);
    const toPod = await run(clock, ping(p1.ns, '10.244.0.3', { count: 2 }), 2500);
    expect(toPod.received).to.equal(2);
    expect(toPod.ttls).to.deep.equal([64, 64]); // switched, not routed
    expect(node.ns.counters.forwarded).to.equal(0);
    expect(node.ns.counters.bridged).to.be.greaterThan(0);
    const req = ipv4Frames(onP2, 'rx')[0]!;
    expect(macEquals(req.eth.src, p1.eth0.mac)).to.equal(true);
    expect(formatIpv4(req.ip.src)).to.equal('10.244.0.2');

    const fdb = node.cni0.fdbEntries();
    expect(fdb.find((e) => e.port === p1.hostVeth.name)).to.not.equal(undefined);
    expect(fdb.find((e) => e.port === p2.hostVeth.name)).to.not.equal(undefined);
    expect(p1.hostVeth.counters.rxPackets).to.be.greaterThan(0);
    expect(node.cni0.counters.rxPackets).to.be.greaterThan(0);
    expectNoInternalErrors(node.ns, p1.ns, p2.ns);
  });

  it('ages FDB entries out after 300 s and then floods unknown unicast', async () => {
    const clock = newClock();
    const node = k8sNode(new MemorySegment(), clock, 'node1', '172.18.0.2/24', '10.244.0.1/24');
    const p1 = node.addPod('p1', '10.244.0.2');
    const p2 = node.addPod('p2', '10.244.0.3');
    const p3 = node.addPod('p3', '10.244.0.4');
    await run(clock, ping(p1.ns, '10.244.0.3'), 1000);
    const p3Seen = p3.eth0.counters.drops.get('other-host');
    await run(clock, ping(p1.ns, '10.244.0.3'), 1000);
    expect(p3.eth0.counters.drops.get('other-host')).to.equal(p3Seen); // known unicast: p3 sees nothing
    clock.advance(310_000); // the last frames (ARP re-probes) are at most ~5 s old
    expect(node.cni0.fdbEntries()).to.deep.equal([]);
    p1.ns.neighbours.add(p1.eth0, ipv4('10.244.0.3'), p2.eth0.mac, 'PERMANENT'); // no ARP to re-teach the bridge
    const r = await run(clock, ping(p1.ns, '10.244.0.3'), 1000);
    expect(r.received).to.equal(1);
    expect(p3.eth0.counters.drops.get('other-host')).to.equal(p3Seen + 1); // the request was flooded
  });

  it('pod → pod across two hosts by static routes (host-gw): plain IP on the underlay, TTL 62', async () => {
    const clock = newClock();
    const underlay = new MemorySegment('underlay');
    const n1 = k8sNode(underlay, clock, 'node1', '172.18.0.2/24', '10.244.0.1/24');
    const n2 = k8sNode(underlay, clock, 'node2', '172.18.0.3/24', '10.244.1.1/24');
    n1.ns.routes.add({ dst: '10.244.1.0/24', via: '172.18.0.3' });
    n2.ns.routes.add({ dst: '10.244.0.0/24', via: '172.18.0.2' });
    const a = n1.addPod('a', '10.244.0.2');
    const b = n2.addPod('b', '10.244.1.2');
    const wire = capture(n1.eth0);
    const r = await run(clock, ping(a.ns, '10.244.1.2', { count: 2 }), 2500);
    expect(r.received).to.equal(2);
    expect(r.ttls).to.deep.equal([62, 62]);
    const out = ipv4Frames(wire, 'tx')[0]!;
    expect([formatIpv4(out.ip.src), formatIpv4(out.ip.dst), out.ip.ttl, out.ip.protocol]).to.deep.equal(['10.244.0.2', '10.244.1.2', 63, 1]);
    expect(macEquals(out.eth.dst, n2.eth0.mac)).to.equal(true);
    expect(out.eth.payload.length).to.equal(84); // no encapsulation
    expectNoInternalErrors(n1.ns, n2.ns, a.ns, b.ns);
  });

  it('runs bridged IPv4 through PREROUTING, FORWARD and POSTROUTING (bridge-nf-call-iptables)', async () => {
    const clock = newClock();
    const seen: string[] = [];
    const hooks: NetfilterHooks = {
      run: (stage: HookStage, v: PacketView) => {
        if (v.protocol === 1) seen.push(`${stage} ${v.inIface}>${v.outIface} ${formatIpv4(v.src)}>${formatIpv4(v.dst)}`);
        return stage === 'FORWARD' && v.dst === ipv4('10.244.0.4') ? 'drop' : 'accept';
      },
    };
    const node = k8sNode(new MemorySegment(), clock, 'node1', '172.18.0.2/24', '10.244.0.1/24', { hooks });
    const p1 = node.addPod('p1', '10.244.0.2');
    node.addPod('p2', '10.244.0.3');
    node.addPod('p3', '10.244.0.4');
    const ok = await run(clock, ping(p1.ns, '10.244.0.3'), 1000);
    expect(ok.received).to.equal(1);
    expect(seen.slice(0, 3)).to.deep.equal([
      'PREROUTING cni0> 10.244.0.2>10.244.0.3', 'FORWARD cni0>cni0 10.244.0.2>10.244.0.3', 'POSTROUTING cni0>cni0 10.244.0.2>10.244.0.3',
    ]);
    const blocked = await run(clock, ping(p1.ns, '10.244.0.4'), 1000);
    expect(blocked.received).to.equal(0);
    expect(node.ns.counters.drops.get('netfilter-FORWARD')).to.equal(1);
  });

  it('re-routes after a PREROUTING DNAT: a "service" address is delivered to the pod behind it', () => {
    const clock = newClock();
    const service = ipv4('10.96.0.10');
    const hooks: NetfilterHooks = {
      run: (stage, v) => {
        if (stage === 'PREROUTING' && v.dst === service && v.dstPort === 80) dnat(v.packet, ipv4('10.244.0.3'), 8080);
        return 'accept';
      },
    };
    const node = k8sNode(new MemorySegment(), clock, 'node1', '172.18.0.2/24', '10.244.0.1/24', { hooks });
    const client = node.addPod('client', '10.244.0.2');
    const backend = node.addPod('backend', '10.244.0.3');
    const got: string[] = [];
    backend.ns.udp.bind(8080).onMessage((p, info) => got.push(`${formatIpv4(info.srcIp)}:${info.srcPort} ${new TextDecoder().decode(p)}`));
    const sock = client.ns.udp.bind(40000);
    sock.send('10.96.0.10', 80, new TextEncoder().encode('GET'));
    expect(got).to.deep.equal(['10.244.0.2:40000 GET']);
    expect(node.ns.counters.forwarded).to.equal(1);
  });
});

/** A tiny DNAT for the test: rewrites destination address and UDP port, recomputing both checksums. */
function dnat(packet: Uint8Array, ip: number, port: number): void {
  const decoded = decodeIpv4(packet);
  if (!decoded.ok) return;
  const p = decoded.value;
  writeU32(packet, 16, ip);
  writeU16(packet, 10, 0);
  writeU16(packet, 10, checksumFinish(checksumAdd(packet, 0, p.headerLength)));
  const udp = decodeUdp(p.payload);
  if (!udp.ok) return;
  encodeUdpInto(packet, p.headerLength, { srcPort: udp.value.srcPort, dstPort: port }, udp.value.payload, { src: p.src, dst: ip });
}
