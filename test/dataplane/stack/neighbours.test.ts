import { expect } from 'chai';
import {
  ARP_OP_REPLY, ARP_OP_REQUEST, ETHERTYPE_ARP, decodeArp, decodeEthernet, decodeIcmp, formatIpv4, ipv4, isBroadcastMac, macEquals,
} from '../../../src/net/index.js';
import { EthernetDevice, NetNamespace, ping } from '../../../src/dataplane/stack/index.js';
import { MemorySegment, capture, expectNoInternalErrors, hostOn, ipv4Frames, newClock, run } from './support.js';

/** Decoded ARP frames of one direction, optionally only one operation. */
function arpFrames(frames: ReturnType<typeof capture>, direction: 'rx' | 'tx', op?: number) {
  const out = [];
  for (const c of frames) {
    const eth = decodeEthernet(c.frame);
    if (c.direction !== direction || !eth.ok || eth.value.etherType !== ETHERTYPE_ARP) continue;
    const arp = decodeArp(eth.value.payload);
    if (arp.ok && (op === undefined || arp.value.op === op)) out.push({ eth: eth.value, arp: arp.value });
  }
  return out;
}

describe('dataplane/stack neighbours (ARP)', () => {
  it('resolves by ARP, then ping gets a reply with id, seq and payload echoed', async () => {
    const clock = newClock();
    const seg = new MemorySegment();
    const a = hostOn(seg, clock, 'a', '10.0.0.1/24', { ipForward: false });
    const b = hostOn(seg, clock, 'b', '10.0.0.2/24', { ipForward: false });
    const onA = capture(a.eth0);
    const result = await run(clock, ping(a.ns, '10.0.0.2', { count: 3, size: 56 }), 2_500);
    expect(result.transmitted).to.equal(3);
    expect(result.received).to.equal(3);
    expect(result.lost).to.deep.equal([]);
    expect(result.ttls).to.deep.equal([64, 64, 64]);

    const arps = arpFrames(onA, 'tx', ARP_OP_REQUEST);
    expect(arps).to.have.length(1); // one request, then the entry is used
    const request = arps[0]!;
    expect(request.eth.payload.length).to.equal(28);
    expect(isBroadcastMac(request.eth.dst)).to.equal(true);
    expect(request.arp.op).to.equal(ARP_OP_REQUEST);
    expect(formatIpv4(request.arp.targetIp)).to.equal('10.0.0.2');
    const reply = arpFrames(onA, 'rx')[0]!;
    expect(reply.arp.op).to.equal(ARP_OP_REPLY);
    expect(macEquals(reply.arp.senderMac, b.eth0.mac)).to.equal(true);

    const echo = ipv4Frames(onA, 'tx');
    expect(echo).to.have.length(3);
    expect(echo[0]!.ip.totalLength).to.equal(84);
    const req = decodeIcmp(echo[0]!.ip.payload);
    const rep = decodeIcmp(ipv4Frames(onA, 'rx')[0]!.ip.payload);
    expect(req.ok && rep.ok).to.equal(true);
    if (req.ok && rep.ok && req.value.kind === 'echo-request' && rep.value.kind === 'echo-reply') {
      expect(rep.value.id).to.equal(req.value.id);
      expect(rep.value.seq).to.equal(1);
      expect([...rep.value.payload]).to.deep.equal([...req.value.payload]);
    } else expect.fail('expected an echo request and its reply');
    expect(a.ns.neighbours.state(a.eth0, ipv4('10.0.0.2'))).to.equal('REACHABLE');
    expect(b.ns.neighbours.state(b.eth0, ipv4('10.0.0.1'))).to.equal('STALE'); // learnt from the request
    expectNoInternalErrors(a.ns, b.ns);
  });

  it('queues packets while INCOMPLETE, retries 3 times, then FAILED answers the sender with host unreachable', async () => {
    const clock = newClock();
    const seg = new MemorySegment();
    const a = hostOn(seg, clock, 'a', '10.0.0.1/24');
    const onA = capture(a.eth0);
    const pending = ping(a.ns, '10.0.0.9', { count: 1, timeoutMs: 10_000 });
    expect(a.ns.neighbours.state(a.eth0, ipv4('10.0.0.9'))).to.equal('INCOMPLETE');
    clock.advance(2_999);
    expect(a.ns.neighbours.state(a.eth0, ipv4('10.0.0.9'))).to.equal('INCOMPLETE');
    clock.advance(1);
    expect(a.ns.neighbours.state(a.eth0, ipv4('10.0.0.9'))).to.equal('FAILED');
    const result = await run(clock, pending);
    expect(arpFrames(onA, 'tx', ARP_OP_REQUEST)).to.have.length(3);
    expect(result.received).to.equal(0);
    expect(result.errors).to.have.length(1);
    expect(result.errors[0]).to.include({ seq: 1, from: '10.0.0.1', message: 'Destination Host Unreachable', type: 3, code: 1 });
    expect(a.eth0.counters.drops.get('neigh-failed')).to.equal(1);
    expectNoInternalErrors(a.ns);
  });

  it('keeps at most unres_qlen packets per unresolved neighbour, dropping the oldest', () => {
    const clock = newClock();
    const seg = new MemorySegment();
    const a = hostOn(seg, clock, 'a', '10.0.0.1/24', { neighbour: { queueLimit: 3 } });
    const sock = a.ns.udp.bind();
    for (let i = 0; i < 5; i++) sock.send('10.0.0.9', 9, new Uint8Array([i]));
    expect(a.eth0.counters.drops.get('neigh-queue-overflow')).to.equal(2);
  });

  it('turns REACHABLE into STALE after 30 s and re-probes by unicast 5 s after use', async () => {
    const clock = newClock();
    const seg = new MemorySegment();
    const a = hostOn(seg, clock, 'a', '10.0.0.1/24');
    const b = hostOn(seg, clock, 'b', '10.0.0.2/24');
    await run(clock, ping(a.ns, '10.0.0.2'), 1000);
    clock.advance(30_000);
    expect(a.ns.neighbours.state(a.eth0, ipv4('10.0.0.2'))).to.equal('STALE');
    const onA = capture(a.eth0);
    const r = await run(clock, ping(a.ns, '10.0.0.2'), 1000);
    expect(r.received).to.equal(1); // sent to the cached address at once
    expect(arpFrames(onA, 'tx', ARP_OP_REQUEST)).to.have.length(0);
    clock.advance(4_000);
    const probe = arpFrames(onA, 'tx', ARP_OP_REQUEST)[0]!;
    expect(macEquals(probe.eth.dst, b.eth0.mac)).to.equal(true); // unicast to the cached address
    expect(a.ns.neighbours.state(a.eth0, ipv4('10.0.0.2'))).to.equal('REACHABLE');
  });

  it('uses PERMANENT entries without ARP and never lets ARP overwrite them', async () => {
    const clock = newClock();
    const seg = new MemorySegment();
    const a = hostOn(seg, clock, 'a', '10.0.0.1/24');
    const b = hostOn(seg, clock, 'b', '10.0.0.2/24');
    a.ns.neighbours.add(a.eth0, ipv4('10.0.0.2'), b.eth0.mac);
    const onA = capture(a.eth0);
    const r = await run(clock, ping(a.ns, '10.0.0.2'), 1000);
    expect(r.received).to.equal(1);
    expect(arpFrames(onA, 'tx', ARP_OP_REQUEST)).to.have.length(0);
    b.ns.neighbours.add(b.eth0, ipv4('10.0.0.1'), a.eth0.mac);
    // b announces itself with another MAC (gratuitous ARP): a's permanent entry stays
    const entry = a.ns.neighbours.list().find((n) => n.ip === '10.0.0.2')!;
    expect(entry.state).to.equal('PERMANENT');
    b.eth0.sendArp(ARP_OP_REPLY, a.eth0.mac, ipv4('10.0.0.2'), a.eth0.mac, ipv4('10.0.0.1'));
    expect(a.ns.neighbours.list().find((n) => n.ip === '10.0.0.2')).to.deep.equal(entry);
  });

  it('answers ARP for any of its addresses (arp_ignore=0) and ignores requests for others', () => {
    const clock = newClock();
    const seg = new MemorySegment();
    const a = hostOn(seg, clock, 'a', '10.0.0.1/24');
    a.ns.addAddress('lo', '10.9.9.9/32');
    const b = hostOn(seg, clock, 'b', '10.0.0.2/24');
    const onB = capture(b.eth0);
    const bcast = new Uint8Array(6).fill(0xff);
    b.eth0.sendArp(ARP_OP_REQUEST, bcast, ipv4('10.0.0.2'), new Uint8Array(6), ipv4('10.9.9.9'));
    b.eth0.sendArp(ARP_OP_REQUEST, bcast, ipv4('10.0.0.2'), new Uint8Array(6), ipv4('10.0.0.77'));
    const replies = arpFrames(onB, 'rx');
    expect(replies).to.have.length(1);
    expect(formatIpv4(replies[0]!.arp.senderIp)).to.equal('10.9.9.9');
    expect(a.ns.counters.arpIn).to.equal(2);
  });

  it('attaches underlay NICs through the Segment interface (EthernetDevice.onSegment)', async () => {
    const clock = newClock();
    const seg = new MemorySegment();
    const [x, y] = [new NetNamespace({ name: 'x', clock }), new NetNamespace({ name: 'y', clock })];
    x.addAddress(x.addDevice(await EthernetDevice.onSegment('eth0', seg)), '192.168.1.1/24');
    y.addAddress(y.addDevice(await EthernetDevice.onSegment('eth0', seg, { mtu: 9000 })), '192.168.1.2/24');
    const r = await run(clock, ping(x, '192.168.1.2'), 1000);
    expect(r.received).to.equal(1);
    expect(y.device('eth0')!.mtu).to.equal(9000);
  });
});
