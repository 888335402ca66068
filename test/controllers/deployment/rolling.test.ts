import { expect } from 'chai';
import type { ReplicaSet } from '../../../src/api/types.js';
import { newRSNewReplicas, planNewReplicaSet, planOldReplicaSets, planProportionalScale } from '../../../src/controllers/deployment/rolling.js';
import { deployment, rs } from './fixtures.js';

const sizes = (plan: { rs: ReplicaSet; replicas: number }[]) => Object.fromEntries(plan.map((s) => [s.rs.metadata.name, s.replicas]));

describe('deployment/rolling: planners', () => {
  describe('new ReplicaSet growth (reconcileNewReplicaSet)', () => {
    const cases: [string, number, number | string, number | string, number, number, number | undefined][] = [
      // name, replicas, surge, unavailable, old spec, new spec, expected new size
      ['starts with surge', 3, 1, 0, 3, 0, 1],
      ['no room beyond desired + surge', 3, 1, 0, 3, 1, undefined],
      ['grows as old shrinks', 3, 1, 0, 2, 1, 2],
      ['never past desired', 3, 5, 0, 0, 2, 3],
      ['shrinks when above desired', 3, 1, 0, 0, 5, 3],
      ['25% of 10: surge 3', 10, '25%', '25%', 10, 0, 3],
    ];
    for (const [name, replicas, s, u, oldN, newN, want] of cases) {
      it(name, () => {
        const d = deployment(replicas, s, u);
        const old = rs('old', oldN, oldN, 0);
        const nrs = rs('new', newN, 0, 1);
        expect(planNewReplicaSet(d, [old, nrs], nrs)).to.equal(want);
      });
    }
    it('Recreate scales the new ReplicaSet straight to desired', () => {
      const d = deployment(3, 0, 0, { strategy: { type: 'Recreate' } });
      expect(newRSNewReplicas(d, [], rs('new', 0, 0, 1))).to.equal(3);
    });
  });

  describe('old ReplicaSets scale-down (reconcileOldReplicaSets)', () => {
    const cases: { name: string; d: ReturnType<typeof deployment>; olds: ReplicaSet[]; nrs: ReplicaSet; want: Record<string, number> }[] = [
      { name: 'nothing while the new pods are unavailable and none may be lost', d: deployment(3, 1, 0), olds: [rs('o', 3, 3, 0)], nrs: rs('n', 1, 0, 1), want: {} },
      { name: 'one old pod once a new one is available', d: deployment(3, 1, 0), olds: [rs('o', 3, 3, 0)], nrs: rs('n', 1, 1, 1), want: { o: 2 } },
      { name: 'maxUnavailable lets old pods go before new ones are up', d: deployment(4, 0, 2), olds: [rs('o', 4, 4, 0)], nrs: rs('n', 0, 0, 1), want: { o: 2 } },
      { name: 'unhealthy old replicas go first, regardless of availability', d: deployment(3, 1, 1), olds: [rs('o', 3, 1, 0)], nrs: rs('n', 1, 1, 1), want: { o: 1 } },
      { name: 'oldest ReplicaSet first', d: deployment(4, 1, 1), olds: [rs('older', 2, 2, 0), rs('old', 2, 2, 1)], nrs: rs('n', 1, 1, 2), want: { older: 0 } },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expect(sizes(planOldReplicaSets(c.d, [...c.olds, c.nrs], c.olds, c.nrs))).to.deep.equal(c.want);
      });
    }
  });

  describe('proportional scaling (kubectl scale mid-rollout)', () => {
    it('a single active ReplicaSet takes the whole new size', () => {
      expect(sizes(planProportionalScale(deployment(5, 1, 1), rs('n', 3, 3, 1), [rs('o', 0, 0, 0)]))).to.deep.equal({ n: 5 });
    });
    it('a saturated new ReplicaSet sends old ones to zero', () => {
      const n = rs('n', 3, 3, 1, { 'deployment.kubernetes.io/desired-replicas': '3' });
      expect(sizes(planProportionalScale(deployment(3, 1, 1), n, [rs('o', 1, 1, 0)]))).to.deep.equal({ o: 0 });
    });
    it('splits new replicas by current size (max-replicas annotation), leftovers to the largest', () => {
      // Was 10 (+3 surge = 13): old 8, new 5. Now 20 (+5 surge = 25): add 12 in proportion.
      const ann = { 'deployment.kubernetes.io/max-replicas': '13', 'deployment.kubernetes.io/desired-replicas': '10' };
      const plan = planProportionalScale(deployment(20, '25%', '25%'), rs('n', 5, 0, 1, ann), [rs('o', 8, 8, 0, ann)]);
      expect(sizes(plan)).to.deep.equal({ o: 15, n: 10 });
    });
    it('scales down proportionally too', () => {
      const ann = { 'deployment.kubernetes.io/max-replicas': '13', 'deployment.kubernetes.io/desired-replicas': '10' };
      const plan = planProportionalScale(deployment(5, '25%', '25%'), rs('n', 5, 0, 1, ann), [rs('o', 8, 8, 0, ann)]);
      // allowed 5 + 2 = 7, remove 6: old 8*7/13 → 4 (-4), new 5*7/13 → 3 (-2)
      expect(sizes(plan)).to.deep.equal({ o: 4, n: 3 });
    });
  });
});
