/**
 * Path attributes (RFC 4271 §4.3, §5) decoded with RFC 7606 revised error handling: each malformed
 * attribute yields the RFC 4271 NOTIFICATION triple plus the action — treat-as-withdraw for the
 * attributes that steer route selection, attribute-discard for ATOMIC_AGGREGATE/AGGREGATOR/AS4_*,
 * session reset only where the message can no longer be parsed safely.
 */
import { readU16, readU32 } from '../../net/bytes.js';
import { type AsPathSegment, decodeAsPath, mergeAs4Path } from './as-path.js';
import { AS_TRANS, AttrFlag, AttrType, ErrorCode, type OriginCode, UpdateSubcode } from './constants.js';
import type { CodecContext } from './context.js';
import { type BgpError, type BgpResult, type ErrorAction, bgpError, bgpOk } from './errors.js';

export interface RawAttribute {
  flags: number;
  type: number;
  value: Uint8Array;
}

export interface Aggregator {
  asn: number;
  address: number;
}

export interface PathAttributes {
  origin?: OriginCode;
  /** Real (4-octet) ASNs; on 2-octet sessions already merged with AS4_PATH. */
  asPath?: AsPathSegment[];
  nextHop?: number;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  originatorId?: number;
  clusterList?: number[];
  /** Unrecognized optional transitive attributes (e.g. COMMUNITIES), kept to pass on (RFC 4271 §5). */
  unknown?: RawAttribute[];
}

export interface DecodedAttributes {
  attrs: PathAttributes;
  /** Errors that did not reset the session: treat-as-withdraw and attribute-discard. */
  errors: BgpError[];
}

const O = AttrFlag.OPTIONAL;
const T = AttrFlag.TRANSITIVE;
/** The Optional and Transitive bits each recognized attribute must carry (RFC 4271 §5, RFC 4456, RFC 6793). */
const EXPECTED_FLAGS: Record<number, number> = {
  [AttrType.ORIGIN]: T, [AttrType.AS_PATH]: T, [AttrType.NEXT_HOP]: T, [AttrType.MULTI_EXIT_DISC]: O,
  [AttrType.LOCAL_PREF]: T, [AttrType.ATOMIC_AGGREGATE]: T, [AttrType.AGGREGATOR]: O | T,
  [AttrType.ORIGINATOR_ID]: O, [AttrType.CLUSTER_LIST]: O, [AttrType.AS4_PATH]: O | T, [AttrType.AS4_AGGREGATOR]: O | T,
};
/** RFC 7606 §7.6, §7.7 and RFC 6793 §6: errors in these only discard the attribute. */
const DISCARDABLE = new Set<number>([AttrType.ATOMIC_AGGREGATE, AttrType.AGGREGATOR, AttrType.AS4_PATH, AttrType.AS4_AGGREGATOR]);
const MANDATORY = [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP];

function soft(errors: BgpError[], subcode: number, reason: string, data: Uint8Array, action: ErrorAction): void {
  errors.push(bgpError(ErrorCode.UPDATE_MESSAGE, subcode, reason, data, action));
}

function lengthError(errors: BgpError[], type: number, len: number, data: Uint8Array, action: ErrorAction): void {
  soft(errors, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `attribute ${type} length ${len}`, data, action);
}

/** A NEXT_HOP that can never be a unicast router: 0.0.0.0, class D multicast, class E and broadcast. */
export function isInvalidNextHop(ip: number): boolean {
  return ip === 0 || ip >>> 28 >= 0xe;
}

/**
 * Decodes buf[start, end) as the Path Attributes field. A failed result is a session reset (a
 * repeated MP_REACH/MP_UNREACH, an unrecognized well-known attribute); everything else is collected
 * in `errors`. `hasNlri` turns on the missing well-known attribute check (only routes need them).
 */
