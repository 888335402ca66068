import { expect } from 'chai';
import { buildIcmpError, decodeIcmp, decodeIpv4Header, formatIpv4, ipv4 } from '../../../src/net/index.js';
import type { NetfilterHooks, PacketView } from '../../../src/dataplane/types.js';
import { EthernetDevice, NetNamespace, type UdpSocketError, ping } from '../../../src/dataplane/stack/index.js';
import type { FakeClock } from '../../../src/util/clock.js';
import { MemorySegment, type TestHost, capture, expectNoInternalErrors, hostOn, ipv4Frames, newClock, run } from './support.js';

/**
 * a (10.0.1.2) — segA — r1 (10.0.1.1 | 10.0.3.1) — segM — r2 (10.0.3.2 | 10.0.2.1, eth1 MTU 1400) — segB — b (10.0.2.2)
 */
interface Chain {
  clock: FakeClock;
  a: TestHost;
  b: TestHost;
  r1: NetNamespace;
  r2: NetNamespace;
}

function router(clock: FakeClock, name: string, legs: Array<[MemorySegment, string, number?]>): NetNamespace {
  const ns = new NetNamespace({ name, clock, ipForward: true });
  legs.forEach(([segment, cidr, mtu], i) => {
    const dev = new EthernetDevice(`eth${i}`, { mtu });
    dev.attach(segment.attachSync(dev.mac));
    ns.addDevice(dev);
    ns.addAddress(dev, cidr);
  });
  return ns;
}

function chain(): Chain {
  const clock = newClock();
  const segA = new MemorySegment('a');
  const segM = new MemorySegment('m');
  const segB = new MemorySegment('b');
  const a = hostOn(segA, clock, 'a', '10.0.1.2/24', { ipForward: false });
  const b = hostOn(segB, clock, 'b', '10.0.2.2/24', { ipForward: false });
  const r1 = router(clock, 'r1', [[segA, '10.0.1.1/24'], [segM, '10.0.3.1/24']]);
  const r2 = router(clock, 'r2', [[segM, '10.0.3.2/24'], [segB, '10.0.2.1/24', 1400]]);
  a.ns.routes.add({ dst: 'default', via: '10.0.1.1' });
  b.ns.routes.add({ dst: 'default', via: '10.0.2.1' });
  r1.routes.add({ dst: '10.0.2.0/24', via: '10.0.3.2' });
  r2.routes.add({ dst: '10.0.1.0/24', via: '10.0.3.1' });
  return { clock, a, b, r1, r2 };
}

