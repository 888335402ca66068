/**
 * Packet buffers with headroom, like an skb's: the stack builds a datagram HEADROOM bytes into a
 * fixed-size slot, so every layer below — Ethernet framing, VXLAN + UDP + IPv4 encapsulation, the
 * outer Ethernet header — writes its header into the bytes in front of the packet instead of
 * allocating a bigger buffer and copying the packet into it.
 *
 * Slots are SLOT_SIZE bytes carved from 256 KiB slabs by a bump pointer (the idea of Node's Buffer
 * pool: no zero-filled backing store per packet, which used to dominate framing). Because slots are
 * aligned, the start of a view's slot — and so its headroom — follows from its byteOffset alone; no
 * view carries metadata. Slabs are never reused; one is freed by the GC once no view into it lives.
 *
 * Ownership: a slot is handed out once and belongs to whoever holds the packet (the frame-ownership
 * rule of the stack: a sender gives a frame away, its receiver owns it and may rewrite it). The owner
 * of any view into a slot owns the whole slot, so it may write into the headroom in front of the view.
 * Copies (taps, bridge floods, in-memory broadcast) are plain arrays with no headroom.
 */

export const SLOT_SIZE = 2048;
/** Room in front of a new packet: inner Ethernet 14 + VXLAN 8 + UDP 8 + IPv4 20 + outer Ethernet 14 = 64, twice. */
export const HEADROOM = 128;
const SLAB_SIZE = 256 * 1024;
/** Our slabs (value: SLOT_SIZE). A WeakMap probe costs ~20 ns and keeps nothing alive. */
const slabs = new WeakMap<ArrayBufferLike, number>();
let slab = newSlab();
let nextSlot = 0;

function newSlab(): ArrayBuffer {
  const ab = new ArrayBuffer(SLAB_SIZE);
  slabs.set(ab, SLOT_SIZE);
  return ab;
}

/**
 * A fresh view of `length` bytes with HEADROOM bytes of headroom (a plain array without headroom
 * when it does not fit a slot). Contents are unspecified: callers write every byte.
 */
export function allocPacket(length: number): Uint8Array {
  if (length > SLOT_SIZE - HEADROOM) return new Uint8Array(length);
  if (nextSlot + SLOT_SIZE > SLAB_SIZE) {
    slab = newSlab();
    nextSlot = 0;
  }
  const view = new Uint8Array(slab, nextSlot + HEADROOM, length);
  nextSlot += SLOT_SIZE;
  return view;
}

/** Bytes in front of `view` that its owner may overwrite: 0 unless the view lives in one of our slots. */
export function headroomOf(view: Uint8Array): number {
  const buffer = view.buffer;
  if (buffer === slab) return view.byteOffset & (SLOT_SIZE - 1); // most packets live in the newest slab
  const slot = slabs.get(buffer);
  return slot === undefined ? 0 : view.byteOffset & (slot - 1);
}

/**
 * view[start, end) as a plain Uint8Array: what subarray gives, at about half the cost (no species
 * constructor lookup), and never a Node Buffer, so the stack's frames stay one type.
 */
export function sliceView(view: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset + start, end - start);
}

/** `view` grown `bytes` to the front (skb_push); the caller has checked the headroom. */
export function pushHeader(view: Uint8Array, bytes: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset - bytes, view.length + bytes);
}

/**
 * `bytes` of header space in front of `data`: in place when `headroom` allows, else a new packet
 * with `data` copied behind the space. The caller writes the header at [0, bytes).
 */
export function prependSpace(data: Uint8Array, bytes: number, headroom: number): Uint8Array {
  if (headroom >= bytes) return pushHeader(data, bytes);
  const out = allocPacket(bytes + data.length);
  out.set(data, bytes);
  return out;
}
