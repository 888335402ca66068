/**
 * IPv4 reassembly (RFC 791, with RFC 815-style bookkeeping) hardened the way Linux is after
 * FragmentSmack: partial overlaps drop the whole datagram (RFC 5722's rule, which Linux applies to
 * IPv4 too), exact or contained duplicates are ignored, and memory and queue counts are capped.
 * No timers: pending datagrams expire `timeoutMs` after their first fragment, checked on every push
 * and on `expire(nowMs)`.
 */

import { type Result, fail, ok } from './errors.js';
import { readU16, writeU16 } from './bytes.js';
import { checksumAdd, checksumFinish } from './checksum.js';
import { IPV4_MAX_PACKET_LEN, type Ipv4Packet, decodeIpv4, encodeIpv4Into, isFragment } from './ipv4.js';

const EMPTY = new Uint8Array(0);

export interface ReassemblerOptions {
  now: () => number;
  /** Linux net.ipv4.ipfrag_time is 30 s. */
  timeoutMs?: number;
  maxReassemblies?: number;
  /** Charged per fragment: payload bytes plus FRAGMENT_OVERHEAD. Linux ipfrag_high_thresh is 4 MiB. */
  maxBytes?: number;
  /** A 65535-byte datagram at MTU 68 has 1366 fragments; more than this for one datagram is a flood. */
  maxFragmentsPerDatagram?: number;
  /** Called for each expired datagram, e.g. to send ICMP time exceeded code 1 when the first fragment arrived. */
  onExpire?: (expired: ExpiredReassembly) => void;
}

export interface ExpiredReassembly {
  src: number;
  dst: number;
  id: number;
  protocol: number;
  /** Header plus first 8 data bytes of the offset-0 fragment (what ICMP quotes), or null if it never came. */
  firstFragment: Uint8Array | null;
}

export interface ReassemblyStats {
  reassembled: number; // datagrams completed
  timeouts: number; // datagrams expired
  duplicates: number; // fragments ignored because their bytes were already held
  overlaps: number; // datagrams dropped for partially overlapping fragments
  overLimit: number; // fragments refused by the caps (plus datagrams dropped for too many fragments)
  malformed: number; // fragments failing decode or inconsistent with their datagram
}

/** Accounting overhead per stored fragment so floods of tiny fragments still exhaust the byte budget. */
export const FRAGMENT_OVERHEAD = 64;

interface Piece {
  start: number;
  end: number;
  data: Uint8Array;
}

interface Pending {
  key: string;
  src: number;
  dst: number;
  id: number;
  protocol: number;
  deadline: number;
  pieces: Piece[]; // sorted by start, never overlapping
  received: number;
  end: number; // payload length once the last fragment (MF=0) arrived, else -1
  firstHeader: Uint8Array | null; // copy of the offset-0 fragment's header (options included)
  charged: number;
}

export class Reassembler {
  readonly stats: ReassemblyStats = { reassembled: 0, timeouts: 0, duplicates: 0, overlaps: 0, overLimit: 0, malformed: 0 };
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly maxReassemblies: number;
  private readonly maxBytes: number;
  private readonly maxFragments: number;
  private readonly onExpire: ((expired: ExpiredReassembly) => void) | undefined;
  // Map iteration order is insertion order, which is deadline order because the timeout is constant.
  private readonly pending = new Map<string, Pending>();
  private charged = 0;

