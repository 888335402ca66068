/** Encoding of path attributes, in type-code order, with the RFC 6793 AS4_* pair for 2-octet sessions. */
import { writeU16, writeU32 } from '../../net/bytes.js';
import { encodeAsPath, needsAs4, toAs4Path, toTwoOctetPath } from './as-path.js';
import type { PathAttributes } from './attributes.js';
import { AS_TRANS, AttrFlag, AttrType } from './constants.js';
import type { CodecContext } from './context.js';
import { checkUintField, encodeError } from './errors.js';

const O = AttrFlag.OPTIONAL;
const T = AttrFlag.TRANSITIVE;

interface Item {
  flags: number;
  type: number;
  value: Uint8Array;
}

function u32(n: number, field: string): Uint8Array {
  checkUintField(n, 32, field);
  const out = new Uint8Array(4);
  writeU32(out, 0, n);
  return out;
}

function aggregatorValue(asn: number, address: number, width: 2 | 4): Uint8Array {
  const out = new Uint8Array(width + 4);
  if (width === 4) writeU32(out, 0, asn);
  else writeU16(out, 0, asn);
  writeU32(out, width, address);
  return out;
}

/** Encodes the Path Attributes field. Lengths over 255 octets use the Extended Length flag. */
export function encodeAttributes(attrs: PathAttributes, ctx: CodecContext): Uint8Array {
  const items: Item[] = [];
  if (attrs.origin !== undefined) {
    checkUintField(attrs.origin, 8, 'origin');
    items.push({ flags: T, type: AttrType.ORIGIN, value: Uint8Array.of(attrs.origin) });
  }
  if (attrs.asPath !== undefined) {
    if (ctx.as4) items.push({ flags: T, type: AttrType.AS_PATH, value: encodeAsPath(attrs.asPath, 4) });
    else {
      items.push({ flags: T, type: AttrType.AS_PATH, value: encodeAsPath(toTwoOctetPath(attrs.asPath), 2) });
      if (needsAs4(attrs.asPath)) items.push({ flags: O | T, type: AttrType.AS4_PATH, value: encodeAsPath(toAs4Path(attrs.asPath), 4) });
    }
  }
  if (attrs.nextHop !== undefined) items.push({ flags: T, type: AttrType.NEXT_HOP, value: u32(attrs.nextHop, 'nextHop') });
  if (attrs.med !== undefined) items.push({ flags: O, type: AttrType.MULTI_EXIT_DISC, value: u32(attrs.med, 'med') });
  if (attrs.localPref !== undefined) items.push({ flags: T, type: AttrType.LOCAL_PREF, value: u32(attrs.localPref, 'localPref') });
  if (attrs.atomicAggregate) items.push({ flags: T, type: AttrType.ATOMIC_AGGREGATE, value: new Uint8Array(0) });
  if (attrs.aggregator !== undefined) {
    const { asn, address } = attrs.aggregator;
    checkUintField(asn, 32, 'aggregator asn');
    checkUintField(address, 32, 'aggregator address');
    if (ctx.as4) items.push({ flags: O | T, type: AttrType.AGGREGATOR, value: aggregatorValue(asn, address, 4) });
    else {
      items.push({ flags: O | T, type: AttrType.AGGREGATOR, value: aggregatorValue(asn > 0xffff ? AS_TRANS : asn, address, 2) });
      if (asn > 0xffff) items.push({ flags: O | T, type: AttrType.AS4_AGGREGATOR, value: aggregatorValue(asn, address, 4) });
    }
  }
  if (attrs.originatorId !== undefined) items.push({ flags: O, type: AttrType.ORIGINATOR_ID, value: u32(attrs.originatorId, 'originatorId') });
  if (attrs.clusterList !== undefined) {
    if (attrs.clusterList.length === 0) throw encodeError('empty CLUSTER_LIST');
    const v = new Uint8Array(4 * attrs.clusterList.length);
    attrs.clusterList.forEach((id, i) => v.set(u32(id, 'clusterList'), 4 * i));
    items.push({ flags: O, type: AttrType.CLUSTER_LIST, value: v });
  }
  for (const raw of attrs.unknown ?? []) {
    checkUintField(raw.type, 8, 'attribute type');
    if (items.some((i) => i.type === raw.type)) throw encodeError(`attribute ${raw.type} given twice`);
    items.push({ flags: raw.flags & (O | T | AttrFlag.PARTIAL), type: raw.type, value: raw.value });
  }
  items.sort((a, b) => a.type - b.type);

  const total = items.reduce((n, i) => n + (i.value.length > 255 ? 4 : 3) + i.value.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const i of items) {
    checkUintField(i.value.length, 16, `attribute ${i.type} length`);
    const ext = i.value.length > 255;
    out[off] = i.flags | (ext ? AttrFlag.EXTENDED_LENGTH : 0);
    out[off + 1] = i.type;
    if (ext) writeU16(out, off + 2, i.value.length);
    else out[off + 2] = i.value.length;
    off += ext ? 4 : 3;
    out.set(i.value, off);
    off += i.value.length;
  }
  return out;
}
