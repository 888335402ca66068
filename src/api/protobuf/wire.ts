/**
 * The protobuf wire format, read by hand: kemu decodes only a handful of Kubernetes messages, and a
 * protobuf library would bring a schema compiler for what is a hundred lines of byte handling.
 *
 * Everything here is bounded by the input: every read checks the remaining length first, lengths
 * are compared before they are converted, varints stop at 10 bytes. Malformed input raises a
 * ProtobufError (code ERR_PROTOBUF), never a RangeError or a hang.
 */
import { KemuError } from '../../util/errors.js';

/**
 * Why decoding failed. The HTTP layer answers 415 for `unsupported` (a kind or envelope encoding
 * kemu does not decode: the client may retry in JSON) and 400 for the others.
 */
export type ProtobufFailure = 'malformed' | 'unknown-field' | 'unsupported';

export class ProtobufError extends KemuError {
  readonly failure: ProtobufFailure;
  constructor(failure: ProtobufFailure, message: string) {
    super('ERR_PROTOBUF', message);
    this.failure = failure;
    this.name = 'ProtobufError';
  }
}

export function malformed(detail: string): ProtobufError {
  return new ProtobufError('malformed', `the request body is not a valid Kubernetes protobuf message: ${detail}`);
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

/** One field occurrence. `varint` for wire type 0; `bytes` (a view, not a copy) for 1, 2 and 5. */
export interface WireField {
  num: number;
  wire: number;
  varint: bigint;
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);
/** Tags are varints of at most 32 bits; field numbers go up to 2^29 - 1. */
const MAX_FIELD = 2 ** 29 - 1;

/** Reads a varint at `pos`; returns the value and the position after it. */
export function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw malformed('truncated varint');
    const b = buf[pos++]!;
    // The tenth byte carries bit 63 only; anything more overflows 64 bits.
    if (i === 9 && b > 1) throw malformed('varint overflows 64 bits');
    result |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return [result, pos];
  }
  throw malformed('varint longer than 10 bytes');
}

/** Splits one message's bytes into its field occurrences, in wire order. */
export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos);
    pos = afterTag;
    if (tag > BigInt(MAX_FIELD) * 8n + 7n) throw malformed('field number out of range');
    const num = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (num === 0) throw malformed('field number 0');
    switch (wire) {
      case WIRE_VARINT: {
        const [v, next] = readVarint(buf, pos);
        out.push({ num, wire, varint: v, bytes: EMPTY });
        pos = next;
        break;
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        // Nothing kemu decodes is fixed-width; the bytes are kept so the caller can name the field.
        const size = wire === WIRE_FIXED64 ? 8 : 4;
        if (buf.length - pos < size) throw malformed(`truncated fixed${size * 8} field ${num}`);
        out.push({ num, wire, varint: 0n, bytes: buf.subarray(pos, pos + size) });
        pos += size;
        break;
      }
      case WIRE_LEN: {
        const [len, start] = readVarint(buf, pos);
        if (len > BigInt(buf.length - start)) throw malformed(`field ${num} is longer than the data left`);
        const end = start + Number(len);
        out.push({ num, wire, varint: 0n, bytes: buf.subarray(start, end) });
        pos = end;
        break;
      }
      default:
        // 3 and 4 are proto2 groups, which no Kubernetes message uses; 6 and 7 do not exist.
        throw malformed(`unsupported wire type ${wire} for field ${num}`);
    }
  }
  return out;
}

/** Varints packed into one length-delimited field (how proto3 writers send repeated numbers). */
export function readPackedVarints(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [v, next] = readVarint(buf, pos);
    out.push(v);
    pos = next;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8');

/** Go keeps invalid UTF-8 in a string and its JSON encoder writes U+FFFD for it; so does this. */
export function decodeString(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** int32 fields: Go truncates the varint to its low 32 bits (negatives arrive sign-extended). */
export function toInt32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/** int64 fields: exact up to 2^53, like every number kemu reads from JSON. */
export function toInt64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}
