/**
 * The receive side's two queues. InOrderQueue holds in-sequence bytes the application has not
 * taken yet (views into received packets: the receiver owns its frames, so no copy is made).
 * OutOfOrderQueue holds segments beyond RCV.NXT until the hole before them fills, trimmed so they
 * never overlap (duplicates and overlapping retransmissions are cut, not stored twice).
 */
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './seq.js';

export class InOrderQueue {
  /** Bytes held. */
  length = 0;
  private chunks: Array<Uint8Array | undefined> = [];
  private head = 0;

  push(data: Uint8Array): void {
    this.chunks.push(data);
    this.length += data.length;
  }

  /** The oldest chunk, at most `max` bytes of it (the rest stays queued). */
  take(max = Infinity): Uint8Array | undefined {
    if (this.head === this.chunks.length) return undefined;
    let chunk = this.chunks[this.head]!;
    if (chunk.length > max) {
      this.chunks[this.head] = chunk.subarray(max);
      chunk = chunk.subarray(0, max);
    } else {
      this.chunks[this.head++] = undefined;
      if (this.head === this.chunks.length) {
        this.chunks.length = 0;
        this.head = 0;
      } else if (this.head >= 1024) {
        this.chunks.splice(0, this.head);
        this.head = 0;
      }
    }
    this.length -= chunk.length;
    return chunk;
  }
}

export interface OooSegment {
  seq: number;
  data: Uint8Array;
  /** A FIN follows the data. */
  fin: boolean;
}

export class OutOfOrderQueue {
  /** Sorted by seq, non-overlapping. */
  readonly segments: OooSegment[] = [];
  /** Data bytes held. */
  bytes = 0;

  get size(): number {
    return this.segments.length;
  }

  /** Adds [seq, seq + data.length) (+ FIN), keeping only the bytes no queued segment holds yet. */
  insert(seq: number, data: Uint8Array, fin: boolean): void {
    const list = this.segments;
    const last = list[list.length - 1];
    if (data.length > 0 && (last === undefined || seqLe(segmentEnd(last), seq))) { // the usual case: past the end
      list.push({ seq, data, fin });
      this.bytes += data.length;
      return;
    }
    let start = seq;
    let bytes = data;
    let i = 0;
    while (i < list.length && seqLe(segmentEnd(list[i]!), start)) i++;
    while (bytes.length > 0) {
      const next = list[i];
      const end = seqAdd(start, bytes.length);
      if (next === undefined || seqGe(next.seq, end)) {
        list.splice(i, 0, { seq: start, data: bytes, fin: false });
        this.bytes += bytes.length;
        break;
      }
      // `next` overlaps our range: keep our part before it, skip the part it already holds.
      const before = seqDiff(next.seq, start);
      if (before > 0) {
        list.splice(i++, 0, { seq: start, data: bytes.subarray(0, before), fin: false });
        this.bytes += before;
      }
      const skip = seqDiff(segmentEnd(next), start);
      if (skip >= bytes.length) break;
      bytes = bytes.subarray(skip);
      start = segmentEnd(next);
      i++;
    }
    if (fin) this.markFin(seqAdd(seq, data.length));
  }

  /**
   * Removes the segments that start at or before `rcvNxt` while they are contiguous, handing their
   * new bytes to `deliver` in order. Returns the new RCV.NXT and whether a FIN was reached (which
   * takes one sequence number).
   */
  pullFrom(rcvNxt: number, deliver: (data: Uint8Array) => void): { next: number; fin: boolean } {
    const list = this.segments;
    let next = rcvNxt;
    let fin = false;
    let n = 0;
    while (n < list.length && seqLe(list[n]!.seq, next)) {
      const s = list[n++]!;
      this.bytes -= s.data.length;
      const end = segmentEnd(s);
      if (seqGt(end, next)) {
        const skip = seqDiff(next, s.seq);
        deliver(skip > 0 ? s.data.subarray(skip) : s.data);
        next = end;
      }
      if (s.fin && end === next) {
        fin = true;
        break;
      }
    }
    if (n > 0) list.splice(0, n);
    return { next, fin };
  }

  clear(): void {
    this.segments.length = 0;
    this.bytes = 0;
  }

  private markFin(finSeq: number): void {
    const list = this.segments;
    let i = 0;
    while (i < list.length && seqLt(list[i]!.seq, finSeq)) {
      if (segmentEnd(list[i]!) === finSeq) {
        list[i]!.fin = true;
        return;
      }
      i++;
    }
    list.splice(i, 0, { seq: finSeq, data: EMPTY, fin: true });
  }
}

const EMPTY = new Uint8Array(0);

function segmentEnd(s: OooSegment): number {
  return seqAdd(s.seq, s.data.length);
}
