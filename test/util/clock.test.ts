import { expect } from 'chai';
import { FakeClock, RealClock } from '../../src/util/clock.js';

describe('FakeClock', () => {
  it('fires timers in due order only when advanced', () => {
    const c = new FakeClock(1000);
    const fired: string[] = [];
    c.setTimeout(() => fired.push('b'), 20);
    c.setTimeout(() => fired.push('a'), 10);
    c.advance(5);
    expect(fired).to.deep.equal([]);
    c.advance(20);
    expect(fired).to.deep.equal(['a', 'b']);
    expect(c.now()).to.equal(1025);
  });

  it('repeats intervals and observes the time each firing happens at', () => {
    const c = new FakeClock(0);
    const at: number[] = [];
    const h = c.setInterval(() => at.push(c.now()), 10);
    c.advance(35);
    h.cancel();
    c.advance(100);
    expect(at).to.deep.equal([10, 20, 30]);
  });

  it('does not fire cancelled timers', () => {
    const c = new FakeClock(0);
    let n = 0;
    c.setTimeout(() => n++, 10).cancel();
    c.advance(100);
    expect(n).to.equal(0);
    expect(c.pendingTimers()).to.equal(0);
  });

  it('refresh restarts a pending timeout with its delay counted from now; a fired or cancelled one stays put', () => {
    const c = new FakeClock(0);
    const at: number[] = [];
    const h = c.setTimeout(() => at.push(c.now()), 10);
    c.advance(8);
    h.refresh?.();
    c.advance(8);
    expect(at).to.deep.equal([]);
    c.advance(2);
    expect(at).to.deep.equal([18]);
    h.refresh?.();
    c.advance(100);
    expect(at).to.deep.equal([18]);
  });
});

describe('RealClock', () => {
  it('refresh postpones a timeout without a new timer', async () => {
    const c = new RealClock();
    const t0 = Date.now();
    let firedAfter = -1;
    const h = c.setTimeout(() => (firedAfter = Date.now() - t0), 40);
    await new Promise((r) => setTimeout(r, 25));
    h.refresh?.();
    await new Promise((r) => setTimeout(r, 30));
    expect(firedAfter).to.equal(-1);
    await new Promise((r) => setTimeout(r, 60));
    expect(firedAfter).to.be.at.least(60);
  });

  it('refresh leaves a fired or cancelled timeout alone, as FakeClock does (Node would re-arm a fired one)', async () => {
    const c = new RealClock();
    let fired = 0;
    const h = c.setTimeout(() => fired++, 5);
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).to.equal(1);
    h.refresh?.();
    const cancelled = c.setTimeout(() => fired++, 5);
    cancelled.cancel();
    cancelled.refresh?.();
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).to.equal(1);
  });
});
