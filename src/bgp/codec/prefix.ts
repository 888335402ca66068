/**
 * IPv4 prefixes as BGP carries them (RFC 4271 §4.3: a length octet, then the fewest octets that
 * hold it), with the RFC 7911 ADD-PATH Path Identifier in front when that was negotiated.
 */
import { formatIpv4, parseIpv4, prefixMask } from '../../net/addr.js';
import { KemuError } from '../../util/errors.js';
import { readU32, writeU32 } from '../../net/bytes.js';
import { ErrorCode, UpdateSubcode } from './constants.js';
import { type BgpResult, bgpFail, bgpOk, checkUintField } from './errors.js';

export interface Prefix {
  /** Network address as an unsigned 32-bit number, host bits zero. */
  addr: number;
  /** 0..32 */
  len: number;
  /** RFC 7911 Path Identifier, present only on ADD-PATH sessions. */
  pathId?: number;
}

export function prefixKey(p: Prefix): string {
  return `${formatIpv4(p.addr)}/${p.len}`;
}

export const formatPrefix = prefixKey;

/** Parses "a.b.c.d/len"; host bits must be zero (a typo in a config, not something to mask away). */
export function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  const ip = parseIpv4(slash < 0 ? text : text.slice(0, slash));
  const len = slash < 0 ? 32 : Number(text.slice(slash + 1));
  if (!ip.ok || !Number.isInteger(len) || len < 0 || len > 32 || (slash >= 0 && !/^\d{1,2}$/.test(text.slice(slash + 1)))) {
    throw new KemuError('ERR_BGP_PREFIX', `not an IPv4 prefix: ${JSON.stringify(text)}`);
  }
  if ((ip.value & ~prefixMask(len)) >>> 0 !== 0) {
    throw new KemuError('ERR_BGP_PREFIX', `prefix ${text} has host bits set`);
  }
  return { addr: ip.value, len };
}

/**
 * Decodes buf[start, end) as a list of prefixes. Any syntax error (length > 32, a prefix running past
 * the field, a truncated Path Identifier) is Invalid Network Field with session reset: RFC 7606 §5.3
 * keeps that severity because the rest of the field can no longer be parsed.
 */
export function decodePrefixes(buf: Uint8Array, start: number, end: number, addPath: boolean, field: string): BgpResult<Prefix[]> {
  const out: Prefix[] = [];
  let off = start;
  while (off < end) {
    let pathId: number | undefined;
    if (addPath) {
      if (end - off < 5) return bgpFail(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, `${field}: truncated path identifier`);
      pathId = readU32(buf, off);
      off += 4;
    }
    const len = buf[off]!;
    if (len > 32) return bgpFail(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, `${field}: prefix length ${len} > 32`);
    const bytes = (len + 7) >> 3;
    if (off + 1 + bytes > end) return bgpFail(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, `${field}: prefix /${len} overruns the field`);
    let addr = 0;
    for (let i = 0; i < 4; i++) addr = addr * 256 + (i < bytes ? buf[off + 1 + i]! : 0);
    // Trailing bits past the length are "irrelevant" (RFC 4271 §4.3): mask them so keys are canonical.
    const p: Prefix = { addr: (addr & prefixMask(len)) >>> 0, len };
    if (pathId !== undefined) p.pathId = pathId;
    out.push(p);
    off += 1 + bytes;
  }
  return bgpOk(out);
}

/** Octets one prefix takes on the wire: Path Identifier (ADD-PATH), length octet, address octets. */
export function prefixOctets(p: Prefix, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((p.len + 7) >> 3);
}

export function prefixesLength(prefixes: readonly Prefix[], addPath: boolean): number {
  let n = 0;
  for (const p of prefixes) n += prefixOctets(p, addPath);
  return n;
}

/** Writes prefixes at `off`; returns the new offset. The caller sized `buf` with prefixesLength. */
export function writePrefixes(buf: Uint8Array, off: number, prefixes: readonly Prefix[], addPath: boolean): number {
  const word = new Uint8Array(4);
  for (const p of prefixes) {
    checkUintField(p.len, 6, 'prefix length');
    if (p.len > 32) throw new KemuError('ERR_BGP_ENCODE', `prefix length ${p.len} > 32`);
    if (addPath) {
      checkUintField(p.pathId ?? 0, 32, 'path identifier');
      writeU32(buf, off, p.pathId ?? 0);
      off += 4;
    }
    buf[off++] = p.len;
    writeU32(word, 0, (p.addr & prefixMask(p.len)) >>> 0);
    const bytes = (p.len + 7) >> 3;
    for (let i = 0; i < bytes; i++) buf[off++] = word[i]!;
  }
  return off;
}
