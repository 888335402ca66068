/** UDP (RFC 768) with the IPv4 pseudo-header checksum. */

import { type CodecErrorCode, type Result, CodecError, checkSpace, checkUint, fail, ok } from './errors.js';
import { placePayload, readU16, writeU16 } from './bytes.js';
import { type PseudoHeaderAddrs, checksumAdd, checksumFinish, pseudoHeaderSum } from './checksum.js';
import { IPPROTO_UDP } from './ipv4.js';

export const UDP_HEADER_LEN = 8;

export interface UdpHeaderInit {
  srcPort: number;
  dstPort: number;
}

export interface UdpDatagram extends UdpHeaderInit {
  length: number;
  /** 0 means the sender computed none. */
  checksum: number;
  /** View of buf[8, length). */
  payload: Uint8Array;
}

/**
 * Decodes a datagram; `buf` is the IP payload. With `addrs` a non-zero checksum is verified;
 * without, it is not (e.g. when a tunnel endpoint trusts the underlay).
 */
export function decodeUdp(buf: Uint8Array, addrs?: PseudoHeaderAddrs): Result<UdpDatagram> {
  const length = addrs === undefined ? checkUdp(buf, 0, buf.length, 0, 0, false) : checkUdp(buf, 0, buf.length, addrs.src, addrs.dst, true);
  if (length === UDP_TRUNCATED) {
    return buf.length < UDP_HEADER_LEN
      ? fail('ERR_TRUNCATED', `UDP datagram of ${buf.length} bytes is shorter than 8`)
      : fail('ERR_TRUNCATED', `UDP length ${readU16(buf, 4)} > ${buf.length} bytes received`);
  }
  if (length === UDP_BAD_LENGTH) return fail('ERR_BAD_LENGTH', `UDP length ${readU16(buf, 4)} < 8`);
  if (length === UDP_BAD_CHECKSUM) return fail('ERR_BAD_CHECKSUM', 'UDP checksum mismatch');
  return ok({ srcPort: readU16(buf, 0), dstPort: readU16(buf, 2), length, checksum: readU16(buf, 6), payload: buf.subarray(UDP_HEADER_LEN, length) });
}

/** checkUdp results below zero; anything else is the UDP length. */
export const UDP_TRUNCATED = -1;
export const UDP_BAD_LENGTH = -2;
export const UDP_BAD_CHECKSUM = -3;

/**
 * decodeUdp's rules without building anything, for the datagram at buf[off, end) (the IP payload):
 * its UDP length, or a negative UDP_* code (udpCheckCode names it). A non-zero checksum is verified
 * against the pseudo-header of `src` and `dst` when `verify` is set.
 */
export function checkUdp(buf: Uint8Array, off: number, end: number, src: number, dst: number, verify: boolean): number {
  if (end - off < UDP_HEADER_LEN) return UDP_TRUNCATED;
  const length = readU16(buf, off + 4);
  if (length < UDP_HEADER_LEN) return UDP_BAD_LENGTH;
  if (length > end - off) return UDP_TRUNCATED;
  if (verify && readU16(buf, off + 6) !== 0) {
    const sum = checksumAdd(buf, off, off + length, pseudoHeaderSum(src, dst, IPPROTO_UDP, length));
    if (checksumFinish(sum) !== 0) return UDP_BAD_CHECKSUM;
  }
  return length;
}

/** The CodecErrorCode of a negative checkUdp result. */
export function udpCheckCode(result: number): CodecErrorCode {
  return result === UDP_BAD_LENGTH ? 'ERR_BAD_LENGTH' : result === UDP_BAD_CHECKSUM ? 'ERR_BAD_CHECKSUM' : 'ERR_TRUNCATED';
}

/**
 * Unchecked: the 8-byte header at `off` for a datagram of `length` bytes whose payload is already in
 * place after it, with the checksum over the pseudo-header (0 becomes 0xffff) — or 0 ("none", as
 * Linux VXLAN sends) when `checksum` is false. For the stack's hot path; encodeUdpInto validates.
 */
export function writeUdpHeader(
  buf: Uint8Array, off: number, srcPort: number, dstPort: number, length: number, src: number, dst: number, checksum: boolean,
): void {
  writeU16(buf, off, srcPort);
  writeU16(buf, off + 2, dstPort);
  writeU16(buf, off + 4, length);
  writeU16(buf, off + 6, 0);
  if (checksum) writeU16(buf, off + 6, checksumFinish(checksumAdd(buf, off, off + length, pseudoHeaderSum(src, dst, IPPROTO_UDP, length))) || 0xffff);
}

/**
 * Writes header and payload at `off`; returns the datagram length. The checksum is computed when
 * `addrs` is given (0 becomes 0xffff, since 0 means "none") and left 0 when it is null, as Linux
 * VXLAN tunnels do by default.
 */
export function encodeUdpInto(
  buf: Uint8Array, off: number, header: UdpHeaderInit, payload: Uint8Array, addrs: PseudoHeaderAddrs | null,
): number {
  checkUint(header.srcPort, 16, 'srcPort');
  checkUint(header.dstPort, 16, 'dstPort');
  const length = UDP_HEADER_LEN + payload.length;
  if (length > 0xffff) throw new CodecError('ERR_BAD_LENGTH', `UDP datagram of ${length} bytes > 65535`);
  checkSpace(buf, off, length, 'UDP datagram');
  placePayload(buf, off + UDP_HEADER_LEN, payload);
  writeUdpHeader(buf, off, header.srcPort, header.dstPort, length, addrs?.src ?? 0, addrs?.dst ?? 0, addrs !== null);
  return length;
}

export function encodeUdp(header: UdpHeaderInit, payload: Uint8Array, addrs: PseudoHeaderAddrs | null): Uint8Array {
  const out = new Uint8Array(UDP_HEADER_LEN + payload.length);
  encodeUdpInto(out, 0, header, payload, addrs);
  return out;
}
