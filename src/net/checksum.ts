/**
 * Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words.
 *
 * Incremental use: `let s = pseudoHeaderSum(...)`, then `s = checksumAdd(buf, a, b, s)`, then
 * `checksumFinish(s)`. Each partial range is summed as if it started on an even byte of the message,
 * so every range except the last must have even length (pseudo-headers and L4 headers do).
 */

/** Adds buf[start, end) to the running sum `acc` and returns the new sum folded to 16 bits. */
export function checksumAdd(buf: Uint8Array, start = 0, end = buf.length, acc = 0): number {
  let sum = acc;
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
  return foldSum(sum);
}

/** Folds carries until the sum fits 16 bits (end-around carry). */
export function foldSum(sum: number): number {
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
