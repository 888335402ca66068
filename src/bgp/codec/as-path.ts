/**
 * AS_PATH (RFC 4271 §4.3, §5.1.2) in 2- or 4-octet form, and the RFC 6793 AS4_PATH dance that keeps
 * 4-octet ASNs intact across a speaker that only knows 2-octet ones. Inside kemu a path is always
 * held with real (4-octet) ASNs; the 2-octet form exists only on the wire.
 */
import { readU16, readU32, writeU16, writeU32 } from '../../net/bytes.js';
import { AS_TRANS, AsPathSegmentType } from './constants.js';
import { encodeError } from './errors.js';

export type AsPathSegmentTypeCode = 1 | 2 | 3 | 4;

export interface AsPathSegment {
  type: AsPathSegmentTypeCode;
  asns: number[];
}

/** Decodes an AS_PATH value; returns a reason string when it is malformed (RFC 7606 §7.2 cases, RFC 7607 AS 0). */
export function decodeAsPath(v: Uint8Array, width: 2 | 4): AsPathSegment[] | string {
  const out: AsPathSegment[] = [];
  for (let off = 0; off < v.length;) {
    if (v.length - off < 2) return 'truncated segment header';
    const type = v[off]!;
    const count = v[off + 1]!;
    if (type < AsPathSegmentType.AS_SET || type > AsPathSegmentType.AS_CONFED_SET) return `segment type ${type}`;
    if (count === 0) return 'empty segment';
    if (off + 2 + count * width > v.length) return 'segment overruns the attribute';
    const asns: number[] = [];
    for (let i = 0; i < count; i++) {
      const p = off + 2 + i * width;
      const asn = width === 4 ? readU32(v, p) : readU16(v, p);
      if (asn === 0) return 'AS 0 in path'; // RFC 7607
      asns.push(asn);
    }
    out.push({ type: type as AsPathSegmentTypeCode, asns });
    off += 2 + count * width;
  }
  return out;
}

/** Encodes segments; a segment longer than 255 ASNs is split, as the 1-octet count requires. */
export function encodeAsPath(segments: readonly AsPathSegment[], width: 2 | 4): Uint8Array {
  const parts: AsPathSegment[] = [];
  for (const s of segments) {
    if (s.asns.length === 0) throw encodeError('empty AS_PATH segment');
    for (let i = 0; i < s.asns.length; i += 255) parts.push({ type: s.type, asns: s.asns.slice(i, i + 255) });
  }
  const out = new Uint8Array(parts.reduce((n, s) => n + 2 + s.asns.length * width, 0));
  let off = 0;
  for (const s of parts) {
    out[off] = s.type;
    out[off + 1] = s.asns.length;
    off += 2;
    for (const asn of s.asns) {
      if (!Number.isInteger(asn) || asn < 0 || asn > 0xffffffff || (width === 2 && asn > 0xffff)) {
        throw encodeError(`AS ${asn} does not fit in ${width} octets`);
      }
      if (width === 4) writeU32(out, off, asn);
      else writeU16(out, off, asn);
      off += width;
    }
  }
  return out;
}

/** Path length for best-path selection: an AS_SET counts 1, confederation segments 0 (RFC 4271 §9.1.2.2, RFC 5065). */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === AsPathSegmentType.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsPathSegmentType.AS_SET) n += 1;
  }
  return n;
}

export function asPathContains(segments: readonly AsPathSegment[], asn: number): boolean {
  return segments.some((s) => s.asns.includes(asn));
}

/** The neighbouring AS for the MED rule: the first AS of a leading AS_SEQUENCE, if any. */
export function neighborAs(segments: readonly AsPathSegment[]): number | undefined {
  const first = segments[0];
  return first?.type === AsPathSegmentType.AS_SEQUENCE ? first.asns[0] : undefined;
}

/** RFC 4271 §5.1.2: an eBGP speaker prepends its AS to the leading AS_SEQUENCE (or starts one). */
export function prependAs(segments: readonly AsPathSegment[], asn: number): AsPathSegment[] {
  const first = segments[0];
  if (first?.type === AsPathSegmentType.AS_SEQUENCE && first.asns.length < 255) {
    return [{ type: first.type, asns: [asn, ...first.asns] }, ...segments.slice(1).map(copySegment)];
  }
  return [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [asn] }, ...segments.map(copySegment)];
}

function copySegment(s: AsPathSegment): AsPathSegment {
  return { type: s.type, asns: [...s.asns] };
}

export function needsAs4(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => s.asns.some((a) => a > 0xffff));
}

/** The 2-octet AS_PATH a NEW speaker sends to an OLD one: 4-octet ASNs become AS_TRANS (RFC 6793 §4.2.2). */
export function toTwoOctetPath(segments: readonly AsPathSegment[]): AsPathSegment[] {
  return segments.map((s) => ({ type: s.type, asns: s.asns.map((a) => (a > 0xffff ? AS_TRANS : a)) }));
}

/** AS4_PATH carries no confederation segments (RFC 6793 §3). */
export function toAs4Path(segments: readonly AsPathSegment[]): AsPathSegment[] {
  return segments.filter((s) => s.type === AsPathSegmentType.AS_SEQUENCE || s.type === AsPathSegmentType.AS_SET).map(copySegment);
}

/**
 * RFC 6793 §4.2.3: rebuilds the real path from a 2-octet AS_PATH and an AS4_PATH. When AS_PATH is
 * shorter than AS4_PATH the latter is ignored; otherwise the leading surplus of AS_PATH (the hops
 * that only OLD speakers added) is kept in front of AS4_PATH. Counting: AS_SET = 1, confed = 0.
 */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): AsPathSegment[] {
  const surplus = asPathLength(asPath) - asPathLength(as4Path);
  if (surplus < 0) return asPath.map(copySegment);
  const lead: AsPathSegment[] = [];
  let need = surplus;
  for (const s of asPath) {
    if (need === 0 && s.type !== AsPathSegmentType.AS_CONFED_SEQUENCE && s.type !== AsPathSegmentType.AS_CONFED_SET) break;
    if (s.type === AsPathSegmentType.AS_SEQUENCE) {
      const take = Math.min(need, s.asns.length);
      if (take > 0) lead.push({ type: s.type, asns: s.asns.slice(0, take) });
      need -= take;
      if (take < s.asns.length) break;
    } else if (s.type === AsPathSegmentType.AS_SET) {
      if (need === 0) break;
      lead.push(copySegment(s));
      need -= 1;
    } else {
      lead.push(copySegment(s));
    }
  }
  const tail = as4Path.map(copySegment);
  const last = lead[lead.length - 1];
  // Join the kept hops and AS4_PATH into one AS_SEQUENCE when they meet, as the sender had them.
  if (last?.type === AsPathSegmentType.AS_SEQUENCE && tail[0]?.type === AsPathSegmentType.AS_SEQUENCE) {
    last.asns.push(...tail.shift()!.asns);
  }
  return [...lead, ...tail];
}

/** "65001 65002 {65003 65004}" as birdc and gobgp print paths; confederation segments in parentheses. */
export function formatAsPath(segments: readonly AsPathSegment[]): string {
  return segments.map((s) => {
    const list = s.asns.join(' ');
    switch (s.type) {
      case AsPathSegmentType.AS_SET: return `{${list}}`;
      case AsPathSegmentType.AS_CONFED_SEQUENCE: return `(${list})`;
      case AsPathSegmentType.AS_CONFED_SET: return `[${list}]`;
      default: return list;
    }
  }).join(' ');
}
