/** The segments the pure core consumes and produces: header fields only, no addresses or bytes on the wire. */

export { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../net/index.js';

/** A received segment, validated and parsed by the layer (or written by hand in tests). */
export interface InSegment {
  seq: number;
  ack: number;
  flags: number;
  /** The window field as received (scaled by the connection when not a SYN). */
  window: number;
  /** SYN options. */
  mss?: number;
  windowScale?: number;
  payload: Uint8Array;
}

/**
 * A segment to send. Its payload is `length` bytes of the connection's send buffer starting
 * `offset` bytes after SND.UNA at the time of the call: the transmitter copies them straight into
 * the packet (TcpConnection.send.copyOut) while the callback runs.
 */
export interface OutSegment {
  seq: number;
  ack: number;
  flags: number;
  /** The window field (already scaled). */
  window: number;
  mss?: number;
  windowScale?: number;
  offset: number;
  length: number;
}

/** Sequence space a segment occupies: data plus one for SYN and one for FIN (RFC 9293 SEG.LEN). */
export function segmentLength(flags: number, payloadLength: number): number {
  return payloadLength + (flags & 0x02 ? 1 : 0) + (flags & 0x01 ? 1 : 0);
}
