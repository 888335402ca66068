import { expect } from 'chai';
import { RateLimitedTimedQueue, TokenBucket } from '../../../src/controllers/nodelifecycle/ratelimited-queue.js';
import { FakeClock } from '../../../src/util/clock.js';

/** Runs the 100 ms tainting pass for `seconds` and returns when (s, relative) each node was processed. */
function drain(q: RateLimitedTimedQueue, clock: FakeClock, seconds: number, fail: Set<string> = new Set()): [string, number][] {
  const start = clock.now();
  const out: [string, number][] = [];
  for (let t = 0; t <= seconds * 10; t++) {
    q.try(clock.now(), (v) => {
      if (fail.delete(v.value)) return { ok: false, retryMs: 0 };
      out.push([v.value, (clock.now() - start) / 1000]);
      return { ok: true };
    });
    clock.advance(100);
  }
  return out;
}

describe('nodelifecycle rate-limited taint queue (pure)', () => {
  it('token bucket: burst 1, refills at qps', () => {
    const b = new TokenBucket(0.5, 0);
    expect(b.tryAccept(0)).to.equal(true);
    expect(b.tryAccept(1000)).to.equal(false);
    expect(b.tryAccept(2000)).to.equal(true);
    expect(new TokenBucket(0, 0).tryAccept(1e9)).to.equal(false);
  });

  const cases: { name: string; qps: number; nodes: string[]; seconds: number; expected: [string, number][] }[] = [
    { name: '0.1/s: one node every 10 s, in insertion order', qps: 0.1, nodes: ['a', 'b', 'c'], seconds: 25, expected: [['a', 0], ['b', 10], ['c', 20]] },
    { name: '0.01/s (secondary rate): one every 100 s', qps: 0.01, nodes: ['a', 'b'], seconds: 150, expected: [['a', 0], ['b', 100]] },
    { name: '0/s: nothing ever', qps: 0, nodes: ['a'], seconds: 100, expected: [] },
    { name: '10/s: one per 100 ms pass', qps: 10, nodes: ['a', 'b', 'c'], seconds: 1, expected: [['a', 0], ['b', 0.1], ['c', 0.2]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const clock = new FakeClock(0);
      const q = new RateLimitedTimedQueue(c.qps, clock.now());
      for (const n of c.nodes) q.add(n, n, clock.now());
      expect(drain(q, clock, c.seconds)).to.deep.equal(c.expected);
    });
  }

  it('a processed value stays a member (not re-added) until removed', () => {
    const clock = new FakeClock(0);
    const q = new RateLimitedTimedQueue(10, 0);
    expect(q.add('a', 'u', 0)).to.equal(true);
    drain(q, clock, 1);
    expect(q.add('a', 'u', clock.now())).to.equal(false);
    expect(q.remove('a')).to.equal(true);
    expect(q.add('a', 'u', clock.now())).to.equal(true);
  });

  it('a failed attempt is retried later, after the others due earlier', () => {
    const clock = new FakeClock(0);
    const q = new RateLimitedTimedQueue(10, 0);
    q.add('a', 'a', 0);
    q.add('b', 'b', 0);
    expect(drain(q, clock, 1, new Set(['a']))).to.deep.equal([
      ['b', 0.1],
      ['a', 0.2],
    ]);
  });

  it('swapping to a lower rate does not grant a fresh burst when the old bucket was empty', () => {
    const clock = new FakeClock(0);
    const q = new RateLimitedTimedQueue(0.1, 0);
    for (const n of ['a', 'b', 'c']) q.add(n, n, 0);
    const first = drain(q, clock, 1); // a at 0; bucket now empty
    q.swapLimiter(0.01, clock.now());
    const rest = drain(q, clock, 110);
    expect(first).to.deep.equal([['a', 0]]);
    expect(rest.map(([n]) => n)).to.deep.equal(['b']);
    expect(rest[0]![1]).to.be.closeTo(100, 0.11);
  });

  it('swapping to 0 stops processing; swapping back resumes', () => {
    const clock = new FakeClock(0);
    const q = new RateLimitedTimedQueue(0.1, 0);
    q.swapLimiter(0, 0);
    q.add('a', 'a', 0);
    expect(drain(q, clock, 30)).to.deep.equal([]);
    // Coming from a never-limiter counts as "was empty": the first token comes after 1/qps.
    q.swapLimiter(0.1, clock.now());
    expect(drain(q, clock, 11)).to.deep.equal([['a', 10]]);
  });
});
