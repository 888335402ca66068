/**
 * `--json` output of `kemu run` and `kemu compare`: the result objects as they are, with
 * fractional numbers cut to three decimals (microseconds where the unit is milliseconds), so the
 * output is stable to read and diff.
 */
import type { RunResult } from '../scenario/types.js';
import type { CompareReport } from './summary.js';

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) && Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}

export function renderJson(value: CompareReport | RunResult): string {
  return JSON.stringify(value, replacer, 2) + '\n';
}