export function decodeAttributes(
  buf: Uint8Array, start: number, end: number, ctx: CodecContext, hasNlri: boolean,
): BgpResult<DecodedAttributes> {
  const attrs: PathAttributes = {};
  const errors: BgpError[] = [];
  // Type codes seen so far: a bit each below 32 (every attribute kemu knows), a Set only beyond.
  // No per-UPDATE allocations or closures here: an import brings UPDATEs by the hundred thousand.
  let seenLow = 0;
  let seenHigh: Set<number> | undefined;
  let as4Path: AsPathSegment[] | undefined;
  let as4Aggregator: Aggregator | undefined;

  let off = start;
  while (off < end) {
    const flags = buf[off]!;
    const headerLen = flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3;
    if (end - off < headerLen) {
      // RFC 7606 §4: the Total Attribute Length still locates the NLRI, so treat-as-withdraw.
      soft(errors, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, 'truncated attribute header', new Uint8Array(0), 'treat-as-withdraw');
      break;
    }
    const type = buf[off + 1]!;
    const len = headerLen === 4 ? readU16(buf, off + 2) : buf[off + 2]!;
    if (off + headerLen + len > end) {
      soft(errors, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `attribute ${type} overruns the attribute list`, new Uint8Array(0), 'treat-as-withdraw');
      break;
    }
    const v = buf.subarray(off + headerLen, off + headerLen + len);
    const at = off; // the whole attribute, buf[at, off), is NOTIFICATION data: copied only for an error
    off += headerLen + len;

    if (type < 32 ? seenLow & (1 << type) : seenHigh?.has(type)) {
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        return { ok: false, error: bgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `attribute ${type} repeated`) };
      }
      // RFC 7606 §3 (g): later copies of any other attribute are discarded.
      soft(errors, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `attribute ${type} repeated`, new Uint8Array(0), 'attribute-discard');
      continue;
    }
    if (type < 32) seenLow |= 1 << type;
    else (seenHigh ??= new Set()).add(type);

    const expected = EXPECTED_FLAGS[type];
    if (expected === undefined) {
      if (!(flags & O)) {
        // RFC 7606 does not soften this: the peer sent a well-known attribute we cannot understand.
        return { ok: false, error: bgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, `type ${type}`, buf.slice(at, off)) };
      }
      // Optional non-transitive attributes we do not know (MP_REACH/UNREACH included) are quietly ignored.
      if (flags & T) (attrs.unknown ??= []).push({ flags: flags & (O | T | AttrFlag.PARTIAL), type, value: v.slice() });
      continue;
    }
    const action: ErrorAction = DISCARDABLE.has(type) ? 'attribute-discard' : 'treat-as-withdraw';
    if ((flags & (O | T)) !== expected) {
      soft(errors, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, `attribute ${type} flags 0x${flags.toString(16)}`, buf.slice(at, off), action);
      continue;
    }
    switch (type) {
      case AttrType.ORIGIN:
        if (len !== 1) lengthError(errors, type, len, buf.slice(at, off), action);
        else if (v[0]! > 2) soft(errors, UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE, `ORIGIN ${v[0]}`, buf.slice(at, off), action);
        else attrs.origin = v[0] as OriginCode;
        break;
      case AttrType.AS_PATH: {
        const path = decodeAsPath(v, ctx.as4 ? 4 : 2);
        if (typeof path === 'string') soft(errors, UpdateSubcode.MALFORMED_AS_PATH, path, new Uint8Array(0), action);
        else attrs.asPath = path;
        break;
      }
      case AttrType.NEXT_HOP:
        if (len !== 4) lengthError(errors, type, len, buf.slice(at, off), action);
        else if (isInvalidNextHop(readU32(v, 0))) soft(errors, UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE, 'not a unicast address', buf.slice(at, off), action);
        else attrs.nextHop = readU32(v, 0);
        break;
      case AttrType.MULTI_EXIT_DISC:
        if (len !== 4) lengthError(errors, type, len, buf.slice(at, off), action);
        else attrs.med = readU32(v, 0);
        break;
      case AttrType.LOCAL_PREF:
        if (len !== 4) lengthError(errors, type, len, buf.slice(at, off), action);
        else attrs.localPref = readU32(v, 0);
        break;
      case AttrType.ATOMIC_AGGREGATE:
        if (len !== 0) lengthError(errors, type, len, buf.slice(at, off), action);
        else attrs.atomicAggregate = true;
        break;
      case AttrType.AGGREGATOR: {
        const width = ctx.as4 ? 4 : 2;
        if (len !== width + 4) lengthError(errors, type, len, buf.slice(at, off), action);
        else {
          const asn = width === 4 ? readU32(v, 0) : readU16(v, 0);
          if (asn === 0) soft(errors, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, 'AGGREGATOR AS 0', buf.slice(at, off), action); // RFC 7607
          else attrs.aggregator = { asn, address: readU32(v, width) };
        }
        break;
      }
      case AttrType.ORIGINATOR_ID:
        if (len !== 4) lengthError(errors, type, len, buf.slice(at, off), action);
        else attrs.originatorId = readU32(v, 0);
        break;
      case AttrType.CLUSTER_LIST:
        if (len === 0 || len % 4 !== 0) lengthError(errors, type, len, buf.slice(at, off), action);
        else attrs.clusterList = Array.from({ length: len / 4 }, (_, i) => readU32(v, 4 * i));
        break;
      case AttrType.AS4_PATH: {
        if (ctx.as4) break; // RFC 6793 §4.1: a NEW speaker ignores AS4_PATH from a NEW speaker.
        const path = decodeAsPath(v, 4);
        if (typeof path === 'string' || path.some((s) => s.type > 2)) {
          soft(errors, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `AS4_PATH: ${typeof path === 'string' ? path : 'confederation segment'}`, buf.slice(at, off), action);
        } else as4Path = path;
        break;
      }
      case AttrType.AS4_AGGREGATOR:
        if (ctx.as4) break;
        if (len !== 8 || readU32(v, 0) === 0) soft(errors, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, 'AS4_AGGREGATOR', buf.slice(at, off), action);
        else as4Aggregator = { asn: readU32(v, 0), address: readU32(v, 4) };
        break;
    }
  }

  // RFC 6793 §4.2.3: AS4_* only count when AGGREGATOR (if any) says AS_TRANS.
  if (!ctx.as4 && (attrs.aggregator === undefined || attrs.aggregator.asn === AS_TRANS)) {
    if (as4Aggregator !== undefined && attrs.aggregator !== undefined) attrs.aggregator = as4Aggregator;
    if (as4Path !== undefined && attrs.asPath !== undefined) attrs.asPath = mergeAs4Path(attrs.asPath, as4Path);
  }

  if (hasNlri) {
    // A mandatory attribute that was present but malformed is already reported above.
    for (const type of MANDATORY) {
      if (!(seenLow & (1 << type))) {
        soft(errors, UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE, `attribute ${type} missing`, Uint8Array.of(type), 'treat-as-withdraw');
      }
    }
  }
  return bgpOk({ attrs, errors });
}
