/**
 * Splits a TCP byte stream into BGP messages. TCP delivers arbitrary chunks: a message may arrive
 * in pieces, and one chunk may hold many messages. The header is checked as soon as its 19 octets
 * are in, so a bad marker or length is reported without waiting for a body that may never come.
 */
import { HEADER_LEN } from './constants.js';
import type { BgpError } from './errors.js';
import { decodeHeader } from './header.js';

export interface FramerOutput {
  /** Whole messages (header included), in stream order, each a copy the caller may keep. */
  messages: Uint8Array[];
  /** Set when the stream broke; the framer then refuses further input (the session must close). */
  error?: BgpError;
}

export class Framer {
  private buf = new Uint8Array(0);
  private broken: BgpError | undefined;

  push(chunk: Uint8Array): FramerOutput {
    if (this.broken) return { messages: [], error: this.broken };
    const data = this.buf.length === 0 ? chunk : concat(this.buf, chunk);
    const messages: Uint8Array[] = [];
    let off = 0;
    while (data.length - off >= HEADER_LEN) {
      const header = decodeHeader(data, off);
      if (!header.ok) {
        this.broken = header.error;
        this.buf = new Uint8Array(0);
        return { messages, error: header.error };
      }
      if (data.length - off < header.value.length) break;
      messages.push(data.slice(off, off + header.value.length));
      off += header.value.length;
    }
    this.buf = data.slice(off);
    return { messages };
  }

  /** Octets held for an incomplete message. */
  get pending(): number {
    return this.buf.length;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
