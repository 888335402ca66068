/** Durations, rates and percentages: what is accepted, what it means, and what is said otherwise. */
import { expect } from 'chai';
import { formatDuration, parseDuration, parsePercent, parseRate } from '../../src/topology/duration.js';
import type { Parsed } from '../../src/topology/duration.js';

type Case = [input: unknown, want: number | null | string];

function table(name: string, parse: (raw: unknown) => Parsed<number | null>, cases: Case[]): void {
  describe(name, () => {
    for (const [input, want] of cases) {
      it(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => {
        const r = parse(input);
        if (typeof want === 'string') expect(r).to.deep.equal({ ok: false, message: want });
        else {
          expect(r.ok).to.equal(true);
          if (r.ok) expect(r.value).to.be.closeTo(want ?? NaN, 1e-9);
        }
      });
    }
  });
}

describe('topology: unit syntax', () => {
  table('parseDuration (milliseconds)', parseDuration, [
    ['100us', 0.1],
    ['100µs', 0.1],
    ['250ns', 0.00025],
    ['300ms', 300],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2h45m30.5s', 9_930_500],
    ['.5s', 500],
    [0, 0],
    ['0', 0],
    [30, 'invalid duration 30: missing unit (write e.g. "30s"; units are ns, us, ms, s, m, h)'],
    ['30', 'invalid duration "30": missing unit (write e.g. "30s"; units are ns, us, ms, s, m, h)'],
    ['5d', 'invalid duration "5d": unknown unit "d" (units are ns, us, ms, s, m, h)'],
    ['-1s', 'invalid duration "-1s": must not be negative'],
    ['1 s', 'invalid duration "1 s": expected numbers with units, e.g. 100us, 1.5s, 1h30m'],
    ['', 'invalid duration "": expected e.g. "30s"'],
    [true, 'invalid duration: expected a string such as "30s"'],
  ]);

  table('parseRate (bits per second)', (raw) => parseRate(raw) as Parsed<number | null>, [
    ['1Gbit', 1e9],
    ['100Mbit', 1e8],
    ['100mbit', 1e8],
    ['10kbit', 1e4],
    ['1.5mbit', 1.5e6],
    ['64bit', 64],
    ['1gbps', 8e9],
    ['125kbps', 1e6],
    ['1mibit', 1024 * 1024],
    ['1kibps', 8192],
    [100, 'invalid rate 100: missing unit (write e.g. "100mbit"; units are bit, kbit, mbit, gbit, tbit (bits/s); bps, kbps, mbps, gbps, tbps (bytes/s); kibit, mibit... for powers of 1024)'],
    ['10mb', 'invalid rate "10mb": unknown unit "mb" (units are bit, kbit, mbit, gbit, tbit (bits/s); bps, kbps, mbps, gbps, tbps (bytes/s); kibit, mibit... for powers of 1024)'],
    ['0mbit', 'invalid rate "0mbit": must be greater than 0 (write "unlimited" for no limit)'],
    ['fast', 'invalid rate "fast": expected a number and a unit, e.g. 100mbit, or "unlimited"'],
  ]);

  it('parseRate: "unlimited" is null', () => {
    expect(parseRate('unlimited')).to.deep.equal({ ok: true, value: null });
  });

  table('parsePercent (fraction)', parsePercent, [
    ['5%', 0.05],
    ['0.5%', 0.005],
    ['100%', 1],
    ['0%', 0],
    [0, 0],
    [5, 'invalid percentage 5: write it with a % sign, e.g. "5%"'],
    ['120%', 'invalid percentage "120%": must be between 0% and 100%'],
    ['-1%', 'invalid percentage "-1%": must be between 0% and 100%'],
    ['5 percent', 'invalid percentage "5 percent": expected a number followed by %, e.g. "0.5%"'],
  ]);

  it('formatDuration writes milliseconds back in the file syntax', () => {
    expect([0, 0.1, 300, 1500, 40_000, 90_000, 5_400_000, 65_535_000].map(formatDuration)).to.deep.equal([
      '0s', '100us', '300ms', '1.5s', '40s', '1m30s', '1h30m', '18h12m15s',
    ]);
  });
});
