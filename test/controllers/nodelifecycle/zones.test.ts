import { expect } from 'chai';
import type { Condition } from '../../../src/api/types.js';
import { computeZoneState, DEFAULT_DISRUPTION, planDisruption, zoneEvictionRate, type ZoneState } from '../../../src/controllers/nodelifecycle/zones.js';

const cond = (s: 'True' | 'False' | 'Unknown'): Condition => ({ type: 'Ready', status: s });
/** A zone of `ready` Ready nodes and `down` Unknown ones. */
const zone = (ready: number, down: number): (Condition | undefined)[] => [
  ...Array.from({ length: ready }, () => cond('True')),
  ...Array.from({ length: down }, () => cond('Unknown')),
];

describe('nodelifecycle zone rules (pure)', () => {
  const states: { name: string; conds: (Condition | undefined)[]; state: ZoneState }[] = [
    { name: 'all ready', conds: zone(5, 0), state: 'Normal' },
    { name: 'one of two down', conds: zone(1, 1), state: 'Normal' },
    { name: 'two of two down', conds: zone(0, 2), state: 'FullDisruption' },
    { name: 'a single node down', conds: zone(0, 1), state: 'FullDisruption' },
    { name: '2 of 3 down (not more than 2 unhealthy)', conds: zone(1, 2), state: 'Normal' },
    { name: '3 of 5 down (60% >= 55%)', conds: zone(2, 3), state: 'PartialDisruption' },
    { name: '3 of 6 down (50% < 55%)', conds: zone(3, 3), state: 'Normal' },
    { name: 'nodes without a Ready condition count as not ready', conds: [undefined, undefined, undefined, cond('True')], state: 'PartialDisruption' },
    { name: 'False counts like Unknown', conds: [cond('False'), cond('False'), cond('False'), cond('True')], state: 'PartialDisruption' },
  ];
  for (const c of states) {
    it(`zone state: ${c.name} → ${c.state}`, () => {
      expect(computeZoneState(c.conds, 0.55).state).to.equal(c.state);
    });
  }

  const rates: { name: string; state: ZoneState; size: number; rate: number }[] = [
    { name: 'normal zone', state: 'Normal', size: 10, rate: 0.1 },
    { name: 'partial disruption, large zone (> 50)', state: 'PartialDisruption', size: 51, rate: 0.01 },
    { name: 'partial disruption, zone of exactly 50 is small', state: 'PartialDisruption', size: 50, rate: 0 },
    { name: 'partial disruption, small zone', state: 'PartialDisruption', size: 5, rate: 0 },
    { name: 'full disruption of one zone keeps the normal rate', state: 'FullDisruption', size: 5, rate: 0.1 },
  ];
  for (const c of rates) {
    it(`eviction rate: ${c.name} → ${c.rate}/s`, () => {
      expect(zoneEvictionRate(c.state, c.size, DEFAULT_DISRUPTION)).to.equal(c.rate);
    });
  }

  it('new zones start Initial and get their rate on the first pass', () => {
    const plan = planDisruption(new Map(), new Map([['a', zone(3, 0)]]), DEFAULT_DISRUPTION);
    expect(plan.states.get('a')).to.equal('Normal');
    expect(plan.rates.get('a')).to.equal(0.1);
    expect(plan.mode).to.equal(undefined);
  });

  it('a large zone in partial disruption slows to the secondary rate; a small one stops', () => {
    const prev = new Map<string, ZoneState>([
      ['big', 'Normal'],
      ['small', 'Normal'],
    ]);
    const plan = planDisruption(prev, new Map([['big', zone(20, 40)], ['small', zone(1, 4)]]), DEFAULT_DISRUPTION);
    expect(plan.states.get('big')).to.equal('PartialDisruption');
    expect(plan.rates.get('big')).to.equal(0.01);
    expect(plan.rates.get('small')).to.equal(0);
  });

  it('one zone fully down while another is healthy: that zone keeps evicting at the normal rate', () => {
    const prev = new Map<string, ZoneState>([
      ['a', 'Normal'],
      ['b', 'Normal'],
    ]);
    const plan = planDisruption(prev, new Map([['a', zone(0, 3)], ['b', zone(3, 0)]]), DEFAULT_DISRUPTION);
    expect(plan.states.get('a')).to.equal('FullDisruption');
    expect(plan.rates.get('a')).to.equal(0.1);
    expect(plan.mode).to.equal(undefined);
  });

  it('every zone fully down: master disruption mode stops all evictions, and leaving it resets', () => {
    const prev = new Map<string, ZoneState>([
      ['a', 'Normal'],
      ['b', 'Normal'],
    ]);
    const down = planDisruption(prev, new Map([['a', zone(0, 3)], ['b', zone(0, 2)]]), DEFAULT_DISRUPTION);
    expect(down.mode).to.equal('enter');
    expect([...down.rates.values()]).to.deep.equal([0, 0]);
    // Still all down: nothing changes.
    const still = planDisruption(down.states, new Map([['a', zone(0, 3)], ['b', zone(0, 2)]]), DEFAULT_DISRUPTION);
    expect(still.mode).to.equal(undefined);
    expect(still.rates.size).to.equal(0);
    // One zone answers again: every zone gets the rate of its state.
    const back = planDisruption(still.states, new Map([['a', zone(3, 0)], ['b', zone(0, 2)]]), DEFAULT_DISRUPTION);
    expect(back.mode).to.equal('exit');
    expect(back.rates.get('a')).to.equal(0.1);
    expect(back.rates.get('b')).to.equal(0.1);
    expect(back.states.get('b')).to.equal('FullDisruption');
  });

  it('a single-zone cluster whose nodes all fail enters master disruption mode', () => {
    const plan = planDisruption(new Map([['', 'Normal' as ZoneState]]), new Map([['', zone(0, 2)]]), DEFAULT_DISRUPTION);
    expect(plan.mode).to.equal('enter');
  });

  it('zones without nodes are forgotten', () => {
    const plan = planDisruption(new Map<string, ZoneState>([['gone', 'Normal'], ['a', 'Normal']]), new Map([['a', zone(1, 0)]]), DEFAULT_DISRUPTION);
    expect([...plan.states.keys()]).to.deep.equal(['a']);
  });
});
