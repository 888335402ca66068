/** The connection states (RFC 9293 3.3.2) and the events a connection reports to its owner. */
import type { OutSegment } from './segment.js';

export type TcpState =
  | 'CLOSED' | 'LISTEN' | 'SYN-SENT' | 'SYN-RECEIVED' | 'ESTABLISHED' | 'FIN-WAIT-1' | 'FIN-WAIT-2' | 'CLOSE-WAIT' | 'CLOSING'
  | 'LAST-ACK' | 'TIME-WAIT';

/** Past the handshake (the states where sequence numbers of both sides are known and ACKed). */
export function isSynchronized(state: TcpState): boolean {
  return state !== 'CLOSED' && state !== 'LISTEN' && state !== 'SYN-SENT' && state !== 'SYN-RECEIVED';
}

export interface ConnectionEvents {
  /** A segment to put on the wire (copy its payload from the connection's send buffer during the call). */
  transmit(seg: OutSegment): void;
  /** The handshake completed. */
  established(): void;
  /** In-order data is waiting: take() it. */
  readable(): void;
  /** The peer's FIN arrived in order: after what take() returns, no more data comes. */
  remoteClosed(): void;
  /** Acknowledged data left the send buffer: there is room for more writes. */
  writable(): void;
  /** The connection reached CLOSED: `error` is an errno code (ECONNREFUSED, ECONNRESET, ETIMEDOUT...) or undefined. */
  closed(error: string | undefined): void;
  /** Bytes the application took but has not consumed yet; they count against the receive window. */
  appBuffered?(): number;
}

/** Events queued during a call and delivered at its end (bit flags). */
export const EV_ESTABLISHED = 1;
export const EV_READABLE = 2;
export const EV_REMOTE_FIN = 4;
export const EV_WRITABLE = 8;
export const EV_CLOSED = 16;
