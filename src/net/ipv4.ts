/**
 * IPv4 header codec (RFC 791). Options are passed through as raw bytes; fragmentation and
 * reassembly live in ipv4-fragment.ts and ipv4-reassembly.ts.
 */

import { type CodecErrorCode, type Result, CodecError, checkSpace, checkUint, fail, ok } from './errors.js';
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
/** The Don't Fragment bit of the flags/offset word (bytes 6-7). */
export const IPV4_FLAG_DF = FLAG_DF;
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

/** checkIpv4 results below zero; anything else is the datagram's total length. */
export const IPV4_TRUNCATED = -1;
export const IPV4_BAD_VERSION = -2;
export const IPV4_BAD_LENGTH = -3;
export const IPV4_BAD_CHECKSUM = -4;

/**
 * The acceptance rules of decodeIpv4 without building anything: the total length when the header
 * is valid, else one of the negative IPV4_* codes (ipv4CheckCode names it). The stack validates
 * every received datagram with this once and reads the fields it needs straight from the bytes.
 */
export function checkIpv4(buf: Uint8Array, verifyChecksum = true, requireWhole = true): number {
  if (buf.length < IPV4_MIN_HEADER_LEN) return IPV4_TRUNCATED;
  const b0 = buf[0]!;
  if (b0 >>> 4 !== 4) return IPV4_BAD_VERSION;
  const headerLength = (b0 & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LEN) return IPV4_BAD_LENGTH;
  if (buf.length < headerLength) return IPV4_TRUNCATED;
  const totalLength = readU16(buf, 2);
  if (totalLength < headerLength) return IPV4_BAD_LENGTH;
  if (requireWhole && totalLength > buf.length) return IPV4_TRUNCATED;
  if (verifyChecksum && checksumFinish(headerLength === IPV4_MIN_HEADER_LEN ? sum20(buf) : checksumAdd(buf, 0, headerLength)) !== 0) {
    return IPV4_BAD_CHECKSUM;
  }
  // "Ping of death": a fragment whose datagram (its header included) would exceed 65535 bytes.
  if ((readU16(buf, 6) & OFFSET_MASK) * 8 + totalLength > IPV4_MAX_PACKET_LEN) return IPV4_BAD_LENGTH;
  return totalLength;
}

/** The ten words of an option-less header, straight-line (every received datagram is verified). */
function sum20(b: Uint8Array): number {
  return ((b[0]! << 8) | b[1]!) + ((b[2]! << 8) | b[3]!) + ((b[4]! << 8) | b[5]!) + ((b[6]! << 8) | b[7]!) +
    ((b[8]! << 8) | b[9]!) + ((b[10]! << 8) | b[11]!) + ((b[12]! << 8) | b[13]!) + ((b[14]! << 8) | b[15]!) +
    ((b[16]! << 8) | b[17]!) + ((b[18]! << 8) | b[19]!);
}

/** The CodecErrorCode of a negative checkIpv4 result. */
export function ipv4CheckCode(result: number): CodecErrorCode {
  if (result === IPV4_TRUNCATED) return 'ERR_TRUNCATED';
  if (result === IPV4_BAD_VERSION) return 'ERR_BAD_VERSION';
  if (result === IPV4_BAD_CHECKSUM) return 'ERR_BAD_CHECKSUM';
  return 'ERR_BAD_LENGTH';
}

function decode(buf: Uint8Array, verifyChecksum: boolean, requireWhole: boolean): Result<Ipv4Packet> {
  const checked = checkIpv4(buf, verifyChecksum, requireWhole);
  if (checked < 0) return fail(ipv4CheckCode(checked), failureMessage(buf, checked));
  const headerLength = (buf[0]! & 0x0f) * 4;
  const totalLength = checked;
  const flagsAndOffset = readU16(buf, 6);
  const fragmentOffset = (flagsAndOffset & OFFSET_MASK) * 8;
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

/** Human-readable reason for a failed checkIpv4 (the checks again, in the same order). */
function failureMessage(buf: Uint8Array, result: number): string {
  if (result === IPV4_BAD_VERSION) return `IP version ${buf[0]! >>> 4}, expected 4`;
  if (result === IPV4_BAD_CHECKSUM) return 'IPv4 header checksum mismatch';
  if (buf.length < IPV4_MIN_HEADER_LEN) return `IPv4 header of ${buf.length} bytes is shorter than 20`;
  const headerLength = (buf[0]! & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LEN) return `IHL ${headerLength / 4} is below 5`;
  if (buf.length < headerLength) return `IPv4 header needs ${headerLength} bytes, have ${buf.length}`;
  const totalLength = readU16(buf, 2);
  if (totalLength < headerLength) return `total length ${totalLength} < header length ${headerLength}`;
  if (result === IPV4_TRUNCATED) return `IPv4 total length ${totalLength} > ${buf.length} bytes received`;
  return `fragment at ${(readU16(buf, 6) & OFFSET_MASK) * 8} ends beyond 65535 bytes`;
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

/**
 * Unchecked writer of a 20-byte header (no options) with its checksum, for the stack's hot path
 * (sockets, tunnels), whose fields are valid by construction: ports and addresses were checked
 * when bound or configured. Public callers use encodeIpv4Into, which validates first.
 * `flags` holds DF/MF and the offset in 8-byte units, as on the wire; `tos` is DSCP << 2 | ECN.
 */
export function writeIpv4Header(
  buf: Uint8Array, off: number, totalLength: number, id: number, flags: number, ttl: number, protocol: number,
  src: number, dst: number, tos = 0,
): void {
  const w0 = 0x4500 | tos;
  const w4 = (ttl << 8) | protocol;
  buf[off] = 0x45;
  buf[off + 1] = tos;
  writeU16(buf, off + 2, totalLength);
  writeU16(buf, off + 4, id);
  writeU16(buf, off + 6, flags);
  buf[off + 8] = ttl;
  buf[off + 9] = protocol;
  writeU32(buf, off + 12, src);
  writeU32(buf, off + 16, dst);
  // The sum of the ten words, known without reading them back.
  const sum = w0 + totalLength + id + flags + w4 + (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
  writeU16(buf, off + 10, checksumFinish(sum));
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