describe('dataplane/stack forwarding', () => {
  it('decrements the TTL by one per hop, both ways', async () => {
    const { clock, a, b, r1, r2 } = chain();
    const atB = capture(b.eth0);
    const result = await run(clock, ping(a.ns, '10.0.2.2', { count: 2 }), 1500);
    expect(result.received).to.equal(2);
    expect(result.ttls).to.deep.equal([62, 62]);
    const requests = ipv4Frames(atB, 'rx');
    expect(requests.map((f) => f.ip.ttl)).to.deep.equal([62, 62]);
    expect(formatIpv4(requests[0]!.ip.src)).to.equal('10.0.1.2');
    expect(r1.counters.forwarded).to.equal(4);
    expect(r2.counters.forwarded).to.equal(4);
    expectNoInternalErrors(a.ns, b.ns, r1, r2);
  });

  it('answers TTL expiry with ICMP time exceeded from the router where it expired', async () => {
    const { clock, a, r1, r2 } = chain();
    const atA = capture(a.eth0);
    const first = await run(clock, ping(a.ns, '10.0.2.2', { ttl: 1 }), 1500);
    expect(first.errors.map((e) => [e.from, e.message])).to.deep.equal([['10.0.1.1', 'Time to live exceeded']]);
    const second = await run(clock, ping(a.ns, '10.0.2.2', { ttl: 2 }), 1500);
    expect(second.errors.map((e) => e.from)).to.deep.equal(['10.0.3.2']);
    expect(r1.counters.drops.get('ttl-exceeded')).to.equal(1);
    expect(r2.counters.drops.get('ttl-exceeded')).to.equal(1);

    const icmp = ipv4Frames(atA, 'rx')[0]!;
    expect(icmp.ip.dscp).to.equal(48); // CS6, as Linux marks ICMP errors
    const msg = decodeIcmp(icmp.ip.payload);
    if (!msg.ok || msg.value.kind !== 'time-exceeded') return expect.fail('expected time exceeded');
    expect(msg.value.code).to.equal(0);
    const quoted = decodeIpv4Header(msg.value.original);
    expect(quoted.ok && [formatIpv4(quoted.value.src), formatIpv4(quoted.value.dst), quoted.value.ttl]).to.deep.equal(['10.0.1.2', '10.0.2.2', 1]);
    expect(msg.value.original.length).to.equal(28); // IP header + 8 bytes
  });

  it('answers a 1500-byte DF packet into a 1400-MTU link with frag-needed, next-hop MTU 1400', async () => {
    const { clock, a, r2 } = chain();
    const atA = capture(a.eth0);
    const errors: UdpSocketError[] = [];
    const sock = a.ns.udp.bind().onError((e) => errors.push(e));
    expect(sock.send('10.0.2.2', 9999, new Uint8Array(1472), { df: true })).to.equal(true);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ errno: 'EMSGSIZE', type: 3, code: 4, nextHopMtu: 1400, dstPort: 9999 });
    expect(formatIpv4(errors[0]!.from)).to.equal('10.0.3.2');
    const icmp = ipv4Frames(atA, 'rx')[0]!;
    const msg = decodeIcmp(icmp.ip.payload);
    expect(msg.ok && msg.value.kind === 'dest-unreachable' && [msg.value.code, msg.value.nextHopMtu]).to.deep.equal([4, 1400]);
    expect(r2.counters.drops.get('frag-needed')).to.equal(1);
    const pinged = await run(clock, ping(a.ns, '10.0.2.2', { size: 1472, df: true }), 1500);
    expect(pinged.errors[0]!.message).to.equal('Frag needed and DF set (mtu = 1400)');
  });

  it('fragments without DF at the router and reassembles at the receiver', () => {
    const { a, b, r2 } = chain();
    const atB = capture(b.eth0);
    const received: Uint8Array[] = [];
    b.ns.udp.bind(5000).onMessage((payload) => received.push(payload.slice()));
    const payload = Uint8Array.from({ length: 1472 }, (_, i) => (i * 7) & 0xff);
    a.ns.udp.bind().send('10.0.2.2', 5000, payload);
    const fragments = ipv4Frames(atB, 'rx').map((f) => f.ip);
    expect(fragments.map((f) => [f.totalLength, f.moreFragments, f.fragmentOffset])).to.deep.equal([[1396, true, 0], [124, false, 1376]]);
    expect(fragments[0]!.id).to.equal(fragments[1]!.id);
    expect(r2.counters.fragmentsCreated).to.equal(2);
    expect(received).to.have.length(1);
    expect([...received[0]!]).to.deep.equal([...payload]);
    expect(b.ns.counters.reassembled).to.equal(1);
    expect(b.ns.counters.fragmentsHeld).to.equal(1);
  });

  it('fragments locally generated datagrams bigger than the device MTU', () => {
    const clock = newClock();
    const seg = new MemorySegment();
    const x = hostOn(seg, clock, 'x', '10.0.0.1/24', { mtu: 576 });
    const y = hostOn(seg, clock, 'y', '10.0.0.2/24', { mtu: 576 });
    const got: number[] = [];
    y.ns.udp.bind(7).onMessage((p) => got.push(p.length));
    const onY = capture(y.eth0);
    x.ns.udp.bind().send('10.0.0.2', 7, new Uint8Array(3000));
    expect(got).to.deep.equal([3000]);
    expect(ipv4Frames(onY, 'rx')).to.have.length(6);
    expect(ipv4Frames(onY, 'rx').every((f) => f.ip.totalLength <= 576)).to.equal(true);
  });

  it('drops silently on a blackhole route; answers unreachable (host) and no route (net)', async () => {
    const { clock, a, r1 } = chain();
    r1.routes.add({ dst: '10.96.0.0/12', type: 'blackhole' });
    r1.routes.add({ dst: '10.200.0.0/16', type: 'unreachable' });
    const black = await run(clock, ping(a.ns, '10.96.0.10'), 1500);
    expect(black.received).to.equal(0);
    expect(black.errors).to.deep.equal([]);
    expect(black.lost).to.deep.equal([1]);
    expect(r1.counters.drops.get('blackhole')).to.equal(1);
    const unreachable = await run(clock, ping(a.ns, '10.200.1.1'), 1500);
    expect(unreachable.errors.map((e) => [e.from, e.message])).to.deep.equal([['10.0.1.1', 'Destination Host Unreachable']]);
    const none = await run(clock, ping(a.ns, '192.0.2.1'), 1500);
    expect(none.errors.map((e) => [e.from, e.message])).to.deep.equal([['10.0.1.1', 'Destination Net Unreachable']]);
    expect(r1.counters.drops.get('no-route')).to.equal(1);
  });

  it('reports local route failures to the sending socket without sending anything', () => {
    const clock = newClock();
    const seg = new MemorySegment();
    const x = hostOn(seg, clock, 'x', '10.0.0.1/24');
    x.ns.routes.add({ dst: '10.200.0.0/16', type: 'unreachable' });
    x.ns.routes.add({ dst: '10.96.0.0/12', type: 'blackhole' });
    const onX = capture(x.eth0);
    const errors: string[] = [];
    const sock = x.ns.udp.bind().onError((e) => errors.push(e.errno));
    expect(sock.send('10.200.0.1', 53, new Uint8Array(4))).to.equal(false);
    expect(sock.send('192.0.2.1', 53, new Uint8Array(4))).to.equal(false);
    expect(sock.send('10.96.0.10', 53, new Uint8Array(4))).to.equal(false);
    expect(errors).to.deep.equal(['EHOSTUNREACH', 'ENETUNREACH']);
    expect(onX).to.have.length(0);
    expect(x.ns.counters.drops.get('blackhole')).to.equal(1);
  });

  it('does not forward when ip_forward is off (a pod), and sends no ICMP', () => {
    const clock = newClock();
    const seg = new MemorySegment();
    const pod = hostOn(seg, clock, 'pod', '10.0.0.2/24', { ipForward: false });
    const peer = hostOn(seg, clock, 'peer', '10.0.0.1/24');
    pod.ns.routes.add({ dst: '10.9.0.0/16', via: '10.0.0.1' });
    peer.ns.routes.add({ dst: '10.8.0.0/16', via: '10.0.0.2' });
    const onPeer = capture(peer.eth0);
    peer.ns.udp.bind().send('10.8.0.1', 9, new Uint8Array(4));
    expect(pod.ns.counters.drops.get('not-forwarding')).to.equal(1);
    expect(ipv4Frames(onPeer, 'rx')).to.have.length(0);
  });

  it('delivers to its own addresses through lo without touching eth0', async () => {
    const { clock, a } = chain();
    const onEth = capture(a.eth0);
    const onLo = capture(a.ns.lo);
    const r = await run(clock, ping(a.ns, '10.0.1.2', { count: 2 }), 1500);
    expect(r.received).to.equal(2);
    expect(onEth).to.have.length(0);
    expect(onLo.length).to.equal(4); // two requests, two replies, captured once each
    const got: string[] = [];
    a.ns.udp.bind(53, '127.0.0.1').onMessage((p, info) => got.push(`${formatIpv4(info.srcIp)} ${p.length}`));
    a.ns.udp.bind().send(ipv4('127.0.0.1'), 53, new Uint8Array(10));
    expect(got).to.deep.equal(['127.0.0.1 10']);
  });

  it('rate-limits ICMP errors per destination (burst of 6, then one per second)', () => {
    const { clock, a, r1 } = chain();
    r1.routes.add({ dst: '10.200.0.0/16', type: 'unreachable' });
    const errors: string[] = [];
    const sock = a.ns.udp.bind().onError((e) => errors.push(e.errno));
    for (let i = 0; i < 10; i++) sock.send('10.200.0.1', 53, new Uint8Array(1));
    expect(errors).to.have.length(6);
    expect(r1.counters.icmpRateLimited).to.equal(4);
    clock.advance(1000);
    for (let i = 0; i < 3; i++) sock.send('10.200.0.1', 53, new Uint8Array(1));
    expect(errors).to.have.length(7);
  });

  it('with connection tracking on, hooks see whole datagrams (defrag before PREROUTING); REJECT replies go out', () => {
    const { a, b, r1 } = chain();
    const seenLengths: string[] = [];
    let pending: string | undefined;
    r1.hooks = {
      tracking: true,
      run: (stage, v) => {
        if (v.protocol === 17) seenLengths.push(`${stage} ${v.packet.length}`);
        if (stage === 'FORWARD' && v.dstPort === 9) {
          pending = 'icmp-admin-prohibited';
          return 'drop';
        }
        return 'accept';
      },
      takeRejection: () => {
        const r = pending;
        pending = undefined;
        return r;
      },
      rejectReply: (v: PacketView, _how: unknown, src?: number) =>
        buildIcmpError({ src: src ?? v.dst, dst: v.src, kind: 'dest-unreachable', code: 13, original: v.packet }),
    } as NetfilterHooks;
    const got: number[] = [];
    b.ns.udp.bind(5000).onMessage((p) => got.push(p.length));
    const errors: string[] = [];
    const sock = a.ns.udp.bind().onError((e) => errors.push(`${e.errno} code ${e.code} from ${formatIpv4(e.from)}`));
    sock.send('10.0.2.2', 5000, new Uint8Array(3000));
    expect(got).to.deep.equal([3000]);
    expect(seenLengths).to.deep.equal(['PREROUTING 3028', 'FORWARD 3028', 'POSTROUTING 3028']);
    expect(r1.counters.reassembled).to.equal(1);
    sock.send('10.0.2.2', 9, new Uint8Array(10));
    expect(errors).to.deep.equal(['EHOSTUNREACH code 13 from 10.0.1.1']);
    expect(r1.counters.drops.get('netfilter-FORWARD')).to.equal(1);
  });
});
