/**
 * Frame allocation from shared slabs (the idea of Node's Buffer pool): a bump pointer over a 256 KiB
 * ArrayBuffer instead of one zero-filled backing store per frame, which dominated the cost of
 * framing a packet. Slabs are never reused; one is freed by the GC once no frame views it.
 */

const SLAB_SIZE = 256 * 1024;
const MAX_POOLED = 4096;
let slab = new ArrayBuffer(SLAB_SIZE);
let offset = 0;

/** A fresh view of `length` bytes; callers overwrite every byte, so contents are unspecified. */
export function allocFrame(length: number): Uint8Array {
  if (length > MAX_POOLED) return new Uint8Array(length);
  if (offset + length > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    offset = 0;
  }
  const view = new Uint8Array(slab, offset, length);
  offset = (offset + length + 7) & ~7; // keep views 8-byte aligned
  return view;
}
