/**
 * kemu iperf's UDP datagrams (big-endian): data "KIPD" seq:u32 sentAtMs:f64 + padding; end of test
 * "KIPE" count:u32 bytes:f64; the server's report "KIPR" received:u32 lost:u32 outOfOrder:u32
 * bytes:f64 jitterMs:f64. Decoders return undefined for anything else.
 */

export const UDP_HEADER_BYTES = 16;
export const UDP_REPORT_BYTES = 32;

const MAGIC_DATA = 0x4b495044; // KIPD
const MAGIC_END = 0x4b495045; // KIPE
const MAGIC_REPORT = 0x4b495052; // KIPR

export type UdpMessage =
  | { type: 'data'; seq: number; sentAtMs: number; length: number }
  | { type: 'end'; count: number; bytes: number }
  | { type: 'report'; received: number; lost: number; outOfOrder: number; bytes: number; jitterMs: number };

export interface UdpReport {
  received: number;
  lost: number;
  outOfOrder: number;
  bytes: number;
  jitterMs: number;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function encodeData(seq: number, sentAtMs: number, length: number): Uint8Array {
  const b = new Uint8Array(Math.max(UDP_HEADER_BYTES, length));
  const v = view(b);
  v.setUint32(0, MAGIC_DATA);
  v.setUint32(4, seq >>> 0);
  v.setFloat64(8, sentAtMs);
  return b;
}

export function encodeEnd(count: number, bytes: number): Uint8Array {
  const b = new Uint8Array(UDP_HEADER_BYTES);
  const v = view(b);
  v.setUint32(0, MAGIC_END);
  v.setUint32(4, count >>> 0);
  v.setFloat64(8, bytes);
  return b;
}

export function encodeReport(r: UdpReport): Uint8Array {
  const b = new Uint8Array(UDP_REPORT_BYTES);
  const v = view(b);
  v.setUint32(0, MAGIC_REPORT);
  v.setUint32(4, r.received >>> 0);
  v.setUint32(8, r.lost >>> 0);
  v.setUint32(12, r.outOfOrder >>> 0);
  v.setFloat64(16, r.bytes);
  v.setFloat64(24, r.jitterMs);
  return b;
}

export function decodeUdp(b: Uint8Array): UdpMessage | undefined {
  if (b.length < UDP_HEADER_BYTES) return undefined;
  const v = view(b);
  switch (v.getUint32(0)) {
    case MAGIC_DATA:
      return { type: 'data', seq: v.getUint32(4), sentAtMs: v.getFloat64(8), length: b.length };
    case MAGIC_END:
      return { type: 'end', count: v.getUint32(4), bytes: v.getFloat64(8) };
    case MAGIC_REPORT:
      if (b.length < UDP_REPORT_BYTES) return undefined;
      return { type: 'report', received: v.getUint32(4), lost: v.getUint32(8), outOfOrder: v.getUint32(12), bytes: v.getFloat64(16), jitterMs: v.getFloat64(24) };
    default:
      return undefined;
  }
}

/** The TCP sink's answer after the sender's FIN: how many bytes it received. */
export function tcpReportLine(bytes: number): string {
  return `bytes=${bytes}\n`;
}

export function parseTcpReport(text: string): number | undefined {
  const m = /^bytes=(\d+)\n/.exec(text);
  return m ? Number(m[1]) : undefined;
}
