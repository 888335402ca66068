/**
 * TcpLayer inside namespaces joined by an in-memory segment (synchronous delivery, fake time):
 * resets for closed ports, malformed segments, ICMP errors and unreachable destinations, the MSS
 * from the route's MTU, ports and listeners, closing a layer.
 */
import { expect } from 'chai';
import {
  IPPROTO_TCP, TCP_ACK, TCP_RST, TCP_SYN, buildIpv4Tcp, decodeTcp, internetChecksum, ipv4, writeU16,
} from '../../../src/net/index.js';
import { EPHEMERAL_PORT_MAX, EPHEMERAL_PORT_MIN, TcpLayer, type TcpSocket } from '../../../src/dataplane/tcp/index.js';
import { isKemuError } from '../../../src/util/errors.js';
import { MemorySegment, capture, expectNoInternalErrors, hostOn, ipv4Frames, newClock } from '../stack/support.js';

function pair(opts: { mtuA?: number } = {}) {
  const clock = newClock();
  const seg = new MemorySegment();
  const a = hostOn(seg, clock, 'a', '10.0.0.1/24', { mtu: opts.mtuA });
  const b = hostOn(seg, clock, 'b', '10.0.0.2/24');
  return { clock, seg, a, b, tcpA: TcpLayer.of(a.ns), tcpB: TcpLayer.of(b.ns) };
}

/** Settles Node's queues (stream callbacks), then fires fake timers up to `ms` later, repeatedly. */
async function settle(clock: ReturnType<typeof newClock>, ms = 0, step = 10): Promise<void> {
  for (let t = 0; ; t += step) {
    await new Promise((r) => setImmediate(r));
    if (t >= ms) break;
    clock.advance(Math.min(step, ms - t));
  }
}

function errorOf(socket: TcpSocket): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve) => socket.once('error', resolve));
}

