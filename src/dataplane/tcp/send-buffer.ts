/**
 * The send queue: bytes the application wrote, from SND.UNA on (sent-unacknowledged, then unsent).
 * Writes are copied in once, into blocks that grow from 4 KiB to 64 KiB, so small writes coalesce
 * into MSS-sized segments and a later change to the caller's buffer cannot alter what is
 * retransmitted; segments copy their payload straight from the blocks into the outgoing packet.
 * Acknowledged bytes are dropped from the front.
 */

const FIRST_BLOCK = 4096;
const MAX_BLOCK = 65536;

export class SendBuffer {
  /** Bytes held: SND.UNA up to the end of what the application wrote. */
  length = 0;
  private blocks: Uint8Array[] = [];
  /** Offset of the first held byte in blocks[0]. */
  private head = 0;
  /** Bytes used in the last block (every other block is full). */
  private tailFill = 0;
  private nextBlockSize = FIRST_BLOCK;

  /** Copies data[start, end) to the end of the queue. */
  append(data: Uint8Array, start = 0, end = data.length): void {
    let from = start;
    while (from < end) {
      let tail = this.blocks[this.blocks.length - 1];
      if (tail === undefined || this.tailFill === tail.length) {
        const size = Math.max(this.nextBlockSize, Math.min(end - from, MAX_BLOCK));
        this.nextBlockSize = Math.min(MAX_BLOCK, size * 2);
        tail = new Uint8Array(size);
        this.blocks.push(tail);
        this.tailFill = 0;
      }
      const n = Math.min(end - from, tail.length - this.tailFill);
      tail.set(n === data.length ? data : data.subarray(from, from + n), this.tailFill);
      this.tailFill += n;
      from += n;
    }
    this.length += end - start;
  }

  /** Copies `len` held bytes starting `offset` bytes after SND.UNA into dst[dstOff..]. */
  copyOut(offset: number, len: number, dst: Uint8Array, dstOff: number): void {
    if (offset < 0 || len < 0 || offset + len > this.length) throw new RangeError(`send buffer holds ${this.length} bytes, asked ${offset}+${len}`);
    let i = 0;
    let pos = this.head + offset;
    while (pos >= this.blocks[i]!.length) pos -= this.blocks[i++]!.length;
    let out = dstOff;
    let left = len;
    while (left > 0) {
      const block = this.blocks[i++]!;
      const n = Math.min(left, block.length - pos);
      dst.set(pos === 0 && n === block.length ? block : block.subarray(pos, pos + n), out);
      out += n;
      left -= n;
      pos = 0;
    }
  }

  /** The bytes [offset, offset + len) as a new array (tests, diagnostics). */
  read(offset: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.copyOut(offset, len, out, 0);
    return out;
  }

  /** Drops `n` acknowledged bytes from the front. */
  consume(n: number): void {
    if (n <= 0) return;
    if (n > this.length) throw new RangeError(`cannot consume ${n} of ${this.length} bytes`);
    this.length -= n;
    if (this.length === 0) { // keep the newest block for the next writes
      const last = this.blocks[this.blocks.length - 1]!;
      this.blocks = [last];
      this.head = this.tailFill;
      if (this.head === last.length) {
        this.blocks = [];
        this.head = 0;
        this.tailFill = 0;
      }
      return;
    }
    let pos = this.head + n;
    let drop = 0;
    while (drop < this.blocks.length - 1 && pos >= this.blocks[drop]!.length) pos -= this.blocks[drop++]!.length;
    if (drop > 0) this.blocks.splice(0, drop);
    this.head = pos;
  }
}
