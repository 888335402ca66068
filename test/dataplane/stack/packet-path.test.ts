/**
 * The fast packet path: headers written into the headroom of pool packets (Ethernet framing, VXLAN
 * and IPIP encapsulation), the copying fallback for memory without headroom, ownership of frames,
 * and the caches the path relies on (routes, parsed destinations).
 */
import { expect } from 'chai';
import {
  ETHERNET_HEADER_LEN, FLANNEL_VXLAN_PORT, buildEthernetFrame, buildIpv4Udp, buildVxlanPacket, decodeIpv4, formatMac, ipv4, readU16,
} from '../../../src/net/index.js';
import { Bridge, EthernetDevice, IpipDevice, NetNamespace, VethPair } from '../../../src/dataplane/stack/index.js';
import { HEADROOM, headroomOf } from '../../../src/dataplane/stack/pool.js';
import { MemorySegment, expectNoInternalErrors, flannelVxlan, k8sNode, newClock } from './support.js';

interface Sent {
  /** Where the frame handed to the medium starts in its pool slot (the receiver may rewrite its bytes later). */
  headroom: number;
  /** Its bytes when it was sent. */
  bytes: Uint8Array;
}

/** Frames handed to the underlay medium itself (not tap copies), in order. */
function wireFrames(underlay: MemorySegment): Sent[] {
  const sent: Sent[] = [];
  const carry = underlay.carry.bind(underlay);
  underlay.carry = (from, frame) => {
    sent.push({ headroom: headroomOf(frame), bytes: frame.slice() });
    carry(from, frame);
  };
  return sent;
}

