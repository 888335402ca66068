/**
 * ICMPv4 (RFC 792): echo, destination unreachable (RFC 1191 next-hop MTU for code 4) and time
 * exceeded. Error messages quote the offending datagram's IP header plus its first 8 data bytes.
 */

import { type Result, checkSpace, checkUint, fail, ok } from './errors.js';
import { placePayload, readU16, writeU16, writeU32 } from './bytes.js';
import { checksumAdd, checksumFinish } from './checksum.js';

export const ICMP_HEADER_LEN = 8;
export const ICMP_TYPE_ECHO_REPLY = 0;
export const ICMP_TYPE_DEST_UNREACHABLE = 3;
export const ICMP_TYPE_ECHO_REQUEST = 8;
export const ICMP_TYPE_TIME_EXCEEDED = 11;

export const ICMP_UNREACH_NET = 0;
export const ICMP_UNREACH_HOST = 1;
export const ICMP_UNREACH_PROTOCOL = 2;
export const ICMP_UNREACH_PORT = 3;
export const ICMP_UNREACH_FRAG_NEEDED = 4;
export const ICMP_UNREACH_ADMIN_PROHIBITED = 13; // RFC 1812; iptables REJECT --reject-with icmp-admin-prohibited

export const ICMP_TIME_EXCEEDED_TTL = 0;
export const ICMP_TIME_EXCEEDED_REASSEMBLY = 1;

export interface IcmpEcho {
  kind: 'echo-request' | 'echo-reply';
  code: number;
  id: number;
  seq: number;
  payload: Uint8Array;
}

export interface IcmpDestUnreachable {
  kind: 'dest-unreachable';
  code: number;
  /** Bytes 6-7; meaningful for code 4 (fragmentation needed), 0 otherwise. */
  nextHopMtu: number;
  /** Original IP header + first 8 data bytes (see icmpQuote). */
  original: Uint8Array;
}

export interface IcmpTimeExceeded {
  kind: 'time-exceeded';
  code: number;
  original: Uint8Array;
}

/** Any other type, kept verbatim so it can be forwarded or captured. */
export interface IcmpOther {
  kind: 'other';
  type: number;
  code: number;
  /** Bytes 4-7 ("rest of header"). */
  rest: number;
  payload: Uint8Array;
}

export type IcmpMessage = IcmpEcho | IcmpDestUnreachable | IcmpTimeExceeded | IcmpOther;

export interface IcmpDecodeOptions {
  verifyChecksum?: boolean;
}

/** Decodes an ICMP message; `buf` is exactly the IP payload (the checksum covers all of it). */
export function decodeIcmp(buf: Uint8Array, opts?: IcmpDecodeOptions): Result<IcmpMessage> {
  if (buf.length < ICMP_HEADER_LEN) return fail('ERR_TRUNCATED', `ICMP message of ${buf.length} bytes is shorter than 8`);
  if (opts?.verifyChecksum !== false && checksumFinish(checksumAdd(buf)) !== 0) {
    return fail('ERR_BAD_CHECKSUM', 'ICMP checksum mismatch');
  }
  const type = buf[0]!;
  const code = buf[1]!;
  const body = buf.subarray(ICMP_HEADER_LEN);
  switch (type) {
    case ICMP_TYPE_ECHO_REQUEST:
    case ICMP_TYPE_ECHO_REPLY:
      return ok({
        kind: type === ICMP_TYPE_ECHO_REQUEST ? 'echo-request' : 'echo-reply',
        code,
        id: readU16(buf, 4),
        seq: readU16(buf, 6),
        payload: body,
      });
    case ICMP_TYPE_DEST_UNREACHABLE:
      return ok({ kind: 'dest-unreachable', code, nextHopMtu: readU16(buf, 6), original: body });
    case ICMP_TYPE_TIME_EXCEEDED:
      return ok({ kind: 'time-exceeded', code, original: body });
    default:
      return ok({ kind: 'other', type, code, rest: ((readU16(buf, 4) << 16) | readU16(buf, 6)) >>> 0, payload: body });
  }
}

function typeOf(msg: IcmpMessage): number {
  switch (msg.kind) {
    case 'echo-request': return ICMP_TYPE_ECHO_REQUEST;
    case 'echo-reply': return ICMP_TYPE_ECHO_REPLY;
    case 'dest-unreachable': return ICMP_TYPE_DEST_UNREACHABLE;
    case 'time-exceeded': return ICMP_TYPE_TIME_EXCEEDED;
    case 'other': return msg.type;
  }
}

function bodyOf(msg: IcmpMessage): Uint8Array {
  return msg.kind === 'dest-unreachable' || msg.kind === 'time-exceeded' ? msg.original : msg.payload;
}

export function icmpLength(msg: IcmpMessage): number {
  return ICMP_HEADER_LEN + bodyOf(msg).length;
}

/** Writes the message (checksum computed) at `off`; returns its length. */
export function encodeIcmpInto(buf: Uint8Array, off: number, msg: IcmpMessage): number {
  const type = typeOf(msg);
  checkUint(type, 8, 'type');
  checkUint(msg.code, 8, 'code');
  const body = bodyOf(msg);
  const length = ICMP_HEADER_LEN + body.length;
  checkSpace(buf, off, length, 'ICMP message');
  buf[off] = type;
  buf[off + 1] = msg.code;
  writeU16(buf, off + 2, 0);
  switch (msg.kind) {
    case 'echo-request':
    case 'echo-reply':
      checkUint(msg.id, 16, 'id');
      checkUint(msg.seq, 16, 'seq');
      writeU16(buf, off + 4, msg.id);
      writeU16(buf, off + 6, msg.seq);
      break;
    case 'dest-unreachable':
      checkUint(msg.nextHopMtu, 16, 'nextHopMtu');
      writeU16(buf, off + 4, 0);
      writeU16(buf, off + 6, msg.nextHopMtu);
      break;
    case 'time-exceeded':
      writeU32(buf, off + 4, 0);
      break;
    case 'other':
      checkUint(msg.rest, 32, 'rest');
      writeU32(buf, off + 4, msg.rest);
      break;
  }
  placePayload(buf, off + ICMP_HEADER_LEN, body);
  writeU16(buf, off + 2, checksumFinish(checksumAdd(buf, off, off + length)));
  return length;
}

export function encodeIcmp(msg: IcmpMessage): Uint8Array {
  const out = new Uint8Array(icmpLength(msg));
  encodeIcmpInto(out, 0, msg);
  return out;
}

/**
 * What an ICMP error quotes from `datagram` (RFC 792): its IP header and first 8 data bytes, as a
 * view. Never throws: a short or odd input is quoted as far as it goes.
 */
export function icmpQuote(datagram: Uint8Array): Uint8Array {
  if (datagram.length === 0) return datagram;
  const headerLength = (datagram[0]! & 0x0f) * 4;
  const totalLength = datagram.length >= 4 ? readU16(datagram, 2) : datagram.length;
  return datagram.subarray(0, Math.min(datagram.length, Math.max(totalLength, headerLength), headerLength + 8));
}

/** Error messages; RFC 1122 3.2.2: an ICMP error is never sent about one of these. */
export function isIcmpError(msg: IcmpMessage): boolean {
  return msg.kind === 'dest-unreachable' || msg.kind === 'time-exceeded';
}
