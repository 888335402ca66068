import { expect } from 'chai';
import { type Clock, FakeClock } from '../../../src/util/clock.js';
import { Egress, type EgressDrop } from '../../../src/dataplane/underlay/impair.js';
import { DEFAULT_LINK, type LinkParams, mergeLinkParams, seededRandom } from '../../../src/dataplane/underlay/params.js';
import { MAC_A, MAC_B, frame, seqOf } from './support.js';

/** An Egress on a FakeClock whose sink records what left, when, and what was dropped. */
function rig(link: Partial<LinkParams>, opts: { seed?: number; queueLimitBytes?: number; clock?: Clock } = {}) {
  const fake = new FakeClock(Date.UTC(2026, 0, 1));
  const clock = opts.clock ?? fake;
  const out: { frame: Uint8Array; at: number }[] = [];
  const drops: Record<EgressDrop, number> = { mtu: 0, loss: 0, 'queue-full': 0 };
  const egress = new Egress(mergeLinkParams(DEFAULT_LINK, link), {
    clock,
    random: seededRandom(opts.seed ?? 42),
    queueLimitBytes: opts.queueLimitBytes,
    sink: {
      onEgress: (f) => out.push({ frame: f, at: clock.now() }),
      onEgressDrop: (r) => drops[r]++,
    },
  });
  return { clock: fake, egress, out, drops };
}

