/**
 * Byte sizes for scenario transfers: a bare integer is bytes; units are B, KB, MB, GB (powers of
 * 1000) and KiB, MiB, GiB (powers of 1024), case-insensitive, like iperf3's -n with its suffixes
 * spelt out so nobody has to guess which power a "K" means.
 */
import type { Parsed } from './duration.js';

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
const MAX_BYTES = 1024 ** 4;

export function parseByteSize(raw: unknown): Parsed<number> {
  if (typeof raw === 'number') {
    return Number.isInteger(raw) && raw > 0 && raw <= MAX_BYTES ? { ok: true, value: raw } : { ok: false, message: `invalid size ${raw}: expected a whole number of bytes between 1 and 1TiB` };
  }
  if (typeof raw !== 'string') return { ok: false, message: 'invalid size: expected a number of bytes or a string such as "4MiB"' };
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(raw.trim());
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined) return { ok: false, message: `invalid size ${JSON.stringify(raw)}: expected a number and an optional unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. 4MiB` };
  const bytes = Math.round(Number(m[1]) * unit);
  if (bytes < 1 || bytes > MAX_BYTES) return { ok: false, message: `invalid size ${JSON.stringify(raw)}: must be between 1 byte and 1TiB` };
  return { ok: true, value: bytes };
}
