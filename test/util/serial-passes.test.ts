import { expect } from 'chai';
import { SerialPasses } from '../../src/util/serial-passes.js';

describe('util/SerialPasses', () => {
  it('runs one pass for a burst of requests, and one more for requests made during a pass', async () => {
    let passes = 0;
    let running = 0;
    let overlapped = false;
    let release: () => void = () => undefined;
    const s = new SerialPasses(async () => {
      passes++;
      running++;
      if (running > 1) overlapped = true;
      if (passes === 1) await new Promise<void>((r) => { release = r; });
      running--;
    }, (err) => { throw err; });
    for (let i = 0; i < 100; i++) s.request();
    await new Promise((r) => setImmediate(r));
    expect(passes).to.equal(1); // the burst: one pass, now waiting
    for (let i = 0; i < 100; i++) s.request();
    release();
    await s.settled();
    expect(passes).to.equal(2);
    expect(overlapped).to.equal(false);
  });

  it('reports a failing pass and goes on with the next', async () => {
    const errors: string[] = [];
    let n = 0;
    const s = new SerialPasses(async () => {
      n++;
      if (n === 1) throw new Error('first fails');
    }, (err) => errors.push(err.message));
    s.request();
    await s.settled();
    s.request();
    await s.settled();
    expect(errors).to.deep.equal(['first fails']);
    expect(n).to.equal(2);
  });
});
