/**
 * Small imitations of Go standard-library output, so emulated Go programs (agnhost, the kubelet's
 * prober) print and answer byte-for-byte what the real binaries do: time.Time.String(), log's
 * timestamp prefix, %q, json.Marshal's HTML escaping, strings.TrimSpace/ToLower, strconv.Atoi,
 * time.ParseDuration.
 */

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The prefix Go's log package writes with its default flags ("2006/01/02 15:04:05 "), in UTC. */
export function goLogPrefix(ms: number): string {
  // One line per request on a busy server: the text changes once a second.
  const second = Math.floor(ms / 1000);
  if (second === lastPrefix.second) return lastPrefix.text;
  const d = new Date(second * 1000);
  const text = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} `;
  lastPrefix = { second, text };
  return text;
}

let lastPrefix = { second: NaN, text: '' };

/**
 * time.Now().String() in a UTC container: "2006-01-02 15:04:05.999999999 +0000 UTC m=+0.000000001"
 * (fraction without trailing zeros; the monotonic reading is seconds since the process started).
 */
export function goTimeString(ms: number, processStartMs: number): string {
  const d = new Date(ms);
  const frac = d.getUTCMilliseconds() === 0 ? '' : `.${pad(d.getUTCMilliseconds(), 3).replace(/0+$/, '')}`;
  const mono = Math.max(0, ms - processStartMs) / 1000;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac} +0000 UTC m=+${mono.toFixed(9)}`;
}

/** fmt's %q for the strings we quote (printable ASCII as is, the rest escaped). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** json.Marshal of a value made of strings, arrays and string-keyed maps (keys sorted, <>& escaped). */
export function goJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

/** unicode.IsSpace (no BOM, unlike String.prototype.trim). */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

export function goTrimSpace(s: string): string {
  return s.replace(GO_SPACE, '');
}

/** strings.ToLower: rune by rune (İ becomes i, not i + combining dot as in JS). */
export function goToLower(s: string): string {
  let out = '';
  for (const ch of s) {
    const lower = ch.toLowerCase();
    out += [...lower].length === 1 ? lower : [...lower][0]!;
  }
  return out;
}

/** Bytes as Go's string(b): invalid UTF-8 becomes U+FFFD when the string is transformed. */
export function goString(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

export type GoResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** strconv.Atoi with its error texts. */
export function goAtoi(s: string): GoResult<number> {
  if (!/^[+-]?\d+$/.test(s)) return { ok: false, error: `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax` };
  const n = Number(s);
  if (!Number.isSafeInteger(n)) return { ok: false, error: `strconv.Atoi: parsing ${goQuote(s)}: value out of range` };
  return { ok: true, value: n };
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** time.ParseDuration, in milliseconds ("1h2m3.5s", "-1.5s", "0"). */
export function parseGoDuration(s: string): GoResult<number> {
  const bad = { ok: false as const, error: `time: invalid duration ${goQuote(s)}` };
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return { ok: true, value: 0 };
  if (rest === '') return bad;
  let total = 0;
  const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) return /^(\d+\.?\d*|\.\d+)$/.test(rest) ? { ok: false, error: `time: missing unit in duration ${goQuote(s)}` } : bad;
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return { ok: true, value: sign * total };
}

/** time.Duration.String() for whole-millisecond values ("0s", "1.5s", "2m0s", "1h0m0s", "500ms"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  let out: string;
  if (rest < 1000) out = `${rest}ms`;
  else {
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const secs = (rest / 1000).toFixed(3).replace(/\.?0+$/, '');
    out = h > 0 ? `${h}h${m}m${secs}s` : m > 0 ? `${m}m${secs}s` : `${secs}s`;
  }
  return neg ? `-${out}` : out;
}
