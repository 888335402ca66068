import { expect } from 'chai';
import { numFeasibleNodesToFind } from '../../../src/controllers/scheduler/algorithm.js';

describe('scheduler: adaptive percentageOfNodesToScore', () => {
  const cases: [number, number][] = [
    [3, 3],
    [99, 99],
    [100, 100], // 50% of 100 = 50, but at least 100
    [200, 100], // 49% of 200 = 98 → 100
    [1000, 420], // 50 − 8 = 42%
    [5000, 500], // 50 − 40 = 10%
    [6000, 300], // 50 − 48 = 2% → at least 5%
  ];
  for (const [nodes, wanted] of cases) {
    it(`${nodes} nodes → stop after ${wanted} feasible`, () => expect(numFeasibleNodesToFind(nodes)).to.equal(wanted));
  }
});
