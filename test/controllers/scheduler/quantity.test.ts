import { expect } from 'chai';
import { quantityMilliValue, quantityValue, resourceAmount } from '../../../src/controllers/scheduler/quantity.js';
import { isKemuError } from '../../../src/util/errors.js';

describe('scheduler/quantity', () => {
  const cases: [string, number, number][] = [
    // input, Value() (rounded up), MilliValue() (rounded up)
    ['1', 1, 1000],
    ['0', 0, 0],
    ['100m', 1, 100],
    ['250m', 1, 250],
    ['1500m', 2, 1500],
    ['0.1', 1, 100],
    ['0.5', 1, 500],
    ['2.5', 3, 2500],
    ['.5', 1, 500],
    ['1.', 1, 1000],
    ['1e3', 1000, 1_000_000],
    ['1E3', 1000, 1_000_000],
    ['1e-3', 1, 1],
    ['1e-4', 1, 1],
    ['128Mi', 134_217_728, 134_217_728_000],
    ['1Ki', 1024, 1_024_000],
    ['1Gi', 1_073_741_824, 1_073_741_824_000],
    ['8Gi', 8_589_934_592, 8_589_934_592_000],
    ['1G', 1_000_000_000, 1_000_000_000_000],
    ['1k', 1000, 1_000_000],
    ['1M', 1_000_000, 1_000_000_000],
    ['500n', 1, 1],
    ['2u', 1, 1],
    ['1.5Gi', 1_610_612_736, 1_610_612_736_000],
    ['+2', 2, 2000],
    ['-1', -1, -1000],
    ['110', 110, 110_000],
  ];
  for (const [input, value, milli] of cases) {
    it(`parses ${JSON.stringify(input)}`, () => {
      expect(quantityValue(input), 'Value').to.equal(value);
      expect(quantityMilliValue(input), 'MilliValue').to.equal(milli);
    });
  }

  for (const bad of ['', 'abc', '1x', '1 Gi', 'Gi', '1.2.3', '1e', '--1', '1KiB']) {
    it(`rejects ${JSON.stringify(bad)} with ERR_BAD_QUANTITY`, () => {
      let err: unknown;
      try {
        quantityValue(bad);
      } catch (e) {
        err = e;
      }
      expect(isKemuError(err, 'ERR_BAD_QUANTITY'), String(err)).to.equal(true);
    });
  }

  it('resourceAmount: cpu in millicores, others in units, bad or absent as 0', () => {
    expect(resourceAmount('cpu', '2')).to.equal(2000);
    expect(resourceAmount('cpu', 1)).to.equal(1000);
    expect(resourceAmount('memory', '1Ki')).to.equal(1024);
    expect(resourceAmount('pods', '110')).to.equal(110);
    expect(resourceAmount('memory', 'lots')).to.equal(0);
    expect(resourceAmount('memory', undefined)).to.equal(0);
  });
});
