/**
 * Typed codec errors with stable codes (callers and tests match on `code`, never on message text),
 * and the `Result<T>` union every decoder returns: decoders never throw on bad input.
 * Encoders, which take values written by our own code, throw CodecError on invalid fields.
 */

export type CodecErrorCode =
  | 'ERR_TRUNCATED' // input shorter than a header or a declared length
  | 'ERR_BAD_CHECKSUM'
  | 'ERR_BAD_VERSION'
  | 'ERR_BAD_LENGTH' // a length field that is impossible (too small, not aligned, beyond 65535)
  | 'ERR_BAD_OPTION' // malformed IPv4/TCP option list
  | 'ERR_BAD_FIELD' // a field value this codec does not accept (ARP hardware type, VXLAN I flag, port > 65535...)
  | 'ERR_BAD_ADDRESS' // an unparsable IPv4 or MAC address string
  | 'ERR_NO_SPACE' // encodeInto target buffer too small
  | 'ERR_FRAG_NEEDED' // packet exceeds the MTU and has DF set
  | 'ERR_FRAG_OVERLAP' // reassembly saw partially overlapping fragments; the datagram was dropped
  | 'ERR_FRAG_DUPLICATE' // fragment already held; it was ignored, the reassembly continues
  | 'ERR_FRAG_LIMIT'; // reassembly caps reached; the fragment was dropped

export class CodecError extends Error {
  readonly code: CodecErrorCode;
  constructor(code: CodecErrorCode, message: string) {
    super(message);
    this.name = 'CodecError';
    this.code = code;
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: CodecError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: CodecErrorCode, message: string): Result<T> {
  return { ok: false, error: new CodecError(code, message) };
}

/** 2^bits for every field width an encoder checks, so the guard does no exponentiation. */
const FIELD_LIMITS = Array.from({ length: 33 }, (_, bits) => 2 ** bits);

/** Encoder-side guard: throws for values that do not fit an unsigned field of `bits` bits. */
export function checkUint(value: number, bits: number, field: string): void {
  // One comparison chain on the valid path (NaN fails `>= 0`); the message is built only on failure.
  if (!(typeof value === 'number' && value >= 0 && value < FIELD_LIMITS[bits]! && Math.floor(value) === value)) {
    throw new CodecError('ERR_BAD_FIELD', `${field}=${value} does not fit in ${bits} bits`);
  }
}

/** Encoder-side guard: throws when `buf` has fewer than `needed` bytes from `off`. */
export function checkSpace(buf: Uint8Array, off: number, needed: number, what: string): void {
  if (off < 0 || buf.length - off < needed) {
    throw new CodecError('ERR_NO_SPACE', `${what} needs ${needed} bytes at offset ${off}, buffer has ${buf.length}`);
  }
}
