/**
 * IPv4 header codec (RFC 791). Options are passed through as raw bytes; fragmentation and
 * reassembly live in ipv4-fragment.ts and ipv4-reassembly.ts.
 */

import { type Result, CodecError, checkSpace, checkUint, fail, ok } from './errors.js';
import { placePayload, readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { checksumAdd, checksumFinish, checksumUpdate16 } from './checksum.js';

export const IPV4_MIN_HEADER_LEN = 20;
export const IPV4_MAX_HEADER_LEN = 60;
export const IPV4_MAX_PACKET_LEN = 65535;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4; // IP-in-IP, calico's ipip mode
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const DEFAULT_TTL = 64; // Linux net.ipv4.ip_default_ttl

const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const OFFSET_MASK = 0x1fff;

/** What a caller supplies to encode; omitted fields take the usual defaults. */
export interface Ipv4HeaderInit {
  src: number;
  dst: number;
  protocol: number;
  ttl?: number;
  id?: number;
  dscp?: number;
  ecn?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** In bytes (a multiple of 8), not the 8-byte units of the wire field. */
  fragmentOffset?: number;
  /** Raw option bytes; padded with End-of-Options (0) to a multiple of 4 on encode. */
  options?: Uint8Array;
}

export interface Ipv4Header extends Required<Ipv4HeaderInit> {
  headerLength: number; // bytes: IHL * 4
  totalLength: number;
  checksum: number;
}

export interface Ipv4Packet extends Ipv4Header {
  /** View of buf[headerLength, totalLength): link-layer padding after totalLength is excluded. */
  payload: Uint8Array;
}

export interface Ipv4DecodeOptions {
  /** Default true. A host that trusts its own encoder may skip it on a hot path. */
  verifyChecksum?: boolean;
}

/** Decodes a whole datagram; `buf` may carry trailing link-layer padding. */
export function decodeIpv4(buf: Uint8Array, opts?: Ipv4DecodeOptions): Result<Ipv4Packet> {
  return decode(buf, opts?.verifyChecksum !== false, true);
}

/**
 * Decodes and validates the header only: totalLength may exceed `buf`, as in the truncated original
 * datagram quoted inside an ICMP error. `payload` is then whatever part of the payload is present.
 */
export function decodeIpv4Header(buf: Uint8Array, opts?: Ipv4DecodeOptions): Result<Ipv4Packet> {
  return decode(buf, opts?.verifyChecksum !== false, false);
}

function decode(buf: Uint8Array, verifyChecksum: boolean, requireWhole: boolean): Result<Ipv4Packet> {
  if (buf.length < IPV4_MIN_HEADER_LEN) return fail('ERR_TRUNCATED', `IPv4 header of ${buf.length} bytes is shorter than 20`);
  const b0 = buf[0]!;
  if (b0 >>> 4 !== 4) return fail('ERR_BAD_VERSION', `IP version ${b0 >>> 4}, expected 4`);
  const headerLength = (b0 & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LEN) return fail('ERR_BAD_LENGTH', `IHL ${headerLength / 4} is below 5`);
  if (buf.length < headerLength) return fail('ERR_TRUNCATED', `IPv4 header needs ${headerLength} bytes, have ${buf.length}`);
  const totalLength = readU16(buf, 2);
  if (totalLength < headerLength) return fail('ERR_BAD_LENGTH', `total length ${totalLength} < header length ${headerLength}`);
  if (requireWhole && totalLength > buf.length) {
    return fail('ERR_TRUNCATED', `IPv4 total length ${totalLength} > ${buf.length} bytes received`);
  }
  if (verifyChecksum && checksumFinish(checksumAdd(buf, 0, headerLength)) !== 0) {
    return fail('ERR_BAD_CHECKSUM', 'IPv4 header checksum mismatch');
  }
  const flagsAndOffset = readU16(buf, 6);
  const fragmentOffset = (flagsAndOffset & OFFSET_MASK) * 8;
  if (fragmentOffset + totalLength > IPV4_MAX_PACKET_LEN) {
    // "Ping of death": a fragment whose datagram (its header included) would exceed 65535 bytes.
    return fail('ERR_BAD_LENGTH', `fragment at ${fragmentOffset} ends beyond 65535 bytes`);
  }
  return ok({
    headerLength,
    dscp: buf[1]! >>> 2,
    ecn: buf[1]! & 3,
    totalLength,
    id: readU16(buf, 4),
    dontFragment: (flagsAndOffset & FLAG_DF) !== 0,
    moreFragments: (flagsAndOffset & FLAG_MF) !== 0,
    fragmentOffset,
    ttl: buf[8]!,
    protocol: buf[9]!,
    checksum: readU16(buf, 10),
    src: readU32(buf, 12),
    dst: readU32(buf, 16),
    options: buf.subarray(IPV4_MIN_HEADER_LEN, headerLength),
    payload: buf.subarray(headerLength, Math.min(totalLength, buf.length)),
  });
}

export function ipv4HeaderLength(options?: Uint8Array): number {
  return IPV4_MIN_HEADER_LEN + (options === undefined ? 0 : (options.length + 3) & ~3);
}

/** Writes header (checksum computed) and payload at `off`; returns the datagram length. */
export function encodeIpv4Into(buf: Uint8Array, off: number, header: Ipv4HeaderInit, payload: Uint8Array): number {
  const headerLength = ipv4HeaderLength(header.options);
  const totalLength = headerLength + payload.length;
  validateHeaderInit(header, headerLength, totalLength);
  checkSpace(buf, off, totalLength, 'IPv4 datagram');
  const fragmentOffset = header.fragmentOffset ?? 0;
  buf[off] = 0x40 | (headerLength >>> 2);
  buf[off + 1] = ((header.dscp ?? 0) << 2) | (header.ecn ?? 0);
  writeU16(buf, off + 2, totalLength);
  writeU16(buf, off + 4, header.id ?? 0);
  writeU16(buf, off + 6, (header.dontFragment ? FLAG_DF : 0) | (header.moreFragments ? FLAG_MF : 0) | (fragmentOffset >>> 3));
  buf[off + 8] = header.ttl ?? DEFAULT_TTL;
  buf[off + 9] = header.protocol;
  writeU16(buf, off + 10, 0);
  writeU32(buf, off + 12, header.src);
  writeU32(buf, off + 16, header.dst);
  if (header.options !== undefined && header.options.length > 0) {
    buf.set(header.options, off + IPV4_MIN_HEADER_LEN);
    buf.fill(0, off + IPV4_MIN_HEADER_LEN + header.options.length, off + headerLength);
  }
  writeU16(buf, off + 10, checksumFinish(checksumAdd(buf, off, off + headerLength)));
  placePayload(buf, off + headerLength, payload);
  return totalLength;
}

export function encodeIpv4(header: Ipv4HeaderInit, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(ipv4HeaderLength(header.options) + payload.length);
  encodeIpv4Into(out, 0, header, payload);
  return out;
}

function validateHeaderInit(h: Ipv4HeaderInit, headerLength: number, totalLength: number): void {
  if (headerLength > IPV4_MAX_HEADER_LEN) throw new CodecError('ERR_BAD_OPTION', `IPv4 options exceed 40 bytes`);
  if (totalLength > IPV4_MAX_PACKET_LEN) throw new CodecError('ERR_BAD_LENGTH', `IPv4 datagram of ${totalLength} bytes > 65535`);
  checkUint(h.src, 32, 'src');
  checkUint(h.dst, 32, 'dst');
  checkUint(h.protocol, 8, 'protocol');
  if (h.ttl !== undefined) checkUint(h.ttl, 8, 'ttl');
  if (h.id !== undefined) checkUint(h.id, 16, 'id');
  if (h.dscp !== undefined) checkUint(h.dscp, 6, 'dscp');
  if (h.ecn !== undefined) checkUint(h.ecn, 2, 'ecn');
  const fo = h.fragmentOffset ?? 0;
  if (fo % 8 !== 0 || fo < 0 || fo / 8 > OFFSET_MASK) {
    throw new CodecError('ERR_BAD_FIELD', `fragmentOffset ${fo} is not a multiple of 8 below 65536`);
  }
}

/**
 * Forwarding step: decrements the TTL of the datagram at `off` and patches the header checksum
 * incrementally (RFC 1624) instead of re-summing. Returns the new TTL; a TTL of 0 is left alone.
 */
export function decrementTtlInPlace(buf: Uint8Array, off = 0): number {
  const ttl = buf[off + 8]!;
  if (ttl === 0) return 0;
  const oldWord = (ttl << 8) | buf[off + 9]!;
  buf[off + 8] = ttl - 1;
  writeU16(buf, off + 10, checksumUpdate16(readU16(buf, off + 10), oldWord, oldWord - 0x100));
  return ttl - 1;
}

export function isFragment(h: Pick<Ipv4Header, 'moreFragments' | 'fragmentOffset'>): boolean {
  return h.moreFragments || h.fragmentOffset !== 0;
}
