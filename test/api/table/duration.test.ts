import { expect } from 'chai';
import { ageSince, humanDuration } from '../../../src/api/table/index.js';
import { D, H, M, NOW, S } from './fixtures.js';

describe('table: humanDuration (k8s duration.HumanDuration)', () => {
  const cases: [ms: number, want: string][] = [
    [-3 * S, '<invalid>'],
    [-2 * S, '<invalid>'],
    // Under two seconds in the future is clock skew: "now".
    [-1999, '0s'],
    [-1 * S, '0s'],
    [0, '0s'],
    [999, '0s'],
    [5 * S, '5s'],
    [119 * S + 999, '119s'],
    [2 * M, '2m'],
    [3 * M + 20 * S, '3m20s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H + 30 * M, '8h'],
    [47 * H + 59 * M, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D + 5 * H, '8d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [770 * D, '2y40d'],
    [8 * 365 * D, '8y'],
    [10 * 365 * D + 100 * D, '10y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms → ${want}`, () => expect(humanDuration(ms)).to.equal(want));
  }

  const ages: [ts: unknown, want: string][] = [
    [undefined, '<unknown>'],
    ['', '<unknown>'],
    ['0001-01-01T00:00:00Z', '<unknown>'],
    ['not a time', '<unknown>'],
    [new Date(NOW - 90 * S).toISOString(), '90s'],
  ];
  for (const [ts, want] of ages) {
    it(`age of ${JSON.stringify(ts)} → ${want}`, () => expect(ageSince(ts, NOW)).to.equal(want));
  }
});
