import { expect } from 'chai';
import { FakeClock } from '../../../src/util/clock.js';
import { mac } from '../../../src/net/index.js';
import { InMemorySegment, createSegment, DgramSegment, macKey, seededRandom } from '../../../src/dataplane/underlay/index.js';
import { BROADCAST_MAC, MAC_A, MAC_B, MAC_C, frame, seqOf } from './support.js';

describe('underlay InMemorySegment (delivery by the Clock)', () => {
  let clock: FakeClock;
  let seg: InMemorySegment;
  beforeEach(() => {
    clock = new FakeClock();
    seg = new InMemorySegment('big', { clock, random: seededRandom(1) });
  });
  afterEach(() => seg.close());

  it('never delivers synchronously, and batches a turn of frames on one timer', async () => {
    const a = await seg.attach(MAC_A);
    const b = await seg.attach(MAC_B);
    const got: number[] = [];
    b.onReceive((f) => got.push(seqOf(f)));
    for (let i = 0; i < 100; i++) a.send(frame(MAC_B, MAC_A, i));
    expect(got).to.have.length(0);
    expect(clock.pendingTimers()).to.equal(1);
    clock.advance(0);
    expect(got).to.deep.equal([...Array(100).keys()]);
  });

  it('lets a handler answer from inside its receive handler without recursion', async () => {
    const a = await seg.attach(MAC_A);
    const b = await seg.attach(MAC_B);
    let inB = false;
    const pongs: boolean[] = [];
    b.onReceive((f) => {
      inB = true;
      b.send(frame(MAC_A, MAC_B, seqOf(f)));
      inB = false;
    });
    a.onReceive(() => pongs.push(inB));
    a.send(frame(MAC_B, MAC_A, 1));
    clock.advance(0); // runs the ping's timer, then the pong's (due at the same instant)
    expect(pongs).to.deep.equal([false]); // the pong arrived after B's handler had returned
  });

  it('gives each broadcast receiver its own buffer, as separate datagrams would', async () => {
    const a = await seg.attach(MAC_A);
    const b = await seg.attach(MAC_B);
    const c = await seg.attach(MAC_C);
    const bufs: Uint8Array[] = [];
    b.onReceive((f) => {
      f[20] = 0xee; // a receiver rewriting in place (NAT) must not touch another's frame
      bufs.push(f);
    });
    c.onReceive((f) => bufs.push(f));
    a.send(frame(BROADCAST_MAC, MAC_A, 1));
    clock.advance(0);
    expect(bufs).to.have.length(2);
    expect(bufs[1]![20]).to.equal(0);
  });

  it('delivers after exactly the configured delay on the FakeClock', async () => {
    seg.setImpairments({ delay: 10 });
    const a = await seg.attach(MAC_A);
    const b = await seg.attach(MAC_B);
    const at: number[] = [];
    b.onReceive(() => at.push(clock.now()));
    const t0 = clock.now();
    a.send(frame(MAC_B, MAC_A, 1));
    clock.advance(9);
    expect(at).to.have.length(0);
    clock.advance(1);
    expect(at).to.deep.equal([t0 + 10]);
  });

  it('counts rate-limit queue overflow on the sender port and loses held frames when the link goes down', async () => {
    seg.setImpairments({ rate: 8_000_000, delay: 1 }); // 1000 bytes per ms
    const a = await seg.attach(MAC_A);
    await seg.attach(MAC_B);
    for (let i = 0; i < 200; i++) a.send(frame(MAC_B, MAC_A, i, 1000));
    // Held: the first frame (the bucket's burst) in the delay line, the rest waiting for tokens.
    const held = a.stats().heldFrames;
    expect(held).to.equal(1 + Math.floor((50_000 + 1514) / 1000)); // limit = 50 ms of rate + one MTU-sized frame
    expect(a.counters.drops['queue-full']).to.equal(200 - held);
    seg.setDown(true);
    expect(a.counters.drops.down).to.equal(held);
    expect(a.stats().heldFrames).to.equal(0);
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('tells MACs apart by all six bytes', async () => {
    expect(macKey(mac('ff:ff:ff:ff:ff:ff'))).to.equal(2 ** 48 - 1);
    const macs = ['02:00:00:00:00:01', '12:00:00:00:00:01', '02:01:00:00:00:01', '02:00:80:00:00:01', 'fe:ff:ff:ff:ff:fe'];
    expect(new Set(macs.map((m) => macKey(mac(m)))).size).to.equal(macs.length);
    const ports = await Promise.all(macs.map((m) => seg.attach(mac(m))));
    const got: number[] = [];
    ports[1]!.onReceive((f) => got.push(seqOf(f)));
    ports[0]!.send(frame(mac(macs[1]!), mac(macs[0]!), 5));
    clock.advance(0);
    expect(got).to.deep.equal([5]);
  });

  it('createSegment makes a dgram segment unless asked for memory', async () => {
    const d = createSegment('x');
    const m = createSegment('y', { kind: 'memory', clock });
    expect(d).to.be.instanceOf(DgramSegment);
    expect(m).to.be.instanceOf(InMemorySegment);
    await d.close();
    await m.close();
  });
});