describe('underlay impairment core (netem + tbf on egress)', () => {
  it('passes frames straight through, synchronously and without timers, when unimpaired', () => {
    const { clock, egress, out } = rig({});
    const f = frame(MAC_B, MAC_A, 1);
    egress.send(f);
    expect(out).to.have.length(1);
    expect(out[0]!.frame).to.equal(f); // the same buffer: no copy on the fast path
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('drops frames larger than MTU + 14 and passes one of exactly that size', () => {
    const { egress, out, drops } = rig({ mtu: 1500 });
    egress.send(frame(MAC_B, MAC_A, 1, 1514));
    egress.send(frame(MAC_B, MAC_A, 2, 1515));
    expect(out.map((o) => seqOf(o.frame))).to.deep.equal([1]);
    expect(drops.mtu).to.equal(1);
  });

  it('loses 5 % of 20,000 frames within ±0.7 %, independently', () => {
    const { egress, out, drops } = rig({ loss: 0.05 }, { seed: 7 });
    for (let i = 0; i < 20000; i++) egress.send(frame(MAC_B, MAC_A, i));
    expect(drops.loss / 20000).to.be.within(0.043, 0.057);
    expect(out.length + drops.loss).to.equal(20000);
  });

  it('duplicates the configured share, each copy its own buffer with the same bytes', () => {
    const { egress, out } = rig({ duplicate: 0.1 }, { seed: 3 });
    for (let i = 0; i < 20000; i++) egress.send(frame(MAC_B, MAC_A, i));
    expect(egress.stats.duplicated / 20000).to.be.within(0.093, 0.107);
    expect(out.length).to.equal(20000 + egress.stats.duplicated);
    const i = out.findIndex((o, k) => k > 0 && seqOf(o.frame) === seqOf(out[k - 1]!.frame));
    expect(out[i]!.frame).to.not.equal(out[i - 1]!.frame);
    expect(out[i]!.frame).to.deep.equal(out[i - 1]!.frame);
  });

  it('reorders: a share of frames skips the delay and overtakes frames waiting for it', () => {
    const { clock, egress, out } = rig({ delay: 10, reorder: 0.25 }, { seed: 11 });
    const sentAt = new Map<number, number>();
    for (let i = 0; i < 10000; i++) {
      sentAt.set(i, clock.now());
      egress.send(frame(MAC_B, MAC_A, i));
      clock.advance(1);
    }
    clock.advance(20);
    expect(out).to.have.length(10000);
    const immediate = out.filter((o) => o.at === sentAt.get(seqOf(o.frame))).length;
    expect(immediate / 10000).to.be.within(0.24, 0.26);
    expect(egress.stats.reordered).to.equal(immediate);
    const overtakes = out.filter((o, k) => k > 0 && seqOf(o.frame) < seqOf(out[k - 1]!.frame)).length;
    expect(overtakes).to.be.greaterThan(1000);
    // The rest waited exactly the delay.
    expect(out.every((o) => o.at - sentAt.get(seqOf(o.frame))! === 0 || o.at - sentAt.get(seqOf(o.frame))! === 10)).to.equal(true);
  });

  it('does not reorder without a delay (nothing to overtake)', () => {
    const { egress, out } = rig({ reorder: 0.5 });
    for (let i = 0; i < 100; i++) egress.send(frame(MAC_B, MAC_A, i));
    expect(out.map((o) => seqOf(o.frame))).to.deep.equal([...Array(100).keys()]);
    expect(egress.stats.reordered).to.equal(0);
  });

  it('delays by delay ± jitter, uniformly, when frames are spaced apart', () => {
    const { clock, egress, out } = rig({ delay: 10, jitter: 4 }, { seed: 5 });
    const sent: number[] = [];
    for (let i = 0; i < 2000; i++) {
      sent.push(clock.now());
      egress.send(frame(MAC_B, MAC_A, i));
      clock.advance(20);
    }
    clock.advance(20);
    const lat = out.map((o) => o.at - sent[seqOf(o.frame)]!);
    expect(lat).to.have.length(2000);
    expect(Math.min(...lat)).to.be.at.least(6 - 1e-3).and.below(6.2);
    expect(Math.max(...lat)).to.be.at.most(14 + 1e-3).and.above(13.8);
    const mean = lat.reduce((a, b) => a + b, 0) / lat.length;
    expect(mean).to.be.within(9.8, 10.2);
    // Uniform: about a quarter of samples in each 2 ms band.
    expect(lat.filter((l) => l < 8).length / 2000).to.be.within(0.21, 0.29);
  });

  it('never reorders because of jitter: back-to-back frames keep their order', () => {
    const { clock, egress, out } = rig({ delay: 10, jitter: 8 }, { seed: 9 });
    for (let i = 0; i < 1000; i++) {
      egress.send(frame(MAC_B, MAC_A, i));
      clock.advance(0.5);
    }
    clock.advance(30);
    expect(out.map((o) => seqOf(o.frame))).to.deep.equal([...Array(1000).keys()]);
  });

  it('token bucket: at rate R for T seconds delivers R·T bits within 2 % and counts queue-limit drops', () => {
    const R = 8_000_000; // 1000 bytes per ms
    const { clock, egress, out, drops } = rig({ rate: R }, { queueLimitBytes: 20_000 });
    let sent = 0;
    for (let ms = 0; ms < 10_000; ms++) {
      egress.send(frame(MAC_B, MAC_A, sent++, 1000));
      egress.send(frame(MAC_B, MAC_A, sent++, 1000)); // offered: twice the rate
      clock.advance(1);
    }
    const bits = out.reduce((a, o) => a + o.frame.length * 8, 0);
    expect(bits / (R * 10)).to.be.within(0.98, 1.02);
    expect(drops['queue-full']).to.be.greaterThan(9000);
    expect(out.length + drops['queue-full'] + egress.held().frames).to.equal(sent);
    expect(egress.held().bytes).to.be.at.most(20_000);
  });

  it('token bucket: bursts one MTU-sized frame, then spaces frames at their serialisation time', () => {
    const { clock, egress, out } = rig({ rate: 1_211_200 }); // 1514 bytes take 10 ms
    for (let i = 0; i < 3; i++) egress.send(frame(MAC_B, MAC_A, i, 1514));
    expect(out).to.have.length(1);
    clock.advance(9.9);
    expect(out).to.have.length(1);
    clock.advance(0.1);
    expect(out).to.have.length(2);
    clock.advance(10);
    expect(out).to.have.length(3);
  });

  it('token bucket keeps its rate when timers fire late (accounting in virtual time)', () => {
    const fake = new FakeClock(0);
    // Every timer fires 1 ms late, as coarse real timers do.
    const late: Clock = {
      now: () => fake.now(),
      setTimeout: (fn, ms) => fake.setTimeout(fn, Math.ceil(ms) + 1),
      setInterval: (fn, ms) => fake.setInterval(fn, ms),
    };
    const R = 100_000_000; // 12,500 bytes per ms: ~8 small frames per ms
    const { egress, out } = rig({ rate: R }, { clock: late, queueLimitBytes: 1 << 20 });
    for (let ms = 0; ms < 1000; ms++) {
      for (let k = 0; k < 20; k++) egress.send(frame(MAC_B, MAC_A, 0, 1500));
      fake.advance(1);
    }
    const bits = out.reduce((a, o) => a + o.frame.length * 8, 0);
    expect(bits / (R * 1)).to.be.within(0.98, 1.02);
  });

  it('applies new parameters at runtime: 100 % loss, then delivery again; removing the rate releases the queue', () => {
    const { clock, egress, out, drops } = rig({});
    egress.setParams(mergeLinkParams(DEFAULT_LINK, { loss: 1 }));
    for (let i = 0; i < 10; i++) egress.send(frame(MAC_B, MAC_A, i));
    expect(out).to.have.length(0);
    expect(drops.loss).to.equal(10);
    // 10 bytes per ms; default limit = 50 ms of rate + one frame = 2014 bytes: two 1000-byte frames wait.
    egress.setParams(mergeLinkParams(DEFAULT_LINK, { rate: 80_000 }));
    for (let i = 0; i < 5; i++) egress.send(frame(MAC_B, MAC_A, i, 1000));
    expect(out).to.have.length(1);
    expect(drops['queue-full']).to.equal(2);
    egress.setParams(DEFAULT_LINK);
    expect(out).to.have.length(3);
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('clear() drops held frames and cancels its timers', () => {
    const { clock, egress, out } = rig({ delay: 50 });
    for (let i = 0; i < 5; i++) egress.send(frame(MAC_B, MAC_A, i));
    expect(egress.held()).to.deep.equal({ frames: 5, bytes: 320 });
    expect(egress.clear()).to.equal(5);
    expect(clock.pendingTimers()).to.equal(0);
    clock.advance(100);
    expect(out).to.have.length(0);
  });

  it('rejects impossible parameters with ERR_BAD_LINK_PARAMS', () => {
    for (const bad of [{ loss: 1.5 }, { delay: -1 }, { rate: 0 }, { mtu: 40 }, { jitter: NaN }] as Partial<LinkParams>[]) {
      expect(() => mergeLinkParams(DEFAULT_LINK, bad)).to.throw().with.property('code', 'ERR_BAD_LINK_PARAMS');
    }
  });
});
