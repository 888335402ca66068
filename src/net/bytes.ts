/**
 * Big-endian (network order) integer access on Uint8Array. Manual shifts are faster than a DataView
 * created per packet, and work on any Uint8Array view (Buffer included) without knowing its byteOffset.
 * Callers check bounds first: out-of-range reads yield 0 rather than throwing.
 */

export function readU16(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

export function writeU16(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value >>> 8;
  buf[off + 1] = value;
}

export function writeU32(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value >>> 24;
  buf[off + 1] = value >>> 16;
  buf[off + 2] = value >>> 8;
  buf[off + 3] = value;
}

/**
 * Copies `payload` to `buf[off..]` unless it already lives there (a caller that built the payload in
 * place must not pay for a copy, and TypedArray.set would clone an overlapping source first).
 */
export function placePayload(buf: Uint8Array, off: number, payload: Uint8Array): void {
  if (payload.length === 0) return;
  if (payload.buffer === buf.buffer && payload.byteOffset === buf.byteOffset + off) return;
  buf.set(payload, off);
}
