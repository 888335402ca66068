/** The 19-octet message header (RFC 4271 §4.1) and its checks (§6.1). */
import { readU16, writeU16 } from '../../net/bytes.js';
import {
  ErrorCode, HEADER_LEN, HeaderSubcode, MARKER_LEN, MAX_MESSAGE_LEN, MIN_LENGTH, MessageType, type MessageTypeCode,
} from './constants.js';
import { type BgpResult, bgpFail, bgpOk, encodeError } from './errors.js';

export interface MessageHeader {
  length: number;
  type: MessageTypeCode;
}

const KNOWN_TYPES = new Set<number>(Object.values(MessageType));

/**
 * Checks the header at buf[off, off+19): marker all ones (Connection Not Synchronized), length within
 * 19..4096 and at least the type's minimum (Bad Message Length, data = the length field), a known
 * type (Bad Message Type, data = the type octet). KEEPALIVE must be exactly 19 octets.
 */
export function decodeHeader(buf: Uint8Array, off = 0): BgpResult<MessageHeader> {
  if (buf.length - off < HEADER_LEN) {
    return bgpFail(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, `header needs 19 octets, got ${buf.length - off}`);
  }
  for (let i = 0; i < MARKER_LEN; i++) {
    if (buf[off + i] !== 0xff) return bgpFail(ErrorCode.MESSAGE_HEADER, HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'marker is not all ones');
  }
  const length = readU16(buf, off + 16);
  const type = buf[off + 18]!;
  if (length < HEADER_LEN || length > MAX_MESSAGE_LEN) {
    return bgpFail(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, `length ${length} outside 19..4096`, buf.slice(off + 16, off + 18));
  }
  if (!KNOWN_TYPES.has(type)) {
    return bgpFail(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_TYPE, `unknown message type ${type}`, Uint8Array.of(type));
  }
  const t = type as MessageTypeCode;
  if (length < MIN_LENGTH[t] || (t === MessageType.KEEPALIVE && length !== HEADER_LEN)) {
    return bgpFail(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, `length ${length} impossible for message type ${type}`, buf.slice(off + 16, off + 18));
  }
  return bgpOk({ length, type: t });
}

/** Frames a body as a whole message: marker, length, type, body. */
export function frameMessage(type: MessageTypeCode, body: Uint8Array): Uint8Array {
  const out = messageBuffer(type, HEADER_LEN + body.length);
  out.set(body, HEADER_LEN);
  return out;
}

/**
 * A whole message of `length` octets with its header written; the caller writes the body from
 * HEADER_LEN on. For encoders that know the length up front: no body buffer to copy.
 */
export function messageBuffer(type: MessageTypeCode, length: number): Uint8Array {
  if (length > MAX_MESSAGE_LEN) throw encodeError(`message of ${length} octets exceeds ${MAX_MESSAGE_LEN}`);
  const out = new Uint8Array(length);
  out.fill(0xff, 0, MARKER_LEN);
  writeU16(out, 16, length);
  out[18] = type;
  return out;
}
