/** IPVS schedulers as tables: destinations (weight, connections) in, the sequence of choices out. */
import { expect } from 'chai';
import { type SchedDest, type SchedulerName, createScheduler } from '../../../src/proxy/ipvs/schedulers.js';

interface D extends SchedDest {
  name: string;
  weight: number;
  activeConns: number;
  inactConns: number;
}

const d = (name: string, weight = 1, activeConns = 0, inactConns = 0, address = 0): D => ({ name, weight, activeConns, inactConns, address });

function sequence(name: SchedulerName, dests: D[], n: number, src = (i: number) => 0x0a000000 + i): string[] {
  const s = createScheduler(name);
  s.updated(dests);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((s.pick(dests, { src: src(i), dst: 0x0a600001 }) as D | undefined)?.name ?? '-');
  return out;
}

describe('proxy/ipvs schedulers', () => {
  const cases: Array<{ name: string; sched: SchedulerName; dests: D[]; n: number; want: string }> = [
    { name: 'rr cycles in list order', sched: 'rr', dests: [d('A'), d('B'), d('C')], n: 7, want: 'ABCABCA' },
    { name: 'rr skips quiescent (weight 0) destinations', sched: 'rr', dests: [d('A'), d('B', 0), d('C')], n: 4, want: 'ACAC' },
    { name: 'rr with nothing usable chooses nothing', sched: 'rr', dests: [d('A', 0)], n: 2, want: '--' },
    { name: 'wrr 3:1 interleaves A A A B', sched: 'wrr', dests: [d('A', 3), d('B', 1)], n: 8, want: 'AAABAAAB' },
    { name: 'wrr 4:2:1', sched: 'wrr', dests: [d('A', 4), d('B', 2), d('C', 1)], n: 8, want: 'AAABABCA' },
    { name: 'wrr 2:4 steps by the gcd', sched: 'wrr', dests: [d('A', 2), d('B', 4)], n: 6, want: 'BABBAB' },
    { name: 'lc: an active connection outweighs 255 inactive ones', sched: 'lc', dests: [d('A', 1, 1, 0), d('B', 1, 0, 200)], n: 1, want: 'B' },
    { name: 'lc: the first of equals', sched: 'lc', dests: [d('A', 1, 0, 5), d('B', 1, 0, 5)], n: 1, want: 'A' },
    { name: 'lc ignores weights but not weight 0', sched: 'lc', dests: [d('A', 0), d('B', 9, 2, 0)], n: 1, want: 'B' },
    { name: 'wlc: overhead per weight', sched: 'wlc', dests: [d('A', 1, 1, 0), d('B', 3, 2, 0)], n: 1, want: 'B' },
    { name: 'wlc: equal ratios keep the first', sched: 'wlc', dests: [d('A', 1, 1, 0), d('B', 2, 2, 0)], n: 1, want: 'A' },
    { name: 'sed: (active + 1) / weight', sched: 'sed', dests: [d('A', 1, 0, 0), d('B', 4, 2, 0)], n: 1, want: 'B' },
    { name: 'nq: an idle destination first, whatever the weights', sched: 'nq', dests: [d('A', 4, 2, 0), d('B', 1, 0, 0)], n: 1, want: 'B' },
    { name: 'nq: like sed when none is idle', sched: 'nq', dests: [d('A', 1, 1, 0), d('B', 4, 2, 0)], n: 1, want: 'B' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(sequence(c.sched, c.dests, c.n).join('')).to.equal(c.want);
    });
  }

  it('rr: after the last chosen destination leaves, its successor is next', () => {
    const s = createScheduler('rr');
    const [a, b, c] = [d('A'), d('B'), d('C')];
    let dests = [a, b, c];
    s.updated(dests);
    expect((s.pick(dests, { src: 1, dst: 2 }) as D).name).to.equal('A');
    expect((s.pick(dests, { src: 1, dst: 2 }) as D).name).to.equal('B');
    dests = [a, c];
    s.updated(dests);
    expect((s.pick(dests, { src: 1, dst: 2 }) as D).name).to.equal('C');
  });

  it('sh: a source always gets the same server; weights give buckets in proportion (2:1 of 256)', () => {
    const dests = [d('A', 2), d('B', 1)];
    const picks = sequence('sh', dests, 3000, (i) => 0x0af40000 + i * 7919);
    expect(sequence('sh', dests, 3000, (i) => 0x0af40000 + i * 7919)).to.deep.equal(picks);
    const a = picks.filter((p) => p === 'A').length / picks.length;
    expect(a).to.be.closeTo(171 / 256, 0.05);
    // The same source, asked repeatedly.
    expect(new Set(sequence('sh', dests, 20, () => 0x0af40102)).size).to.equal(1);
  });

  it('sh / dh: the bucket owner at weight 0 means no destination (no fallback)', () => {
    const dests = [d('A', 1), d('B', 1)];
    const s = createScheduler('sh');
    s.updated(dests);
    const src = 0x0af40001;
    const owner = (s.pick(dests, { src, dst: 0 }) as D).name;
    dests.find((x) => x.name === owner)!.weight = 0;
    expect(s.pick(dests, { src, dst: 0 })).to.equal(undefined);
  });

  it('dh: hashes the destination, spreading destinations over the servers', () => {
    const dests = [d('A'), d('B'), d('C')];
    const s = createScheduler('dh');
    s.updated(dests);
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const name = (s.pick(dests, { src: 99, dst: 0x0a600000 + i * 104729 }) as D).name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
      expect((s.pick(dests, { src: 12345, dst: 0x0a600000 + i * 104729 }) as D).name, 'the source does not matter').to.equal(name);
    }
    for (const n of counts.values()) expect(n / 3000).to.be.closeTo(1 / 3, 0.06);
  });
});