  constructor(opts: ReassemblerOptions) {
    this.now = opts.now;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxReassemblies = opts.maxReassemblies ?? 256;
    this.maxBytes = opts.maxBytes ?? 4 * 1024 * 1024;
    this.maxFragments = opts.maxFragmentsPerDatagram ?? 2048;
    this.onExpire = opts.onExpire;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get bufferedBytes(): number {
    return this.charged;
  }

  /**
   * Feeds one received datagram. ok(datagram) when it is whole (unfragmented input is returned as a
   * view), ok(null) while fragments are missing, an error when this fragment (or its datagram) was dropped.
   */
  push(packet: Uint8Array): Result<Uint8Array | null> {
    const decoded = decodeIpv4(packet);
    if (!decoded.ok) {
      this.expire();
      this.stats.malformed++;
      return decoded;
    }
    if (!isFragment(decoded.value)) {
      this.expire();
      return ok(packet.subarray(0, decoded.value.totalLength));
    }
    return this.pushFragment(decoded.value);
  }

  /** For a fragment the caller already decoded (and checksum-verified): saves decoding it twice. */
  pushFragment(p: Ipv4Packet): Result<Uint8Array | null> {
    const now = this.now();
    this.expire(now);
    if (!isFragment(p)) return fail('ERR_BAD_FIELD', 'pushFragment called with an unfragmented datagram');
    const start = p.fragmentOffset;
    const end = start + p.payload.length;
    if (p.moreFragments && (p.payload.length === 0 || (p.payload.length & 7) !== 0)) {
      this.stats.malformed++;
      return fail('ERR_BAD_LENGTH', `non-last fragment with ${p.payload.length} data bytes (must be a positive multiple of 8)`);
    }
    const key = `${p.src},${p.dst},${p.id},${p.protocol}`;
    const cost = p.payload.length + FRAGMENT_OVERHEAD;
    let q = this.pending.get(key);
    if (q === undefined) {
      if (this.pending.size >= this.maxReassemblies || this.charged + cost > this.maxBytes) {
        this.stats.overLimit++;
        return fail('ERR_FRAG_LIMIT', `reassembly limits reached (${this.pending.size} datagrams, ${this.charged} bytes)`);
      }
      q = { key, src: p.src, dst: p.dst, id: p.id, protocol: p.protocol, deadline: now + this.timeoutMs, pieces: [], received: 0, end: -1, firstHeader: null, charged: 0 };
      this.pending.set(key, q);
    } else if (this.charged + cost > this.maxBytes) {
      this.stats.overLimit++;
      return fail('ERR_FRAG_LIMIT', `reassembly byte limit ${this.maxBytes} reached`);
    }
    return this.place(q, p, start, end, cost);
  }

  private place(q: Pending, p: Ipv4Packet, start: number, end: number, cost: number): Result<Uint8Array | null> {
    const pieces = q.pieces;
    if (contradictsEnd(q, p.moreFragments, end)) {
      this.drop(q);
      this.stats.malformed++;
      return fail('ERR_BAD_LENGTH', `fragment [${start},${end}) contradicts the datagram's end`);
    }
    if (!p.moreFragments) q.end = end;
    const i = firstPieceEndingAfter(pieces, start);
    if (i < pieces.length && pieces[i]!.start < end) {
      const existing = pieces[i]!;
      if (existing.start <= start && end <= existing.end) {
        this.stats.duplicates++;
        return fail('ERR_FRAG_DUPLICATE', `fragment [${start},${end}) already held`);
      }
      this.drop(q);
      this.stats.overlaps++;
      return fail('ERR_FRAG_OVERLAP', `fragment [${start},${end}) overlaps [${existing.start},${existing.end})`);
    }
    if (pieces.length >= this.maxFragments) {
      this.drop(q);
      this.stats.overLimit++;
      return fail('ERR_FRAG_LIMIT', `datagram exceeds ${this.maxFragments} fragments`);
    }
    if (end > start) {
      // Copy: the caller's receive buffer may be reused long before the datagram completes.
      pieces.splice(i, 0, { start, end, data: p.payload.slice() });
      q.received += end - start;
      q.charged += cost;
      this.charged += cost;
    }
    if (start === 0 && q.firstHeader === null) {
      q.firstHeader = copyHeader(p);
      q.charged += q.firstHeader.length;
      this.charged += q.firstHeader.length;
    }
    if (q.end < 0 || q.received !== q.end || q.firstHeader === null) return ok(null);
    this.drop(q);
    if (q.firstHeader.length + q.end > IPV4_MAX_PACKET_LEN) {
      // Later fragments had shorter headers than the first: the whole would not fit 16 bits.
      this.stats.malformed++;
      return fail('ERR_BAD_LENGTH', `reassembled datagram of ${q.firstHeader.length + q.end} bytes > 65535`);
    }
    this.stats.reassembled++;
    return ok(assemble(q.firstHeader, pieces, q.end));
  }

  /** Drops every datagram whose deadline has passed; returns how many. */
  expire(nowMs: number = this.now()): number {
    let expired = 0;
    for (const q of this.pending.values()) {
      if (q.deadline > nowMs) break;
      this.drop(q);
      this.stats.timeouts++;
      expired++;
      this.onExpire?.({ src: q.src, dst: q.dst, id: q.id, protocol: q.protocol, firstFragment: quoteFirst(q) });
    }
    return expired;
  }

  clear(): void {
    this.pending.clear();
    this.charged = 0;
  }

  private drop(q: Pending): void {
    this.pending.delete(q.key);
    this.charged -= q.charged;
  }
}

/** A last fragment must agree with any earlier last fragment and with data already held; others must end before it. */
function contradictsEnd(q: Pending, moreFragments: boolean, end: number): boolean {
  if (moreFragments) return q.end >= 0 && end > q.end;
  const highest = q.pieces.length === 0 ? 0 : q.pieces[q.pieces.length - 1]!.end;
  return (q.end >= 0 && q.end !== end) || highest > end;
}

function firstPieceEndingAfter(pieces: Piece[], offset: number): number {
  let lo = 0;
  let hi = pieces.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pieces[mid]!.end > offset) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The offset-0 fragment's header, re-encoded (options included) so no view of the caller's buffer is kept. */
function copyHeader(p: Ipv4Packet): Uint8Array {
  const header = new Uint8Array(p.headerLength);
  encodeIpv4Into(header, 0, p, EMPTY);
  return header;
}

function assemble(firstHeader: Uint8Array, pieces: Piece[], payloadLength: number): Uint8Array {
  const headerLength = firstHeader.length;
  const out = new Uint8Array(headerLength + payloadLength);
  out.set(firstHeader);
  for (const piece of pieces) out.set(piece.data, headerLength + piece.start);
  writeU16(out, 2, headerLength + payloadLength);
  writeU16(out, 6, readU16(out, 6) & 0x4000); // keep DF, clear MF and the offset
  writeU16(out, 10, 0);
  writeU16(out, 10, checksumFinish(checksumAdd(out, 0, headerLength)));
  return out;
}

function quoteFirst(q: Pending): Uint8Array | null {
  const first = q.pieces[0];
  if (q.firstHeader === null || first === undefined || first.start !== 0) return null;
  const data = first.data.subarray(0, 8);
  const out = new Uint8Array(q.firstHeader.length + data.length);
  out.set(q.firstHeader);
  out.set(data, q.firstHeader.length);
  return out;
}