/** What buildVxlanPacket (the reference encoder) makes of the frame's inner frame, with the frame's IP id. */
function referenceOuter(frame: Uint8Array, src: string, dst: string): Uint8Array {
  const outerIp = frame.subarray(ETHERNET_HEADER_LEN);
  const inner = outerIp.slice(20 + 8 + 8);
  return buildVxlanPacket({
    src: ipv4(src), dst: ipv4(dst), vni: 1, innerFrame: inner, dstPort: FLANNEL_VXLAN_PORT, id: readU16(outerIp, 4),
  });
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

describe('dataplane/stack packet path', () => {
  it('a pod datagram is framed and VXLAN-encapsulated in place, with the bytes the reference encoder builds', () => {
    const { clock, underlay, n1, n2 } = flannelVxlan();
    const a = n1.addPod('a', '10.244.0.2');
    const b = n2.addPod('b', '10.244.1.2');
    const got: string[] = [];
    b.ns.udp.bind(7000).onMessage((p) => got.push(Buffer.from(p).toString()));
    const tx = a.ns.udp.bind();
    tx.send('10.244.1.2', 7000, Buffer.from('warm-up')); // resolves eth0's neighbour on the underlay
    clock.advance(10);
    const sent = wireFrames(underlay);
    tx.send('10.244.1.2', 7000, Buffer.from('in place'));
    expect(sent).to.have.length(1);
    const frame = sent[0]!.bytes;
    // Built at HEADROOM in a pool slot by the socket; 14 + 36 + 14 bytes of headers were written in front.
    expect(sent[0]!.headroom).to.equal(HEADROOM - 64);
    expect(hex(frame.subarray(ETHERNET_HEADER_LEN))).to.equal(hex(referenceOuter(frame, '172.18.0.2', '172.18.0.3')));
    expect(hex(frame.subarray(0, 12))).to.equal(hex(n2.eth0.mac) + hex(n1.eth0.mac));
    clock.advance(10);
    expect(got).to.deep.equal(['warm-up', 'in place']);
    expectNoInternalErrors(n1.ns, n2.ns, a.ns, b.ns);
  });

  it('frames without headroom (a plain array, a Node Buffer) are copied once and give the same bytes', () => {
    const { clock, underlay, n1, n2 } = flannelVxlan();
    const a = n1.addPod('a', '10.244.0.2');
    const b = n2.addPod('b', '10.244.1.2');
    const got: string[] = [];
    b.ns.udp.bind(7000).onMessage((p) => got.push(Buffer.from(p).toString()));
    a.ns.udp.bind().send('10.244.1.2', 7000, Buffer.from('warm-up'));
    clock.advance(10);
    const sent = wireFrames(underlay);
    const packet = buildIpv4Udp({ src: ipv4('10.244.0.2'), dst: ipv4('10.244.1.2'), srcPort: 5555, dstPort: 7000, payload: Buffer.from('copied'), id: 9 });
    const frame = buildEthernetFrame({ dst: n1.cni0.mac, src: a.eth0.mac, etherType: 0x0800 }, packet);
    a.hostVeth.deliverToStack(frame.slice()); // as if the pod had sent a frame from foreign memory
    a.hostVeth.deliverToStack(Buffer.from(frame));
    expect(sent).to.have.length(2);
    for (const { headroom, bytes } of sent) {
      expect(headroom).to.equal(HEADROOM - 14); // VXLAN copied the inner frame into a fresh packet
      expect(hex(bytes.subarray(ETHERNET_HEADER_LEN))).to.equal(hex(referenceOuter(bytes, '172.18.0.2', '172.18.0.3')));
    }
    clock.advance(10);
    expect(got).to.deep.equal(['warm-up', 'copied', 'copied']);
    expectNoInternalErrors(n1.ns, n2.ns, a.ns, b.ns);
  });

  it('a burst of datagrams held by the medium keeps every payload intact (each packet owns its slot)', () => {
    const { clock, underlay, n1, n2 } = flannelVxlan();
    const a = n1.addPod('a', '10.244.0.2');
    const b = n2.addPod('b', '10.244.1.2');
    const got: string[] = [];
    b.ns.udp.bind(7000).onMessage((p) => got.push(Buffer.from(p).toString()));
    const tx = a.ns.udp.bind();
    tx.send('10.244.1.2', 7000, Buffer.from('warm-up'));
    clock.advance(10);
    got.length = 0;
    // The medium holds every frame (by reference, as a delay line does) until the whole burst is sent.
    const held: Array<() => void> = [];
    const carry = underlay.carry.bind(underlay);
    underlay.carry = (from, frame) => void held.push(() => carry(from, frame));
    const expected = Array.from({ length: 300 }, (_, i) => `datagram ${i} `.repeat(1 + (i % 90)));
    for (const text of expected) tx.send('10.244.1.2', 7000, Buffer.from(text));
    expect(held).to.have.length(300);
    for (const release of held) release();
    clock.advance(10);
    expect(got).to.deep.equal(expected);
  });

  it('IPIP writes the outer header in front of the inner packet', () => {
    const clock = newClock();
    const underlay = new MemorySegment('underlay');
    const n1 = k8sNode(underlay, clock, 'node1', '172.18.0.2/24', '10.244.0.1/24');
    const n2 = k8sNode(underlay, clock, 'node2', '172.18.0.3/24', '10.244.1.1/24');
    for (const [node, addr, remoteBlock, remoteNode] of [[n1, '10.244.0.1', '10.244.1.0/24', '172.18.0.3'], [n2, '10.244.1.1', '10.244.0.0/24', '172.18.0.2']] as const) {
      const tunl0 = node.ns.addDevice(new IpipDevice('tunl0'));
      node.ns.addAddress(tunl0, `${addr}/32`);
      node.ns.routes.add({ dst: remoteBlock, via: remoteNode, dev: 'tunl0', onlink: true });
    }
    const a = n1.addPod('a', '10.244.0.2');
    const b = n2.addPod('b', '10.244.1.2');
    const got: number[] = [];
    b.ns.udp.bind(7000).onMessage((p) => got.push(p.length));
    a.ns.udp.bind().send('10.244.1.2', 7000, new Uint8Array(100), { dscp: 10, df: true });
    clock.advance(10);
    const sent = wireFrames(underlay);
    a.ns.udp.bind().send('10.244.1.2', 7000, new Uint8Array(1000), { dscp: 10, df: true });
    expect(sent[0]!.headroom).to.equal(HEADROOM - 20 - 14); // outer IPv4, then the underlay Ethernet header
    const outer = decodeIpv4(sent[0]!.bytes.subarray(ETHERNET_HEADER_LEN));
    if (!outer.ok) return expect.fail(outer.error.message);
    expect([outer.value.protocol, outer.value.dscp, outer.value.ecn, outer.value.dontFragment, outer.value.ttl]).to.deep.equal([4, 10, 0, true, 63]);
    clock.advance(10);
    expect(got).to.deep.equal([100, 1000]);
  });

  it('a bridge floods a copy to every port, even of a Node Buffer (whose slice() would share memory)', () => {
    const clock = newClock();
    const ns = new NetNamespace({ name: 'host', clock });
    const br = ns.addDevice(new Bridge('br0'));
    const received: Uint8Array[] = [];
    const ports = [0, 1, 2].map((i) => {
      const pair = new VethPair(`veth${i}`, 'eth0');
      ns.addDevice(pair.a);
      br.addPort(pair.a);
      const peer = new NetNamespace({ name: `peer${i}`, clock });
      peer.addDevice(pair.b);
      pair.b.deliverToStack = (frame: Uint8Array): void => void received.push(frame);
      return pair;
    });
    const frame = Buffer.from(buildEthernetFrame({ dst: new Uint8Array(6).fill(0xff), src: ports[0]!.b.mac, etherType: 0x0800 }, new Uint8Array(30)));
    ports[0]!.a.deliverToStack(frame);
    expect(received).to.have.length(2);
    expect(new Set([frame.buffer, ...received.map((f) => f.buffer)]).size).to.equal(3);
    expect(br.fdbEntries().map((e) => e.mac)).to.deep.equal([formatMac(ports[0]!.b.mac)]); // learnt from a copy of the source MAC
  });

  it('route lookups follow changes of the table and of device state (the lookup cache is dropped)', () => {
    const clock = newClock();
    const ns = new NetNamespace({ name: 'r', clock, ipForward: true });
    const eth0 = ns.addDevice(new EthernetDevice('eth0'));
    const eth1 = ns.addDevice(new EthernetDevice('eth1'));
    ns.addAddress(eth0, '10.0.0.1/24');
    ns.addAddress(eth1, '10.1.0.1/24');
    const dst = ipv4('192.168.7.7');
    expect(ns.routes.lookup(dst)).to.equal(undefined);
    ns.routes.add({ dst: 'default', via: '10.0.0.254' });
    expect(ns.routes.lookup(dst)?.dev).to.equal(eth0);
    ns.routes.add({ dst: '192.168.7.0/24', via: '10.1.0.254' });
    expect(ns.routes.lookup(dst)?.dev).to.equal(eth1);
    eth1.up = false; // a plain assignment is seen too
    expect(ns.routes.lookup(dst)?.dev).to.equal(eth0);
    eth1.setUp(true);
    expect(ns.routes.lookup(dst)?.dev).to.equal(eth1);
    ns.routes.delete({ dst: '192.168.7.0/24' });
    expect(ns.routes.lookup(dst)?.dev).to.equal(eth0);
    ns.removeDevice('eth0');
    expect(ns.routes.lookup(dst)).to.equal(undefined);
  });

  it('sockets still validate what callers pass; destinations parse (and fail) as before', () => {
    const clock = newClock();
    const ns = new NetNamespace({ name: 'p', clock });
    const sock = ns.udp.bind();
    expect(() => sock.send('10.0.0.1', 70000, new Uint8Array(1))).to.throw().with.property('code', 'ERR_BAD_FIELD');
    expect(() => sock.send('10.0.0.1', 53, new Uint8Array(1), { ttl: 256 })).to.throw().with.property('code', 'ERR_BAD_FIELD');
    expect(() => sock.send('10.0.0.1', 53, new Uint8Array(1), { dscp: 64 })).to.throw().with.property('code', 'ERR_BAD_FIELD');
    expect(sock.send('10.0.0.1', 53, new Uint8Array(1))).to.equal(false); // no route: dropped, not thrown
    expect(() => sock.send('', 53, new Uint8Array(1))).to.throw().with.property('code', 'ERR_INVALID_ADDRESS');
    expect(() => sock.send('10.0.0.256', 53, new Uint8Array(1))).to.throw().with.property('code', 'ERR_INVALID_ADDRESS');
    expect(ns.counters.drops.get('no-route')).to.equal(1);
  });
});
