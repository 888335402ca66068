/**
 * IPv4 addresses as plain uint32 numbers (fast to compare, mask and hash; always kept unsigned with
 * `>>> 0`) and MAC addresses as 6-byte Uint8Arrays.
 */

import { CodecError, type Result, fail, ok } from './errors.js';
import { readU32, writeU32 } from './bytes.js';

export const MAC_LEN = 6;
export const BROADCAST_MAC: Readonly<Uint8Array> = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
export const ZERO_MAC: Readonly<Uint8Array> = new Uint8Array(6);

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAC_TEXT = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i;

/**
 * Parses "a.b.c.d" (no leading zeros beyond "0", which some parsers read as octal). A hand-written
 * scan (sockets parse their destination on every send); it accepts exactly what DOTTED_QUAD does.
 */
export function parseIpv4(text: string): Result<number> {
  let value = 0;
  let octets = 0;
  let i = 0;
  const n = text.length;
  while (octets < 4) {
    const start = i;
    let octet = 0;
    while (i < n && i - start < 4) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3) return parseIpv4Slow(text);
    if (octet > 255 || (digits > 1 && text.charCodeAt(start) === 48)) return parseIpv4Slow(text);
    value = value * 256 + octet;
    octets++;
    if (octets < 4) {
      if (i >= n || text.charCodeAt(i) !== 46) return parseIpv4Slow(text);
      i++;
    }
  }
  if (i !== n) return parseIpv4Slow(text);
  return ok(value >>> 0);
}

/** Every rejection (and its message) comes from the regular expression, the reference. */
function parseIpv4Slow(text: string): Result<number> {
  const m = DOTTED_QUAD.exec(text);
  if (m === null) return fail('ERR_BAD_ADDRESS', `not a dotted-quad IPv4 address: ${JSON.stringify(text)}`);
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    const octet = Number(part);
    if (octet > 255 || (part.length > 1 && part[0] === '0')) {
      return fail('ERR_BAD_ADDRESS', `bad octet ${JSON.stringify(part)} in ${JSON.stringify(text)}`);
    }
    value = value * 256 + octet;
  }
  return ok(value >>> 0);
}

/** Literal helper for code and tests: like parseIpv4 but throws CodecError on a bad string. */
export function ipv4(text: string): number {
  const r = parseIpv4(text);
  if (!r.ok) throw r.error;
  return r.value;
}

export function formatIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

export function ipToBytes(ip: number): Uint8Array {
  const out = new Uint8Array(4);
  writeU32(out, 0, ip);
  return out;
}

export function readIp(buf: Uint8Array, off: number): number {
  return readU32(buf, off);
}

export function writeIp(buf: Uint8Array, off: number, ip: number): void {
  writeU32(buf, off, ip);
}

/** Network mask of a prefix length, e.g. 24 -> 0xffffff00. */
export function prefixMask(prefixLength: number): number {
  return prefixLength <= 0 ? 0 : (0xffffffff << (32 - Math.min(prefixLength, 32))) >>> 0;
}

export function parseMac(text: string): Result<Uint8Array> {
  const m = MAC_TEXT.exec(text);
  if (m === null) return fail('ERR_BAD_ADDRESS', `not a MAC address: ${JSON.stringify(text)}`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(m[i + 1]!, 16);
  return ok(out);
}

/** Literal helper: like parseMac but throws CodecError on a bad string. */
export function mac(text: string): Uint8Array {
  const r = parseMac(text);
  if (!r.ok) throw r.error;
  return r.value;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Formats 6 bytes at `off` as lower-case "aa:bb:cc:dd:ee:ff". */
export function formatMac(bytes: Uint8Array, off = 0): string {
  if (bytes.length - off < 6) throw new CodecError('ERR_TRUNCATED', `MAC needs 6 bytes at offset ${off}`);
  return `${HEX[bytes[off]!]}:${HEX[bytes[off + 1]!]}:${HEX[bytes[off + 2]!]}:${HEX[bytes[off + 3]!]}:${HEX[bytes[off + 4]!]}:${HEX[bytes[off + 5]!]}`;
}

export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === 6 && b.length === 6 &&
    a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3] && a[4] === b[4] && a[5] === b[5];
}

export function isBroadcastMac(m: Uint8Array): boolean {
  return macEquals(m, BROADCAST_MAC);
}

/** Group bit (I/G) of the first octet: multicast and broadcast frames. */
export function isMulticastMac(m: Uint8Array): boolean {
  return (m[0]! & 1) === 1;
}
