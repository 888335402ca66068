import { expect } from 'chai';
import { createSocket, type Socket } from 'node:dgram';
import { DgramSegment, type DgramPort } from '../../../src/dataplane/underlay/index.js';
import { MAC_A, MAC_B, MAC_C, frame, seqOf, settle, udpHandles, waitFor } from './support.js';

function rawSocket(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

function closeRaw(s: Socket): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}

describe('underlay DgramSegment (real UDP on loopback)', () => {
  let seg: DgramSegment;
  let a: DgramPort;
  let b: DgramPort;
  const got: Uint8Array[] = [];
  let handlesAtStart = 0;
  before(() => {
    handlesAtStart = udpHandles();
  });
  after(() => {
    expect(udpHandles(), 'UDP sockets left open').to.equal(handlesAtStart);
  });
  beforeEach(async () => {
    got.length = 0;
    seg = new DgramSegment('rack-a');
    a = await seg.attach(MAC_A, { label: 'node-1/eth0' });
    b = await seg.attach(MAC_B, { label: 'node-2/eth0' });
    b.onReceive((f) => got.push(f));
  });
  afterEach(async () => {
    await seg.close();
  });

  it('binds every socket to 127.0.0.1 on an ephemeral port', async () => {
    const c = await seg.attach(MAC_C);
    for (const p of [a, b, c]) {
      expect(p.socket.address().address).to.equal('127.0.0.1');
      expect(p.udpPort).to.equal(p.socket.address().port).and.be.greaterThan(0);
    }
    expect(seg.stats().ports[0]!.address).to.equal(`127.0.0.1:${a.udpPort}`);
  });

  it('refuses any address outside 127.0.0.0/8 and accepts another loopback address', async () => {
    for (const address of ['0.0.0.0', '10.0.0.1', '192.168.1.1', 'localhost', '::1']) {
      expect(() => new DgramSegment('x', { address })).to.throw().with.property('code', 'ERR_NOT_LOOPBACK');
    }
    const other = new DgramSegment('lo2', { address: '127.0.0.2' });
    const p = await other.attach(MAC_A);
    expect(p.socket.address().address).to.equal('127.0.0.2');
    await other.close();
  });

  it('carries each frame as one datagram whose payload is exactly the frame', async () => {
    const datagrams: Buffer[] = [];
    b.socket.on('message', (m) => datagrams.push(m));
    const f = frame(MAC_B, MAC_A, 7, 300);
    const copy = Uint8Array.from(f);
    a.send(f);
    await waitFor(() => got.length === 1);
    expect(datagrams).to.have.length(1);
    expect(new Uint8Array(datagrams[0]!)).to.deep.equal(copy);
    expect(new Uint8Array(got[0]!)).to.deep.equal(copy);
  });

  it('drops and counts a datagram from a socket that is not a member', async () => {
    const foreign = await rawSocket();
    try {
      foreign.send(frame(MAC_B, MAC_A, 1), b.udpPort, '127.0.0.1');
      await waitFor(() => b.counters.drops['foreign-sender'] === 1);
      a.send(frame(MAC_B, MAC_A, 2));
      await waitFor(() => got.length === 1);
      expect(got.map(seqOf)).to.deep.equal([2]);
      expect(b.counters.rxPackets).to.equal(1);
    } finally {
      await closeRaw(foreign);
    }
  });

  it('treats a member of another segment as foreign', async () => {
    const other = new DgramSegment('rack-b');
    try {
      const o = await other.attach(MAC_C);
      o.socket.send(frame(MAC_B, MAC_C, 1), b.udpPort, '127.0.0.1');
      await waitFor(() => b.counters.drops['foreign-sender'] === 1);
      expect(got).to.have.length(0);
    } finally {
      await other.close();
    }
  });

  it('closes sockets still binding when the segment closes', async () => {
    const before = udpHandles();
    const s = new DgramSegment('racing');
    const attaching = s.attach(MAC_A).catch((e: unknown) => e);
    await s.close();
    expect(await attaching).to.have.property('code', 'ERR_SEGMENT_CLOSED');
    expect(udpHandles()).to.equal(before);
  });

  it('drops and counts a malformed datagram from a member socket', async () => {
    a.socket.send(new Uint8Array(5), b.udpPort, '127.0.0.1');
    await waitFor(() => b.counters.drops.malformed === 1);
    await settle();
    expect(got).to.have.length(0);
  });

  it('delays delivery by at least the configured delay (real clock)', async () => {
    seg.setImpairments({ delay: 5 });
    const arrivals: number[] = [];
    b.onReceive(() => arrivals.push(Date.now()));
    const sentAt = Date.now();
    a.send(frame(MAC_B, MAC_A, 1));
    await waitFor(() => arrivals.length === 1);
    expect(arrivals[0]! - sentAt).to.be.at.least(5);
  });

  it('leaves no socket open after close', async () => {
    const before = udpHandles();
    const s = new DgramSegment('tmp');
    const ports = await Promise.all([MAC_A, MAC_B, MAC_C].map((m) => s.attach(m)));
    expect(udpHandles()).to.equal(before + 3);
    ports[0]!.close(); // a port closed on its own, then the rest with the segment
    await s.close();
    expect(udpHandles()).to.equal(before);
  });
});
