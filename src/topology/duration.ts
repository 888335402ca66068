/**
 * The three unit-bearing scalar syntaxes of a topology file. Each parser takes the raw YAML scalar
 * (a string, or a number when the user forgot the unit) and returns a value in kemu's units or a
 * message that says what to write instead. The accepted syntax is documented in
 * docs/topology-format.md ("Durations, rates and percentages"); keep the two in step.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });
const show = (raw: unknown) => (typeof raw === 'string' ? JSON.stringify(raw) : String(raw));

const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;

// ---- durations: Go's time.ParseDuration syntax, as Kubernetes flags and kubelet configs use --------

/** Milliseconds per unit. "µs" (micro sign) and "μs" (Greek mu) are accepted as Go accepts them. */
const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const UNIT_LIST = 'ns, us, ms, s, m, h';

/** "100us", "1.5s", "5m", "1h30m", "300ms" → milliseconds. A bare 0 is allowed (it needs no unit). */
export function parseDuration(raw: unknown): Parsed<number> {
  if (raw === 0 || raw === '0') return ok(0);
  if (typeof raw === 'number') return fail(`invalid duration ${raw}: missing unit (write e.g. "${raw}s"; units are ${UNIT_LIST})`);
  if (typeof raw !== 'string') return fail(`invalid duration: expected a string such as "30s"`);
  const s = raw.trim();
  if (/^[+-]?\d+(\.\d*)?$/.test(s)) return fail(`invalid duration ${show(raw)}: missing unit (write e.g. "${s}s"; units are ${UNIT_LIST})`);
  if (s.startsWith('-')) return fail(`invalid duration ${show(raw)}: must not be negative`);
  const part = new RegExp(`(${NUMBER})([a-zA-Zµμ]+)`, 'y');
  let total = 0;
  let i = 0;
  while (i < s.length) {
    part.lastIndex = i;
    const m = part.exec(s);
    if (!m) return fail(`invalid duration ${show(raw)}: expected numbers with units, e.g. 100us, 1.5s, 1h30m`);
    const unit = Object.hasOwn(DURATION_UNITS, m[2]!) ? DURATION_UNITS[m[2]!] : undefined;
    if (unit === undefined) return fail(`invalid duration ${show(raw)}: unknown unit "${m[2]}" (units are ${UNIT_LIST})`);
    total += Number(m[1]) * unit;
    i = part.lastIndex;
  }
  if (s.length === 0) return fail(`invalid duration "": expected e.g. "30s"`);
  return ok(total);
}

// ---- rates: tc's units (case-insensitive); note that "bps" means BYTES per second in tc ------------

const SI: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
const IEC: Record<string, number> = { ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3, ti: 1024 ** 4 };

function rateUnit(unit: string): number | undefined {
  const u = unit.toLowerCase();
  const m = /^(|k|m|g|t|ki|mi|gi|ti)(bit|bps)$/.exec(u);
  if (!m) return undefined;
  const scale = SI[m[1]!] ?? IEC[m[1]!]!;
  return m[2] === 'bps' ? scale * 8 : scale;
}

const RATE_UNITS = 'bit, kbit, mbit, gbit, tbit (bits/s); bps, kbps, mbps, gbps, tbps (bytes/s); kibit, mibit... for powers of 1024';

/** "1Gbit", "100mbit", "10kbit", "1gbps" (= 8 Gbit/s) → bits/s; "unlimited" → null. */
export function parseRate(raw: unknown): Parsed<number | null> {
  if (raw === 'unlimited') return ok(null);
  if (typeof raw === 'number') return fail(`invalid rate ${raw}: missing unit (write e.g. "${raw}mbit"; units are ${RATE_UNITS})`);
  if (typeof raw !== 'string') return fail('invalid rate: expected a string such as "100mbit" or "unlimited"');
  const m = new RegExp(`^(${NUMBER})([a-zA-Z]*)$`).exec(raw.trim());
  if (!m) return fail(`invalid rate ${show(raw)}: expected a number and a unit, e.g. 100mbit, or "unlimited"`);
  if (m[2] === '') return fail(`invalid rate ${show(raw)}: missing unit (write e.g. "${m[1]}mbit"; units are ${RATE_UNITS})`);
  const unit = rateUnit(m[2]!);
  if (unit === undefined) return fail(`invalid rate ${show(raw)}: unknown unit "${m[2]}" (units are ${RATE_UNITS})`);
  const bits = Number(m[1]) * unit;
  if (bits <= 0) return fail(`invalid rate ${show(raw)}: must be greater than 0 (write "unlimited" for no limit)`);
  return ok(bits);
}

// ---- percentages ----------------------------------------------------------------------------------

/** "5%", "0.5%" → 0.05, 0.005. A bare 0 is allowed; other bare numbers are ambiguous (5 or 500%?). */
export function parsePercent(raw: unknown): Parsed<number> {
  if (raw === 0 || raw === '0') return ok(0);
  if (typeof raw === 'number') return fail(`invalid percentage ${raw}: write it with a % sign, e.g. "${raw}%"`);
  if (typeof raw !== 'string') return fail('invalid percentage: expected a string such as "0.5%"');
  const m = new RegExp(`^(-?${NUMBER})%$`).exec(raw.trim());
  if (!m) return fail(`invalid percentage ${show(raw)}: expected a number followed by %, e.g. "0.5%"`);
  const v = Number(m[1]);
  if (v < 0 || v > 100) return fail(`invalid percentage ${show(raw)}: must be between 0% and 100%`);
  return ok(v / 100);
}

/** Milliseconds back to the file syntax, for messages: 90000 → "1m30s", 0.1 → "100us". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${+(ms * 1000).toFixed(3)}us`;
  if (ms < 1000) return `${+ms.toFixed(3)}ms`;
  let rest = ms / 1000;
  let out = '';
  const h = Math.floor(rest / 3600);
  if (h) out += `${h}h`;
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  if (m) out += `${m}m`;
  rest -= m * 60;
  if (rest || !out) out += `${+rest.toFixed(3)}s`;
  return out;
}
