/**
 * Decoding errors as values. A BGP decoder never throws on bad input: it returns the NOTIFICATION
 * (code, subcode, data) that RFC 4271 §6 prescribes, together with the RFC 7606 action that says what
 * the session does about it. Encoders, which take values built by kemu's own code, throw KemuError
 * with code ERR_BGP_ENCODE.
 */
import { KemuError } from '../../util/errors.js';
import { notificationName } from './constants.js';

/**
 * RFC 7606 §2: "session-reset" sends the NOTIFICATION and closes the session; "treat-as-withdraw"
 * keeps the session and withdraws the UPDATE's NLRI; "attribute-discard" drops only the attribute.
 */
export type ErrorAction = 'session-reset' | 'treat-as-withdraw' | 'attribute-discard';

export interface BgpError {
  /** NOTIFICATION Error Code (ErrorCode.*). */
  code: number;
  /** NOTIFICATION Error Subcode (HeaderSubcode.*, OpenSubcode.*, UpdateSubcode.*, ...). */
  subcode: number;
  /** NOTIFICATION Data as the RFC prescribes for this error (often empty). */
  data: Uint8Array;
  action: ErrorAction;
  /** Human detail for logs; tests match on code/subcode, not on this text. */
  reason: string;
}

export type BgpResult<T> = { ok: true; value: T } | { ok: false; error: BgpError };

const EMPTY = new Uint8Array(0);

export function bgpOk<T>(value: T): BgpResult<T> {
  return { ok: true, value };
}

export function bgpError(
  code: number, subcode: number, reason: string, data: Uint8Array = EMPTY, action: ErrorAction = 'session-reset',
): BgpError {
  return { code, subcode, data, action, reason: `${notificationName(code, subcode)}: ${reason}` };
}

export function bgpFail<T = never>(
  code: number, subcode: number, reason: string, data: Uint8Array = EMPTY,
): BgpResult<T> {
  return { ok: false, error: bgpError(code, subcode, reason, data, 'session-reset') };
}

export function encodeError(message: string): KemuError {
  return new KemuError('ERR_BGP_ENCODE', message);
}

/** Encoder-side guard for unsigned integer fields. */
export function checkUintField(value: number, bits: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw encodeError(`${field}=${value} does not fit in ${bits} bits`);
  }
}
