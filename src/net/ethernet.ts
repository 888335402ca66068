/** Ethernet II framing: destination MAC, source MAC, EtherType. No FCS (like a pcap of a NIC). */

import { type Result, CodecError, checkSpace, checkUint, fail, ok } from './errors.js';
import { placePayload, readU16, writeU16 } from './bytes.js';

export const ETHERNET_HEADER_LEN = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
/** Values below this are IEEE 802.3 length fields, not EtherTypes. */
const MIN_ETHERTYPE = 0x0600;

export interface EthernetHeader {
  dst: Uint8Array;
  src: Uint8Array;
  etherType: number;
}

export interface EthernetFrame extends EthernetHeader {
  /** View into the decoded buffer (not a copy); may include the sender's padding to 60 bytes. */
  payload: Uint8Array;
}

export function decodeEthernet(buf: Uint8Array): Result<EthernetFrame> {
  if (buf.length < ETHERNET_HEADER_LEN) {
    return fail('ERR_TRUNCATED', `ethernet frame of ${buf.length} bytes is shorter than 14`);
  }
  const etherType = readU16(buf, 12);
  if (etherType < MIN_ETHERTYPE) {
    return fail('ERR_BAD_FIELD', `802.3 length field 0x${etherType.toString(16)} where an EtherType was expected`);
  }
  return ok({
    dst: buf.subarray(0, 6),
    src: buf.subarray(6, 12),
    etherType,
    payload: buf.subarray(ETHERNET_HEADER_LEN),
  });
}

/** Writes the 14-byte header and the payload at `off`; returns the bytes written. */
export function encodeEthernetInto(buf: Uint8Array, off: number, header: EthernetHeader, payload: Uint8Array): number {
  checkUint(header.etherType, 16, 'etherType');
  if (header.dst.length !== 6 || header.src.length !== 6) {
    throw new CodecError('ERR_BAD_FIELD', 'ethernet MAC addresses must be 6 bytes');
  }
  const total = ETHERNET_HEADER_LEN + payload.length;
  checkSpace(buf, off, total, 'ethernet frame');
  placePayload(buf, off + ETHERNET_HEADER_LEN, payload);
  writeEthernetHeader(buf, off, header.dst, header.src, header.etherType);
  return total;
}

/**
 * Unchecked: the 14-byte header at `off` (6-byte MACs, a valid EtherType), for the stack's framing
 * of every packet; encodeEthernetInto validates first. Byte stores beat TypedArray.set for 6 bytes.
 */
export function writeEthernetHeader(buf: Uint8Array, off: number, dst: Uint8Array, src: Uint8Array, etherType: number): void {
  buf[off] = dst[0]!;
  buf[off + 1] = dst[1]!;
  buf[off + 2] = dst[2]!;
  buf[off + 3] = dst[3]!;
  buf[off + 4] = dst[4]!;
  buf[off + 5] = dst[5]!;
  buf[off + 6] = src[0]!;
  buf[off + 7] = src[1]!;
  buf[off + 8] = src[2]!;
  buf[off + 9] = src[3]!;
  buf[off + 10] = src[4]!;
  buf[off + 11] = src[5]!;
  writeU16(buf, off + 12, etherType);
}

export function encodeEthernet(header: EthernetHeader, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(ETHERNET_HEADER_LEN + payload.length);
  encodeEthernetInto(out, 0, header, payload);
  return out;
}
