/** UPDATE (RFC 4271 §4.3) with the field checks of §6.3 as revised by RFC 7606 §5. */
import { readU16, writeU16 } from '../../net/bytes.js';
import { type PathAttributes, decodeAttributes } from './attributes.js';
import { encodeAttributes } from './attributes-encode.js';
import { ErrorCode, HEADER_LEN, MAX_MESSAGE_LEN, MessageType, UpdateSubcode } from './constants.js';
import type { CodecContext } from './context.js';
import { type BgpError, type BgpResult, bgpFail, bgpOk, encodeError } from './errors.js';
import { messageBuffer } from './header.js';
import { type Prefix, decodePrefixes, prefixOctets, prefixesLength, writePrefixes } from './prefix.js';

export interface UpdateMessage {
  withdrawn: Prefix[];
  attributes: PathAttributes;
  nlri: Prefix[];
}

export interface DecodedUpdate extends UpdateMessage {
  /** Errors that kept the session up (RFC 7606): see treatAsWithdraw. */
  errors: BgpError[];
}

/** True when RFC 7606 says to handle this UPDATE as if its NLRI had been withdrawn. */
export function treatAsWithdraw(update: DecodedUpdate): boolean {
  return update.errors.some((e) => e.action === 'treat-as-withdraw');
}

/** Decodes a whole UPDATE message (header included). */
export function decodeUpdate(msg: Uint8Array, ctx: CodecContext): BgpResult<DecodedUpdate> {
  const end = msg.length;
  let off = HEADER_LEN;
  const withdrawnLen = readU16(msg, off);
  off += 2;
  // RFC 4271 §6.3 / RFC 7606 §5.2: lengths that overrun the message leave nothing parsable.
  if (off + withdrawnLen + 2 > end) {
    return bgpFail(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `withdrawn routes length ${withdrawnLen} overruns the message`);
  }
  const addPath = ctx.addPath ?? false;
  const withdrawn = decodePrefixes(msg, off, off + withdrawnLen, addPath, 'withdrawn routes');
  if (!withdrawn.ok) return withdrawn;
  off += withdrawnLen;
  const attrLen = readU16(msg, off);
  off += 2;
  if (off + attrLen > end) {
    return bgpFail(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `total path attribute length ${attrLen} overruns the message`);
  }
  const nlri = decodePrefixes(msg, off + attrLen, end, addPath, 'NLRI');
  if (!nlri.ok) return nlri;
  const attrs = decodeAttributes(msg, off, off + attrLen, ctx, nlri.value.length > 0);
  if (!attrs.ok) return attrs;
  const { errors } = attrs.value;
  if (ctx.revisedErrorHandling === false && errors.length > 0) {
    return { ok: false, error: { ...errors[0]!, action: 'session-reset' } };
  }
  return bgpOk({ withdrawn: withdrawn.value, attributes: attrs.value.attrs, nlri: nlri.value, errors });
}

/** Encodes one UPDATE; throws when it would exceed 4096 octets (use encodeUpdates to split). */
export function encodeUpdate(update: UpdateMessage, ctx: CodecContext): Uint8Array {
  const attrs = update.nlri.length > 0 || hasAttributes(update.attributes) ? encodeAttributes(update.attributes, ctx) : new Uint8Array(0);
  return buildUpdate(update.withdrawn, attrs, update.nlri, ctx.addPath ?? false);
}

/** The whole message, header included, written straight into one buffer. */
function buildUpdate(withdrawn: readonly Prefix[], attrs: Uint8Array, nlri: readonly Prefix[], addPath: boolean): Uint8Array {
  const wLen = prefixesLength(withdrawn, addPath);
  const nLen = prefixesLength(nlri, addPath);
  const length = HEADER_LEN + 4 + wLen + attrs.length + nLen;
  if (length > MAX_MESSAGE_LEN) throw encodeError(`UPDATE of ${length} octets exceeds ${MAX_MESSAGE_LEN}`);
  const out = messageBuffer(MessageType.UPDATE, length);
  writeU16(out, HEADER_LEN, wLen);
  const off = writePrefixes(out, HEADER_LEN + 2, withdrawn, addPath);
  writeU16(out, off, attrs.length);
  out.set(attrs, off + 2);
  writePrefixes(out, off + 2 + attrs.length, nlri, addPath);
  return out;
}

function hasAttributes(a: PathAttributes): boolean {
  return Object.values(a).some((v) => v !== undefined && v !== false);
}

/**
 * Encodes as many UPDATEs as it takes to carry every withdrawal and NLRI within 4096 octets each:
 * withdrawals first (alone), then NLRI sharing the attributes (encoded once for all of them).
 */
export function encodeUpdates(update: UpdateMessage, ctx: CodecContext): Uint8Array[] {
  const addPath = ctx.addPath ?? false;
  const out: Uint8Array[] = [];
  const room = MAX_MESSAGE_LEN - HEADER_LEN - 4;
  const none = new Uint8Array(0);
  for (const chunk of chunks(update.withdrawn, room, addPath)) out.push(buildUpdate(chunk, none, [], addPath));
  if (update.nlri.length > 0) {
    const attrs = encodeAttributes(update.attributes, ctx);
    if (attrs.length >= room) throw encodeError(`path attributes of ${attrs.length} octets leave no room for NLRI`);
    for (const chunk of chunks(update.nlri, room - attrs.length, addPath)) out.push(buildUpdate([], attrs, chunk, addPath));
  }
  return out;
}

function chunks(prefixes: readonly Prefix[], room: number, addPath: boolean): Prefix[][] {
  const out: Prefix[][] = [];
  let cur: Prefix[] = [];
  let used = 0;
  for (const p of prefixes) {
    const n = prefixOctets(p, addPath);
    if (used + n > room && cur.length > 0) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(p);
    used += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
