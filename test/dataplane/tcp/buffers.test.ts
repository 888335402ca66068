/** The send buffer, the receive queues and sequence arithmetic: byte-level tables. */
import { expect } from 'chai';
import { InOrderQueue, OutOfOrderQueue } from '../../../src/dataplane/tcp/receive-queue.js';
import { SendBuffer } from '../../../src/dataplane/tcp/send-buffer.js';
import { seqGt, seqLt } from '../../../src/dataplane/tcp/seq.js';
import { RttEstimator } from '../../../src/dataplane/tcp/rtt.js';
import { pattern } from './support.js';

const range = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from }, (_, i) => (from + i) & 0xff);

describe('dataplane/tcp buffers', () => {
  it('sequence comparisons hold across the 2^32 wrap', () => {
    expect(seqLt(0xfffffff0, 0x10)).to.equal(true);
    expect(seqGt(0x10, 0xfffffff0)).to.equal(true);
    expect(seqLt(5, 5)).to.equal(false);
  });

  it('SendBuffer: appends copy (coalescing small writes), copyOut spans blocks, consume drops from the front', () => {
    const buf = new SendBuffer();
    const data = pattern(200_000, 9);
    const source = data.slice();
    let at = 0;
    for (const n of [1, 10, 4095, 5000, 70_000, 120_894]) {
      buf.append(source, at, at + n);
      at += n;
    }
    source.fill(0); // later changes to the caller's memory do not reach the queue
    expect(buf.length).to.equal(200_000);
    for (const [off, len] of [[0, 1], [4000, 2000], [65_530, 100], [199_000, 1000], [0, 200_000]] as const) {
      expect(Buffer.from(buf.read(off, len)).equals(Buffer.from(data.subarray(off, off + len))), `${off}+${len}`).to.equal(true);
    }
    buf.consume(70_001);
    expect(buf.length).to.equal(129_999);
    expect(Buffer.from(buf.read(0, 500)).equals(Buffer.from(data.subarray(70_001, 70_501)))).to.equal(true);
    buf.consume(129_999);
    expect(buf.length).to.equal(0);
    buf.append(range(0, 10));
    expect([...buf.read(0, 10)]).to.deep.equal([...range(0, 10)]);
    expect(() => buf.read(5, 10)).to.throw(RangeError);
  });

  it('InOrderQueue: take() hands out chunks, split at `max`', () => {
    const q = new InOrderQueue();
    q.push(range(0, 10));
    q.push(range(10, 15));
    expect([...q.take(4)!]).to.deep.equal([0, 1, 2, 3]);
    expect(q.length).to.equal(11);
    expect([...q.take()!]).to.deep.equal([4, 5, 6, 7, 8, 9]);
    expect([...q.take()!]).to.deep.equal([10, 11, 12, 13, 14]);
    expect(q.take()).to.equal(undefined);
    expect(q.length).to.equal(0);
  });

  // Each case: segments inserted as [seq, from, to, fin?] (payload = bytes from..to of a numbered
  // stream starting at seq 1000), then what the queue holds.
  const cases: Array<[string, Array<[number, number, boolean?]>, Array<[number, number, boolean]>]> = [
    ['disjoint, in any order', [[3000, 3100], [2000, 2100], [4000, 4100]], [[2000, 2100, false], [3000, 3100, false], [4000, 4100, false]]],
    ['exact duplicate', [[2000, 2100], [2000, 2100]], [[2000, 2100, false]]],
    ['overlapping the front of a held one', [[2050, 2150], [2000, 2100]], [[2000, 2050, false], [2050, 2150, false]]],
    ['overlapping the back of a held one', [[2000, 2100], [2050, 2200]], [[2000, 2100, false], [2100, 2200, false]]],
    ['covering two held ones and the gaps between', [[2100, 2200], [2300, 2400], [2000, 2500]],
      [[2000, 2100, false], [2100, 2200, false], [2200, 2300, false], [2300, 2400, false], [2400, 2500, false]]],
    ['inside a held one', [[2000, 2500], [2100, 2200]], [[2000, 2500, false]]],
    ['a FIN after data', [[2000, 2100, true]], [[2000, 2100, true]]],
    ['a FIN alone after held data', [[2000, 2100], [2100, 2100, true]], [[2000, 2100, true]]],
  ];
  for (const [name, inserts, held] of cases) {
    it(`OutOfOrderQueue: ${name}`, () => {
      const q = new OutOfOrderQueue();
      for (const [from, to, fin] of inserts) q.insert(from, range(from, to), fin ?? false);
      expect(q.segments.map((s) => [s.seq, s.seq + s.data.length, s.fin])).to.deep.equal(held);
      for (const s of q.segments) expect([...s.data]).to.deep.equal([...range(s.seq, s.seq + s.data.length)]);
      expect(q.bytes).to.equal(held.reduce((n, [a, b]) => n + b - a, 0));
    });
  }

  it('OutOfOrderQueue.pullFrom: contiguous segments from RCV.NXT, trimmed; stops at a gap; reports the FIN', () => {
    const q = new OutOfOrderQueue();
    q.insert(1950, range(1950, 2100), false);
    q.insert(2100, range(2100, 2200), false);
    q.insert(2300, range(2300, 2400), true);
    const got: number[] = [];
    const r1 = q.pullFrom(2000, (d) => got.push(...d));
    expect(r1).to.deep.equal({ next: 2200, fin: false });
    expect(got).to.deep.equal([...range(2000, 2200)]);
    const r2 = q.pullFrom(2300, (d) => got.push(...d));
    expect(r2).to.deep.equal({ next: 2400, fin: true });
    expect(q.size).to.equal(0);
    expect(q.bytes).to.equal(0);
  });

  it('RttEstimator: RFC 6298 (SRTT, RTTVAR, RTO bounds, backoff)', () => {
    const r = new RttEstimator();
    expect(r.rto).to.equal(1000);
    r.sample(100); // SRTT 100, RTTVAR 50 → 100 + 200 = 300
    expect(r.rto).to.equal(300);
    r.sample(100); // RTTVAR 37.5 → 100 + 150 = 250
    expect(r.rto).to.equal(250);
    for (let i = 0; i < 50; i++) r.sample(1);
    expect(r.rto, 'floor: 200 ms').to.equal(200);
    r.expired();
    r.expired();
    expect(r.rto).to.equal(800);
    for (let i = 0; i < 20; i++) r.expired();
    expect(r.rto, 'ceiling: 120 s').to.equal(120_000);
    r.acked();
    expect(r.rto).to.equal(200);
  });
});
