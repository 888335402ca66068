import { expect } from 'chai';
import {
  IPPROTO_TCP, TCP_SYN, buildIpv4Tcp, buildIpv4Udp, decodeIcmp, decodeIpv4Header, formatIpv4, internetChecksum, ipv4, readU16, writeU16,
  writeU32,
} from '../../../src/net/index.js';
import { isKemuError } from '../../../src/util/errors.js';
import type { NetfilterHooks, TraceStep } from '../../../src/dataplane/types.js';
import { EPHEMERAL_PORT_MAX, EPHEMERAL_PORT_MIN, type IcmpErrorReport, type UdpMessageInfo, type UdpSocketError, ping } from '../../../src/dataplane/stack/index.js';
import { MemorySegment, capture, hostOn, ipv4Frames, newClock, run } from './support.js';

function pair(opts: { hooksA?: NetfilterHooks } = {}) {
  const clock = newClock();
  const seg = new MemorySegment();
  const a = hostOn(seg, clock, 'a', '10.0.0.1/24', { hooks: opts.hooksA });
  const b = hostOn(seg, clock, 'b', '10.0.0.2/24');
  return { clock, seg, a, b };
}

describe('dataplane/stack sockets and protocols', () => {
  it('UDP: bind, send, receive with addresses and ports; replies reach the ephemeral port', () => {
    const { a, b } = pair();
    const server = b.ns.udp.bind(8081);
    server.onMessage((payload, info) => server.send(info.srcIp, info.srcPort, Uint8Array.from([...payload].reverse())));
    const client = a.ns.udp.bind();
    expect(client.port).to.be.within(EPHEMERAL_PORT_MIN, EPHEMERAL_PORT_MAX);
    const got: Array<[number[], UdpMessageInfo]> = [];
    client.onMessage((p, info) => got.push([[...p], info]));
    client.send('10.0.0.2', 8081, Uint8Array.from([1, 2, 3]));
    expect(got).to.have.length(1);
    expect(got[0]![0]).to.deep.equal([3, 2, 1]);
    expect(got[0]![1]).to.deep.include({ srcIp: ipv4('10.0.0.2'), srcPort: 8081, dstIp: ipv4('10.0.0.1'), dstPort: client.port, iface: 'eth0', ttl: 64 });
  });

  it('UDP: nothing bound → ICMP port unreachable, reported to the sender as ECONNREFUSED', () => {
    const { a, b } = pair();
    const onA = capture(a.eth0);
    const errors: UdpSocketError[] = [];
    const client = a.ns.udp.bind(40001).onError((e) => errors.push(e));
    client.send('10.0.0.2', 9, new Uint8Array(10));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ errno: 'ECONNREFUSED', type: 3, code: 3, dstPort: 9, from: ipv4('10.0.0.2'), dstIp: ipv4('10.0.0.2') });
    expect(b.ns.counters.drops.get('udp-no-port')).to.equal(1);
    const icmp = ipv4Frames(onA, 'rx')[0]!;
    const msg = decodeIcmp(icmp.ip.payload);
    if (!msg.ok || msg.value.kind !== 'dest-unreachable') return expect.fail('expected port unreachable');
    expect(msg.value.code).to.equal(3);
    const quoted = decodeIpv4Header(msg.value.original);
    expect(quoted.ok && readU16(quoted.value.payload, 0)).to.equal(40001);
  });

  it('UDP: bind errors use stable codes; close frees the port', () => {
    const { a } = pair();
    const s = a.ns.udp.bind(53);
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return isKemuError(err) ? err.code : 'not a KemuError';
      }
      return undefined;
    };
    expect(code(() => a.ns.udp.bind(53))).to.equal('ERR_ADDRESS_IN_USE');
    expect(code(() => a.ns.udp.bind(53, '10.0.0.1'))).to.equal('ERR_ADDRESS_IN_USE');
    expect(code(() => a.ns.udp.bind(54, '10.0.0.99'))).to.equal('ERR_ADDRESS_NOT_AVAILABLE');
    s.close();
    expect(a.ns.udp.bind(53, '10.0.0.1').port).to.equal(53);
    expect(a.ns.udp.bind(53, '127.0.0.1').address).to.equal(ipv4('127.0.0.1'));
  });

  it('UDP: a datagram with a bad checksum is dropped and counted', () => {
    const { a, b } = pair();
    const got: number[] = [];
    b.ns.udp.bind(7).onMessage((p) => got.push(p.length));
    const packet = buildIpv4Udp({ src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.2'), srcPort: 1, dstPort: 7, payload: new Uint8Array(4) });
    packet[packet.length - 1] ^= 0xff;
    a.ns.sendIp(packet);
    expect(got).to.deep.equal([]);
    expect(b.ns.counters.drops.get('udp-bad-checksum')).to.equal(1);
  });

  it('protocol registry: a TCP handler gets protocol 6, sends with sendIp, and sees ICMP errors', () => {
    const { a, b } = pair();
    const seen: string[] = [];
    const errors: IcmpErrorReport[] = [];
    b.ns.registerProtocol(IPPROTO_TCP, (packet, ip) => {
      seen.push(`${formatIpv4(ip.src)} ${packet.length}`);
      b.ns.sendIp(buildIpv4Tcp({ src: ip.dst, dst: ip.src, srcPort: 80, dstPort: 1234, seq: 1, ack: 2, flags: TCP_SYN | 0x10, window: 100 }));
    });
    const answers: number[] = [];
    a.ns.registerProtocol(IPPROTO_TCP, { receive: (_p, ip) => answers.push(ip.protocol), icmpError: (r) => errors.push(r) });
    expect(() => a.ns.registerProtocol(IPPROTO_TCP, () => undefined)).to.throw();
    a.ns.sendIp(buildIpv4Tcp({ src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.2'), srcPort: 1234, dstPort: 80, seq: 1, ack: 0, flags: TCP_SYN, window: 100 }));
    expect(seen).to.deep.equal(['10.0.0.1 40']);
    expect(answers).to.deep.equal([6]);
    a.ns.routes.add({ dst: '10.200.0.0/16', type: 'unreachable' });
    a.ns.sendIp(buildIpv4Tcp({ src: ipv4('10.0.0.1'), dst: ipv4('10.200.0.1'), srcPort: 1234, dstPort: 80, seq: 1, ack: 0, flags: TCP_SYN, window: 100 }));
    expect(errors.map((e) => e.errno)).to.deep.equal(['EHOSTUNREACH']);
  });

  it('answers an unknown protocol with ICMP protocol unreachable', () => {
    const { a, b } = pair();
    const onA = capture(a.eth0);
    a.ns.sendIp(buildIpv4Tcp({ src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.2'), srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: TCP_SYN, window: 1 }));
    expect(b.ns.counters.drops.get('unknown-protocol')).to.equal(1);
    const msg = decodeIcmp(ipv4Frames(onA, 'rx')[0]!.ip.payload);
    expect(msg.ok && msg.value.kind === 'dest-unreachable' && msg.value.code).to.equal(2);
  });

  it('OUTPUT DNAT re-routes a locally generated packet; a throwing hook drops and is counted', () => {
    const hooks: NetfilterHooks = {
      run: (stage, v) => {
        if (stage === 'OUTPUT' && v.dst === ipv4('10.96.0.1')) {
          writeU32(v.packet, 16, ipv4('10.0.0.2'));
          writeU16(v.packet, 10, 0);
          writeU16(v.packet, 10, internetChecksum(v.packet, 0, 20)); // a real NAT also fixes L4 checksums
        }
        if (v.dst === ipv4('10.0.0.66')) throw new Error('rules engine bug');
        return 'accept';
      },
    };
    const { a, b } = pair({ hooksA: hooks });
    const got: string[] = [];
    b.ns.registerProtocol(IPPROTO_TCP, (_p, ip) => got.push(formatIpv4(ip.dst)));
    a.ns.sendIp(buildIpv4Tcp({ src: ipv4('10.0.0.1'), dst: ipv4('10.96.0.1'), srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: TCP_SYN, window: 1 }));
    expect(got).to.deep.equal(['10.0.0.2']); // no route to 10.96.0.1 existed: the re-route found 10.0.0.2
    expect(a.ns.sendIp(buildIpv4Tcp({ src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.66'), srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: TCP_SYN, window: 1 }))).to.equal(false);
    expect(a.ns.counters.drops.get('netfilter-OUTPUT')).to.equal(1);
    expect(a.ns.counters.internalErrors).to.equal(1);
  });

  it('traces a packet: rx/tx with sizes, hooks, route, delivery, drops with reasons', async () => {
    const steps: TraceStep[] = [];
    const { clock, a, b } = pair();
    b.ns.trace = (s) => steps.push(s);
    await run(clock, ping(a.ns, '10.0.0.2'), 1000);
    const kinds = steps.map((s) => s.kind);
    expect(kinds).to.include.members(['arp', 'rx', 'hook', 'deliver', 'route', 'tx']);
    expect(steps.find((s) => s.kind === 'rx')).to.deep.include({ namespace: 'b', iface: 'eth0', bytes: 84 });
    expect(steps.find((s) => s.kind === 'route')!.detail).to.equal('10.0.0.1 matched 10.0.0.0/24 dev eth0');
    expect(steps.filter((s) => s.kind === 'hook').map((s) => s.detail)).to.deep.equal(['PREROUTING accept', 'INPUT accept', 'OUTPUT accept', 'POSTROUTING accept']);
    a.ns.udp.bind().send('10.0.0.2', 9, new Uint8Array(1));
    expect(steps.find((s) => s.kind === 'drop')).to.deep.include({ detail: 'udp-no-port', bytes: 29 });
  });

  it('an application callback that throws is counted, not let into the stack', () => {
    const { a, b } = pair();
    b.ns.udp.bind(7).onMessage(() => {
      throw new Error('app bug');
    });
    a.ns.udp.bind().send('10.0.0.2', 7, new Uint8Array(1));
    expect(b.ns.counters.handlerErrors).to.equal(1);
    expect(b.ns.counters.internalErrors).to.equal(0);
  });
});

describe('dataplane/stack backlog', () => {
  it('keeps the stack flat: 20,000 UDP ping-pong rounds driven from the receive handlers', () => {
    const { a, b } = pair();
    const server = b.ns.udp.bind(7);
    server.onMessage((p, info) => server.send(info.srcIp, info.srcPort, p));
    let rounds = 0;
    let deepest = 0;
    const client = a.ns.udp.bind(5000);
    client.onMessage((p) => {
      if (rounds % 1000 === 0) deepest = Math.max(deepest, new Error().stack!.split('\n').length);
      if (++rounds < 20_000) client.send('10.0.0.2', 7, p);
    });
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Infinity;
    try {
      client.send('10.0.0.2', 7, new Uint8Array(8));
    } finally {
      Error.stackTraceLimit = limit;
    }
    expect(rounds).to.equal(20_000);
    expect(a.ns.counters.handlerErrors + b.ns.counters.handlerErrors).to.equal(0);
    expect(deepest).to.be.within(10, 100); // each frame waits in the backlog instead of recursing
  });
});
