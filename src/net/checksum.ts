/**
 * Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words.
 *
 * Incremental use: `let s = pseudoHeaderSum(...)`, then `s = checksumAdd(buf, a, b, s)`, then
 * `checksumFinish(s)`. Each partial range is summed as if it started on an even byte of the message,
 * so every range except the last must have even length (pseudo-headers and L4 headers do).
 *
 * Speed: every UDP/TCP datagram is summed once when built and once when delivered, so long ranges
 * are summed four bytes per load through a Uint32Array (about 3× the byte loop over 1400 bytes).
 * Two properties of the one's complement sum make that exact (RFC 1071 section 2):
 *  - it is a sum modulo 0xffff, so adding 32-bit words and folding equals adding their 16-bit halves;
 *  - it is byte-order independent: summing little-endian words gives the byte-swapped sum, so the
 *    native (little-endian) loads need one swap at the end, and a range that starts on an odd
 *    address is summed one byte later and swapped back (as Linux's csum_partial does).
 */

/** Below this many bytes the byte loop wins over creating a word view. */
const WORD_PATH_MIN = 64;
/** The word path reads native-endian words; it is written for little-endian hosts (all Node targets in practice). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Adds buf[start, end) to the running sum `acc` and returns the new sum folded to 16 bits. */
export function checksumAdd(buf: Uint8Array, start = 0, end = buf.length, acc = 0): number {
  if (end - start < WORD_PATH_MIN || !LITTLE_ENDIAN) return foldSum(acc + sumBytes(buf, start, end));
  if (((buf.byteOffset + start) & 1) === 0) return foldSum(acc + sumEven(buf, start, end));
  // Odd address: the first byte is the high half of word 0; the rest, summed from the next (even)
  // address, pairs every byte with the wrong neighbour, which is exactly a byte swap of its sum.
  return foldSum(acc + (buf[start]! << 8) + swap16(foldSum(sumEven(buf, start + 1, end))));
}

/** The plain loop: big-endian words, an odd trailing byte padded with zero. Unfolded. */
function sumBytes(buf: Uint8Array, start: number, end: number): number {
  let sum = 0;
  let i = start;
  const evenEnd = end - ((end - start) & 1);
  // Unrolled by 4 words; a double holds 2^53, so deferring the fold to the end cannot overflow.
  for (; i + 8 <= evenEnd; i += 8) {
    sum +=
      ((buf[i]! << 8) | buf[i + 1]!) +
      ((buf[i + 2]! << 8) | buf[i + 3]!) +
      ((buf[i + 4]! << 8) | buf[i + 5]!) +
      ((buf[i + 6]! << 8) | buf[i + 7]!);
  }
  for (; i < evenEnd; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8; // odd trailing byte is padded with a zero byte
  return sum;
}

/** Sum of buf[start, end) when buf.byteOffset + start is even (at least WORD_PATH_MIN - 1 bytes). Unfolded. */
function sumEven(buf: Uint8Array, start: number, end: number): number {
  let sum = 0;
  let i = start;
  if (((buf.byteOffset + i) & 2) !== 0) { // one word to reach a 4-byte boundary
    sum = (buf[i]! << 8) | buf[i + 1]!;
    i += 2;
  }
  const count = (end - i) >>> 2;
  // A view per call (~15 ns) rather than a cached one: nothing keeps a caller's buffer alive.
  const words = new Uint32Array(buf.buffer, buf.byteOffset + i, count);
  let le = 0; // < 2^46 for any IPv4 datagram: exact in a double
  let k = 0;
  for (; k + 4 <= count; k += 4) le += words[k]! + words[k + 1]! + words[k + 2]! + words[k + 3]!;
  for (; k < count; k++) le += words[k]!;
  sum += swap16(foldSum(le));
  i += count * 4;
  for (; i + 2 <= end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return sum;
}

function swap16(v: number): number {
  return ((v & 0xff) << 8) | (v >>> 8);
}

/** Folds carries until the sum fits 16 bits (end-around carry). */
export function foldSum(sum: number): number {
  if (sum <= 0xffffffff) { // the usual case: two integer folds (the second absorbs the first's carry)
    sum = (sum >>> 16) + (sum & 0xffff);
    return (sum >>> 16) + (sum & 0xffff);
  }
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/** Turns a running sum into the value written in a checksum field. */
export function checksumFinish(acc: number): number {
  return ~foldSum(acc) & 0xffff;
}

/** Checksum of one range. Over a range that contains a correct checksum field, the result is 0. */
export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length): number {
  return checksumFinish(checksumAdd(buf, start, end, 0));
}

/** Sum of the IPv4 pseudo-header (src, dst, zero, protocol, L4 length) used by UDP and TCP. */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return foldSum((src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length);
}

/**
 * RFC 1624 incremental update: the new checksum after a 16-bit word of the covered data changes
 * from `oldWord` to `newWord` (used for TTL decrement and NAT rewrites without re-summing).
 */
export function checksumUpdate16(checksum: number, oldWord: number, newWord: number): number {
  // HC' = ~(~HC + ~m + m')
  return ~foldSum((~checksum & 0xffff) + (~oldWord & 0xffff) + newWord) & 0xffff;
}

/** Same as checksumUpdate16 for a 32-bit field such as an IPv4 address. */
export function checksumUpdate32(checksum: number, oldValue: number, newValue: number): number {
  const c = checksumUpdate16(checksum, oldValue >>> 16, newValue >>> 16);
  return checksumUpdate16(c, oldValue & 0xffff, newValue & 0xffff);
}

/** True when the checksum over buf[start, end) (checksum field included) verifies. */
export function checksumValid(buf: Uint8Array, start = 0, end = buf.length, acc = 0): boolean {
  return checksumFinish(checksumAdd(buf, start, end, acc)) === 0;
}

/** Addresses for the pseudo-header; a decoded Ipv4Packet fits, so `decodeUdp(ip.payload, ip)` works. */
export interface PseudoHeaderAddrs {
  src: number;
  dst: number;
}
