import { expect } from 'chai';
import { BoundedFrequencyRunner } from '../../src/proxy/runner.js';
import { FakeClock } from '../../src/util/clock.js';

function setup(opts: { min?: number; max?: number; retry?: number; fail?: () => boolean } = {}) {
  const clock = new FakeClock();
  const t0 = clock.now();
  const at: number[] = [];
  const errors: unknown[] = [];
  const runner = new BoundedFrequencyRunner('test', () => {
    at.push(clock.now() - t0);
    if (opts.fail?.()) throw new Error('sync failed');
  }, { clock, minIntervalMs: opts.min ?? 1000, maxIntervalMs: opts.max ?? 30_000, retryIntervalMs: opts.retry, onError: (e) => errors.push(e) });
  runner.start();
  return { clock, runner, at, errors };
}

describe('proxy/BoundedFrequencyRunner', () => {
  it('runs a request on the next tick, not inside run()', () => {
    const { clock, runner, at } = setup();
    runner.run();
    expect(at).to.deep.equal([]);
    expect(runner.pending).to.equal(true);
    clock.advance(0);
    expect(at).to.deep.equal([0]);
  });

  it('coalesces a burst into one run, and requests during the cool-down into one more at its end', () => {
    const { clock, runner, at } = setup();
    for (let i = 0; i < 100; i++) runner.run();
    clock.advance(0);
    expect(at).to.deep.equal([0]);
    clock.advance(100);
    for (let i = 0; i < 500; i++) runner.run();
    clock.advance(899);
    expect(at, 'not before minInterval').to.deep.equal([0]);
    clock.advance(1);
    expect(at).to.deep.equal([0, 1000]);
    clock.advance(5000);
    expect(at, 'nothing more was asked').to.deep.equal([0, 1000]);
  });

  it('runs at least every maxInterval without requests, counted from the last run', () => {
    const { clock, runner, at } = setup({ max: 30_000 });
    clock.advance(30_000);
    expect(at).to.deep.equal([30_000]);
    clock.advance(10_000);
    runner.run();
    clock.advance(0);
    clock.advance(30_000);
    expect(at).to.deep.equal([30_000, 40_000, 70_000]);
  });

  it('retries a failed run after retryInterval, and a success stops retrying', () => {
    let failures = 2;
    const { clock, runner, at, errors } = setup({ min: 1000, retry: 5000, fail: () => failures-- > 0 });
    runner.run();
    clock.advance(0);
    clock.advance(5000);
    clock.advance(5000);
    expect(at).to.deep.equal([0, 5000, 10_000]);
    expect([runner.runs, runner.failures, errors.length]).to.deep.equal([3, 2, 2]);
    clock.advance(20_000);
    expect(at, 'then only the periodic run').to.deep.equal([0, 5000, 10_000]);
    clock.advance(10_000);
    expect(at).to.deep.equal([0, 5000, 10_000, 40_000]);
  });

  it('a retry shorter than minInterval still waits for the cool-down', () => {
    let fail = true;
    const { clock, runner, at } = setup({ min: 1000, retry: 10, fail: () => { const f = fail; fail = false; return f; } });
    runner.run();
    clock.advance(0);
    clock.advance(999);
    expect(at).to.deep.equal([0]);
    clock.advance(1);
    expect(at).to.deep.equal([0, 1000]);
  });

  it('ignores requests before start and after stop, and leaves no timers behind', () => {
    const clock = new FakeClock();
    let runs = 0;
    const runner = new BoundedFrequencyRunner('test', () => runs++, { clock, minIntervalMs: 1000, maxIntervalMs: 30_000 });
    runner.run();
    clock.advance(60_000);
    expect(runs).to.equal(0);
    runner.start();
    runner.run();
    clock.advance(0);
    expect(runs).to.equal(1);
    runner.run();
    runner.stop();
    clock.advance(120_000);
    expect(runs).to.equal(1);
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('refuses a maxInterval below minInterval', () => {
    expect(() => new BoundedFrequencyRunner('x', () => {}, { clock: new FakeClock(), minIntervalMs: 10, maxIntervalMs: 5 }))
      .to.throw().with.property('code', 'ERR_PROXY_RUNNER');
  });
});
