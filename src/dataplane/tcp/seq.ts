/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4): values are unsigned 32-bit integers and
 * comparisons use the signed distance, so they stay right across the wrap.
 */

/** a − b as a signed 32-bit distance. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
