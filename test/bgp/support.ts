/** Helpers for the BGP tests: raw message builders (independent of the encoder), a seeded PRNG, hex. */
import { Rng, hex, toHex } from '../net/support.js';

export { Rng, hex, toHex };

const MARKER = 'ffffffffffffffffffffffffffffffff';

/** A whole message from a type and a hex body, the header written by hand. */
export function rawMessage(type: number, bodyHex: string): Uint8Array {
  const body = hex(bodyHex);
  const len = 19 + body.length;
  return hex(MARKER + len.toString(16).padStart(4, '0') + type.toString(16).padStart(2, '0') + toHex(body));
}

/** One path attribute as hex: flags, type, 1- or 2-octet length (per the flags), value. */
export function rawAttr(flags: number, type: number, valueHex: string): string {
  const v = valueHex.replace(/\s+/g, '');
  const n = v.length / 2;
  const len = flags & 0x10 ? n.toString(16).padStart(4, '0') : n.toString(16).padStart(2, '0');
  return flags.toString(16).padStart(2, '0') + type.toString(16).padStart(2, '0') + len + v;
}

/** An UPDATE from hex parts; lengths are computed unless given (to build overruns). */
export function rawUpdate(parts: { withdrawn?: string; attrs?: string; nlri?: string; withdrawnLen?: number; attrLen?: number }): Uint8Array {
  const w = (parts.withdrawn ?? '').replace(/\s+/g, '');
  const a = (parts.attrs ?? '').replace(/\s+/g, '');
  const n = (parts.nlri ?? '').replace(/\s+/g, '');
  const wl = parts.withdrawnLen ?? w.length / 2;
  const al = parts.attrLen ?? a.length / 2;
  return rawMessage(2, wl.toString(16).padStart(4, '0') + w + al.toString(16).padStart(4, '0') + a + n);
}

/** ORIGIN IGP, AS_PATH [65001] (4-octet), NEXT_HOP 10.0.0.1: the minimum a route needs. */
export const BASE_ATTRS = rawAttr(0x40, 1, '00') + rawAttr(0x40, 2, '02 01 0000fde9') + rawAttr(0x40, 3, '0a000001');

/**
 * A BGP-aware mutation: usually keeps the marker and fixes the length field after changing the
 * body, so that the fuzz reaches the OPEN/UPDATE decoders instead of dying at the header.
 */
export function mutateMessage(rng: Rng, seed: Uint8Array): Uint8Array {
  const body = seed.slice(19);
  const choice = rng.int(5);
  let out: Uint8Array;
  if (choice === 0) {
    for (let i = 0, n = 1 + rng.int(4); i < n && body.length > 0; i++) body[rng.int(body.length)]! ^= 1 << rng.int(8);
    out = body;
  } else if (choice === 1) out = body.slice(0, rng.int(body.length + 1));
  else if (choice === 2) {
    out = new Uint8Array(body.length + 1 + rng.int(40));
    out.set(body);
    out.set(rng.bytes(out.length - body.length), body.length);
  } else if (choice === 3) {
    out = body;
    if (out.length > 0) out[rng.int(out.length)] = rng.pick([0, 1, 2, 3, 4, 0x10, 0x20, 0x40, 0x80, 0xc0, 0xff]);
  } else {
    const msg = seed.slice();
    msg[rng.int(msg.length)] = rng.int(256); // anywhere, header included
    return msg;
  }
  const msg = new Uint8Array(19 + out.length);
  msg.set(seed.subarray(0, 19));
  msg.set(out, 19);
  if (rng.int(8) !== 0) {
    msg[16] = msg.length >> 8;
    msg[17] = msg.length & 0xff;
  }
  return msg;
}
