/** UDP (RFC 768) with the IPv4 pseudo-header checksum. */

import { type Result, CodecError, checkSpace, checkUint, fail, ok } from './errors.js';
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
  if (buf.length < UDP_HEADER_LEN) return fail('ERR_TRUNCATED', `UDP datagram of ${buf.length} bytes is shorter than 8`);
  const length = readU16(buf, 4);
  if (length < UDP_HEADER_LEN) return fail('ERR_BAD_LENGTH', `UDP length ${length} < 8`);
  if (length > buf.length) return fail('ERR_TRUNCATED', `UDP length ${length} > ${buf.length} bytes received`);
  const checksum = readU16(buf, 6);
  if (addrs !== undefined && checksum !== 0) {
    const sum = checksumAdd(buf, 0, length, pseudoHeaderSum(addrs.src, addrs.dst, IPPROTO_UDP, length));
    if (checksumFinish(sum) !== 0) return fail('ERR_BAD_CHECKSUM', 'UDP checksum mismatch');
  }
  return ok({ srcPort: readU16(buf, 0), dstPort: readU16(buf, 2), length, checksum, payload: buf.subarray(UDP_HEADER_LEN, length) });
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
  writeU16(buf, off, header.srcPort);
  writeU16(buf, off + 2, header.dstPort);
  writeU16(buf, off + 4, length);
  writeU16(buf, off + 6, 0);
  placePayload(buf, off + UDP_HEADER_LEN, payload);
  if (addrs !== null) {
    const sum = checksumAdd(buf, off, off + length, pseudoHeaderSum(addrs.src, addrs.dst, IPPROTO_UDP, length));
    writeU16(buf, off + 6, checksumFinish(sum) || 0xffff);
  }
  return length;
}

export function encodeUdp(header: UdpHeaderInit, payload: Uint8Array, addrs: PseudoHeaderAddrs | null): Uint8Array {
  const out = new Uint8Array(UDP_HEADER_LEN + payload.length);
  encodeUdpInto(out, 0, header, payload, addrs);
  return out;
}