const tcpTo = (dstPort: number, flags: number, seq = 1000, ack = 0, payload?: Uint8Array): Uint8Array =>
  buildIpv4Tcp({ src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.2'), srcPort: 40000, dstPort, seq, ack, flags, window: 1000, payload });

describe('dataplane/tcp layer in namespaces', () => {
  it('answers a segment to a closed port with RST (RFC 9293 3.10.7.1), and a RST with nothing', () => {
    const { a, tcpB } = pair();
    const onA = capture(a.eth0);
    const cases: Array<[string, Uint8Array, { flags: number; seq: number; ack: number } | undefined]> = [
      ['SYN → RST|ACK, ack = SEQ + 1', tcpTo(9, TCP_SYN, 1000), { flags: TCP_RST | TCP_ACK, seq: 0, ack: 1001 }],
      ['data without ACK → ack = SEQ + LEN', tcpTo(9, 0, 500, 0, new Uint8Array(30)), { flags: TCP_RST | TCP_ACK, seq: 0, ack: 530 }],
      ['ACK → RST with SEQ = SEG.ACK', tcpTo(9, TCP_ACK, 1000, 77777), { flags: TCP_RST, seq: 77777, ack: 0 }],
      ['RST → nothing', tcpTo(9, TCP_RST, 1000), undefined],
    ];
    for (const [name, packet, expected] of cases) {
      const before = onA.length;
      a.ns.sendIp(packet);
      const replies = ipv4Frames(onA.slice(before), 'rx').filter((f) => f.ip.protocol === IPPROTO_TCP);
      if (expected === undefined) {
        expect(replies, name).to.have.length(0);
        continue;
      }
      expect(replies, name).to.have.length(1);
      const tcp = decodeTcp(replies[0]!.ip.payload, replies[0]!.ip);
      if (!tcp.ok) throw tcp.error;
      expect({ flags: tcp.value.flags, seq: tcp.value.seq, ack: tcp.value.ack }, name).to.deep.equal(expected);
      expect([tcp.value.srcPort, tcp.value.dstPort]).to.deep.equal([9, 40000]);
    }
    expect(tcpB.stats().drops['no-socket']).to.equal(4);
    expect(tcpB.stats().resetsOut).to.equal(3);
  });

  it('connect to a closed port: ECONNREFUSED (a Node-style error: code, syscall, address, port)', async () => {
    const { clock, tcpA } = pair();
    const socket = tcpA.connect({ host: '10.0.0.2', port: 81 });
    const err = errorOf(socket);
    await settle(clock);
    const e = await err;
    expect(e).to.include({ code: 'ECONNREFUSED', syscall: 'connect', address: '10.0.0.2', port: 81 });
    expect(e.message).to.equal('connect ECONNREFUSED 10.0.0.2:81');
    expect(socket.destroyed).to.equal(true);
  });

  it('drops and counts malformed segments (bad checksum, short header, bad data offset, bad options) without answering', () => {
    const { a, b, tcpB } = pair();
    tcpB.listen(80);
    const onA = capture(a.eth0);
    const fixIp = (p: Uint8Array): Uint8Array => {
      writeU16(p, 10, 0);
      writeU16(p, 10, internetChecksum(p, 0, 20));
      return p;
    };
    const badChecksum = tcpTo(80, TCP_SYN);
    badChecksum[36] ^= 0xff;
    const short = fixIp(tcpTo(80, TCP_SYN).slice(0, 30));
    writeU16(short, 2, 30);
    fixIp(short);
    const offsetLow = tcpTo(80, TCP_SYN);
    offsetLow[32] = 4 << 4;
    const offsetHigh = tcpTo(80, TCP_SYN);
    offsetHigh[32] = 15 << 4;
    const badOption = buildIpv4Tcp({
      src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.2'), srcPort: 40000, dstPort: 80, seq: 1, ack: 0, flags: TCP_SYN, window: 1000,
      rawOptions: Uint8Array.from([2, 9, 0, 0]), // MSS with length 9
    });
    for (const p of [badChecksum, short, offsetLow, offsetHigh, badOption]) {
      expect(() => a.ns.sendIp(p)).not.to.throw();
    }
    expect(tcpB.stats().drops).to.deep.include({ 'bad-checksum': 1, 'short-header': 1, 'bad-data-offset': 2, 'bad-option': 1 });
    expect(ipv4Frames(onA, 'rx').filter((f) => f.ip.protocol === IPPROTO_TCP)).to.have.length(0);
    expect(tcpB.stats().connections).to.deep.equal({});
    expectNoInternalErrors(a.ns, b.ns);
  });

  it('fuzz: 5,000 random segments with valid checksums (any flags, numbers, options) at a listener and a live connection never throw', async () => {
    const { clock, a, b, tcpA, tcpB } = pair();
    tcpB.listen(80).on('connection', (s: TcpSocket) => s.resume().on('error', () => undefined));
    const live = tcpA.connect({ host: '10.0.0.2', port: 80 });
    live.on('error', () => undefined);
    live.resume();
    await settle(clock);
    const ep = tcpB.endpoints()[0]!;
    let x = 12345;
    const rnd = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x % n;
    };
    for (let i = 0; i < 5000; i++) {
      const toLive = rnd(2) === 0;
      const near = (base: number): number => (base + rnd(200_000) - 100_000) >>> 0;
      const rawOptions = rnd(3) === 0 ? Uint8Array.from({ length: rnd(12) }, () => rnd(256)) : undefined;
      a.ns.sendIp(buildIpv4Tcp({
        src: ipv4('10.0.0.1'), dst: ipv4('10.0.0.2'), srcPort: toLive ? ep.dstPort : 1024 + rnd(1000), dstPort: 80,
        seq: toLive ? near(ep.conn.rcvNxt) : rnd(2 ** 32), ack: toLive ? near(ep.conn.sndUna) : rnd(2 ** 32),
        flags: rnd(64), window: rnd(65536), payload: new Uint8Array(rnd(3) === 0 ? rnd(1400) : 0), rawOptions,
      }));
      if (i % 500 === 0) await settle(clock, 50);
    }
    await settle(clock, 1000, 100);
    expectNoInternalErrors(a.ns, b.ns);
    const stats = tcpB.stats();
    expect(stats.segmentsIn).to.be.greaterThan(5000);
    expect(Object.values(stats.drops).reduce((n, v) => n + v, 0), 'most are dropped and counted').to.be.greaterThan(1000);
  });

  it('the MSS comes from the out device MTU − 40, and segments fit it', async () => {
    const { clock, a, tcpA, tcpB } = pair({ mtuA: 1400 });
    const onA = capture(a.eth0);
    const server = tcpB.listen(80);
    const got: Buffer[] = [];
    server.on('connection', (s: TcpSocket) => s.on('data', (d: Buffer) => got.push(d)));
    const socket = tcpA.connect({ host: '10.0.0.2', port: 80 });
    socket.end(Buffer.alloc(20_000, 1));
    await settle(clock, 200);
    const sent = ipv4Frames(onA, 'tx').filter((f) => f.ip.protocol === IPPROTO_TCP);
    const syn = decodeTcp(sent[0]!.ip.payload);
    expect(syn.ok && syn.value.options.mss).to.equal(1360);
    expect(Math.max(...sent.map((f) => f.ip.totalLength))).to.equal(1400);
    expect(Buffer.concat(got).length).to.equal(20_000);
  });

  it('unreachable destinations: no route → ENETUNREACH; an unreachable route → EHOSTUNREACH (ICMP to the connecting socket)', async () => {
    const { clock, a, tcpA } = pair();
    const noRoute = tcpA.connect({ host: '192.0.2.1', port: 80 });
    a.ns.routes.add({ dst: '198.51.100.0/24', type: 'unreachable' });
    const unreachable = tcpA.connect({ host: '198.51.100.7', port: 80 });
    const errors = Promise.all([errorOf(noRoute), errorOf(unreachable)]);
    await settle(clock);
    const [e1, e2] = await errors;
    expect(e1).to.include({ code: 'ENETUNREACH', syscall: 'connect' });
    expect(e2).to.include({ code: 'EHOSTUNREACH', syscall: 'connect', address: '198.51.100.7', port: 80 });
  });

  it('an on-link address nobody answers ARP for: EHOSTUNREACH once the neighbour fails; a connect timeout gives ETIMEDOUT first', async () => {
    const { clock, tcpA } = pair();
    const slow = tcpA.connect({ host: '10.0.0.99', port: 80 });
    const quick = tcpA.connect({ host: '10.0.0.98', port: 80, timeoutMs: 500 });
    const errors = Promise.all([errorOf(slow), errorOf(quick)]);
    await settle(clock, 10_000, 100);
    const [e1, e2] = await errors;
    expect(e1.code).to.equal('EHOSTUNREACH');
    expect(e2.code).to.equal('ETIMEDOUT');
    expect(tcpA.stats().connections).to.deep.equal({});
  });

  it('ports: listen conflicts throw ERR_ADDRESS_IN_USE; port 0 and connect pick ephemeral ports in 32768–60999', async () => {
    const { clock, tcpA, tcpB } = pair();
    const s = tcpB.listen(80);
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return isKemuError(err) ? err.code : String(err);
      }
      return undefined;
    };
    expect(code(() => tcpB.listen(80))).to.equal('ERR_ADDRESS_IN_USE');
    expect(code(() => tcpB.listen(80, { address: '10.0.0.2' }))).to.equal('ERR_ADDRESS_IN_USE');
    expect(code(() => tcpB.listen(81, { address: '10.9.9.9' }))).to.equal('ERR_ADDRESS_NOT_AVAILABLE');
    const any = tcpB.listen(0);
    expect(any.port).to.be.within(EPHEMERAL_PORT_MIN, EPHEMERAL_PORT_MAX);
    expect(any.address()).to.deep.equal({ address: '0.0.0.0', family: 'IPv4', port: any.port });
    const socket = tcpA.connect({ host: '10.0.0.2', port: 80 });
    await settle(clock);
    expect(socket.localPort).to.be.within(EPHEMERAL_PORT_MIN, EPHEMERAL_PORT_MAX);
    expect([socket.localAddress, socket.remoteAddress, socket.remotePort, socket.state]).to.deep.equal(['10.0.0.1', '10.0.0.2', 80, 'ESTABLISHED']);
    s.close();
    expect(code(() => tcpB.listen(80))).to.equal(undefined);
  });

  it('freeLocalPort names a free ephemeral port that connect() then uses as localPort', async () => {
    const { clock, tcpA, tcpB } = pair();
    const s = tcpB.listen(80);
    const first = tcpA.connect({ host: '10.0.0.2', port: 80 });
    await settle(clock);
    const port = tcpA.freeLocalPort('10.0.0.1', '10.0.0.2', 80);
    expect(port).to.be.within(EPHEMERAL_PORT_MIN, EPHEMERAL_PORT_MAX);
    expect(port).to.not.equal(first.localPort);
    const second = tcpA.connect({ host: '10.0.0.2', port: 80, localPort: port });
    await settle(clock);
    expect([second.localPort, second.state]).to.deep.equal([port, 'ESTABLISHED']);
    s.close();
  });

  it('backpressure both ways: a reader that pauses closes the window (zero window at the sender), write() returns false; resuming drains', async () => {
    const { clock, tcpA, tcpB } = pair();
    let server: TcpSocket | undefined;
    tcpB.options.receiveBuffer = 64 * 1024;
    tcpB.listen(80).on('connection', (s: TcpSocket) => (server = s));
    tcpA.options.sendBuffer = 64 * 1024;
    const client = tcpA.connect({ host: '10.0.0.2', port: 80 });
    await settle(clock);
    server!.pause();
    const chunk = Buffer.alloc(16 * 1024, 3);
    const writes = 40; // 640 KiB: far more than the receive window and the send buffer (64 KiB each)
    let refused = 0;
    for (let i = 0; i < writes; i++) if (!client.write(chunk)) refused++;
    await settle(clock, 2000);
    expect(refused, 'write() returned false').to.be.greaterThan(0);
    const conn = tcpA.endpoints()[0]!.conn;
    expect(conn.sndWnd, 'the receiver advertises a zero window').to.equal(0);
    expect(client.writableLength, 'writes wait in the socket').to.be.greaterThan(0);
    expect(server!.readableLength + tcpB.endpoints()[0]!.conn.readableLength).to.be.within(64 * 1024 - 2048, 64 * 1024 + 2048);
    expect(tcpA.stats().probes, 'persist probes while the window is closed').to.be.greaterThan(0);
    let drained = false;
    client.once('drain', () => (drained = true));
    let got = 0;
    server!.on('data', (d: Buffer) => (got += d.length));
    server!.resume();
    await settle(clock, 5000);
    expect(drained).to.equal(true);
    expect(got).to.equal(writes * chunk.length);
  });

  it('setTimeout: an idle socket emits "timeout" (and stays open); activity postpones it', async () => {
    const { clock, tcpA, tcpB } = pair();
    let server: TcpSocket | undefined;
    tcpB.listen(80).on('connection', (s: TcpSocket) => (server = s));
    const client = tcpA.connect({ host: '10.0.0.2', port: 80 });
    await settle(clock);
    server!.resume();
    client.resume();
    const fired: number[] = [];
    const start = clock.now();
    client.setTimeout(1000, () => fired.push(clock.now() - start));
    await settle(clock, 600, 100);
    client.write('x');
    await settle(clock, 900, 100);
    expect(fired, 'the write at 600 ms moved the deadline to 1600 ms').to.deep.equal([]);
    await settle(clock, 300, 100);
    expect(fired).to.deep.equal([1600]);
    expect(client.timeout).to.equal(1000);
    expect(client.destroyed).to.equal(false);
    client.setTimeout(0);
    client.end();
    server!.end();
    await settle(clock, 100);
    expect(client.destroyed).to.equal(true);
  });

  it('close() of a layer resets its connections (the peer sees ECONNRESET) and unregisters protocol 6', async () => {
    const { clock, b, tcpA, tcpB } = pair();
    const accepted: TcpSocket[] = [];
    tcpB.listen(80).on('connection', (s: TcpSocket) => accepted.push(s));
    const socket = tcpA.connect({ host: '10.0.0.2', port: 80 });
    socket.resume();
    await settle(clock);
    expect(accepted).to.have.length(1);
    const err = errorOf(socket);
    tcpB.close();
    await settle(clock);
    expect((await err).code).to.equal('ECONNRESET');
    expect(b.ns.protocolHandler(IPPROTO_TCP)).to.equal(undefined);
    expect(TcpLayer.of(b.ns)).to.not.equal(tcpB);
  });
});
