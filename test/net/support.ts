/** Shared test helpers for the codec tests: seeded PRNG, hex, a naive reference checksum, mutators. */

/** mulberry32: tiny seeded PRNG so failures reproduce. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  uint(bits: number): number {
    return bits === 32 ? (this.int(0x10000) * 0x10000 + this.int(0x10000)) >>> 0 : this.int(2 ** bits);
  }
  bool(): boolean {
    return this.next() < 0.5;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Reference checksum written the slow, obvious way (sum of big-endian words, fold, complement),
 * independent of src/net/checksum.ts, to cross-check fixtures.
 */
export function naiveChecksum(...parts: Uint8Array[]): number {
  const all: number[] = [];
  for (const p of parts) all.push(...p);
  if (all.length % 2 === 1) all.push(0);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all[i]! * 256 + all[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return 0xffff - sum;
}

export function pseudoHeader(src: number, dst: number, protocol: number, length: number): Uint8Array {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(src, 0);
  b.writeUInt32BE(dst, 4);
  b[9] = protocol;
  b.writeUInt16BE(length, 10);
  return Uint8Array.from(b);
}

/** One random mutation of `seed`: bit flips, truncation, extension, byte overwrite or pure noise. */
export function mutate(rng: Rng, seed: Uint8Array): Uint8Array {
  const choice = rng.int(6);
  if (choice === 0) {
    const out = seed.slice();
    const flips = 1 + rng.int(4);
    for (let i = 0; i < flips && out.length > 0; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
    return out;
  }
  if (choice === 1) return seed.slice(0, rng.int(seed.length + 1));
  if (choice === 2) {
    const out = new Uint8Array(seed.length + 1 + rng.int(64));
    out.set(seed);
    out.set(rng.bytes(out.length - seed.length), seed.length);
    return out;
  }
  if (choice === 3) {
    const out = seed.slice();
    if (out.length > 0) out[rng.int(out.length)] = rng.pick([0, 1, 2, 0x45, 0x7f, 0x80, 0xff]);
    return out;
  }
  if (choice === 4) return rng.bytes(rng.int(80));
  // A view at an odd offset inside a larger buffer, to catch byteOffset assumptions.
  const host = new Uint8Array(seed.length + 3);
  host.set(seed, 3);
  return host.subarray(3);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
