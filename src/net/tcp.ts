/** TCP header (RFC 9293) with the options a Linux stack sends: MSS, window scale, SACK, timestamps. */

import { type Result, CodecError, checkSpace, checkUint, fail, ok } from './errors.js';
import { placePayload, readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { type PseudoHeaderAddrs, checksumAdd, checksumFinish, pseudoHeaderSum } from './checksum.js';
import { IPPROTO_TCP } from './ipv4.js';

export const TCP_MIN_HEADER_LEN = 20;
export const TCP_MAX_HEADER_LEN = 60;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_SACK = 5;
const OPT_TIMESTAMP = 8;

export interface SackBlock {
  left: number;
  right: number;
}

/** Parsed options; unknown kinds are skipped by their length byte (still visible in rawOptions). */
export interface TcpOptions {
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  timestamp?: { value: number; echo: number };
  sack?: SackBlock[];
}

export interface TcpHeaderInit {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** OR of TCP_FIN..TCP_CWR. */
  flags: number;
  window: number;
  urgentPointer?: number;
  options?: TcpOptions;
  /** Sent verbatim (EOL-padded to 4 bytes) instead of `options` when given. */
  rawOptions?: Uint8Array;
}

export interface TcpSegment extends TcpHeaderInit {
  /** Data offset in bytes (the wire field times 4). */
  headerLength: number;
  urgentPointer: number;
  checksum: number;
  options: TcpOptions;
  rawOptions: Uint8Array;
  payload: Uint8Array;
}

/** Decodes a segment; `buf` is exactly the IP payload. The checksum is verified when `addrs` is given. */
export function decodeTcp(buf: Uint8Array, addrs?: PseudoHeaderAddrs): Result<TcpSegment> {
  if (buf.length < TCP_MIN_HEADER_LEN) return fail('ERR_TRUNCATED', `TCP segment of ${buf.length} bytes is shorter than 20`);
  const headerLength = (buf[12]! >>> 4) * 4;
  if (headerLength < TCP_MIN_HEADER_LEN) return fail('ERR_BAD_LENGTH', `TCP data offset ${headerLength / 4} is below 5`);
  if (headerLength > buf.length) return fail('ERR_TRUNCATED', `TCP header needs ${headerLength} bytes, have ${buf.length}`);
  if (addrs !== undefined) {
    const sum = checksumAdd(buf, 0, buf.length, pseudoHeaderSum(addrs.src, addrs.dst, IPPROTO_TCP, buf.length));
    if (checksumFinish(sum) !== 0) return fail('ERR_BAD_CHECKSUM', 'TCP checksum mismatch');
  }
  const rawOptions = buf.subarray(TCP_MIN_HEADER_LEN, headerLength);
  const options = decodeTcpOptions(rawOptions);
  if (!options.ok) return options;
  return ok({
    srcPort: readU16(buf, 0),
    dstPort: readU16(buf, 2),
    seq: readU32(buf, 4),
    ack: readU32(buf, 8),
    headerLength,
    flags: buf[13]!,
    window: readU16(buf, 14),
    checksum: readU16(buf, 16),
    urgentPointer: readU16(buf, 18),
    options: options.value,
    rawOptions,
    payload: buf.subarray(headerLength),
  });
}

export function decodeTcpOptions(raw: Uint8Array): Result<TcpOptions> {
  const options: TcpOptions = {};
  for (let i = 0; i < raw.length;) {
    const kind = raw[i]!;
    if (kind === OPT_EOL) break;
    if (kind === OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= raw.length) return fail('ERR_BAD_OPTION', `TCP option ${kind} has no length byte`);
    const length = raw[i + 1]!;
    if (length < 2 || i + length > raw.length) return fail('ERR_BAD_OPTION', `TCP option ${kind} has bad length ${length}`);
    switch (kind) {
      case OPT_MSS:
        if (length !== 4) return optionLengthError(kind, length, 4);
        options.mss = readU16(raw, i + 2);
        break;
      case OPT_WSCALE:
        if (length !== 3) return optionLengthError(kind, length, 3);
        options.windowScale = raw[i + 2]!; // RFC 7323 caps the shift at 14; that is the stack's job
        break;
      case OPT_SACK_PERMITTED:
        if (length !== 2) return optionLengthError(kind, length, 2);
        options.sackPermitted = true;
        break;
      case OPT_TIMESTAMP:
        if (length !== 10) return optionLengthError(kind, length, 10);
        options.timestamp = { value: readU32(raw, i + 2), echo: readU32(raw, i + 6) };
        break;
      case OPT_SACK: {
        if (length < 10 || (length - 2) % 8 !== 0) return optionLengthError(kind, length, 10);
        const blocks: SackBlock[] = [];
        for (let j = i + 2; j < i + length; j += 8) blocks.push({ left: readU32(raw, j), right: readU32(raw, j + 4) });
        options.sack = blocks;
        break;
      }
      default:
        break; // unknown option: skipped by length
    }
    i += length;
  }
  return ok(options);
}

function optionLengthError(kind: number, length: number, expected: number): Result<TcpOptions> {
  return fail('ERR_BAD_OPTION', `TCP option ${kind} has length ${length}, expected ${expected}`);
}

/** Bytes the options take on the wire, in the layout Linux uses (NOP-aligned, multiple of 4). */
export function tcpOptionsLength(o: TcpOptions): number {
  let n = 0;
  if (o.mss !== undefined) n += 4;
  if (o.timestamp !== undefined) n += 12; // SACK-permitted rides in the timestamp's NOP padding
  else if (o.sackPermitted) n += 4;
  if (o.windowScale !== undefined) n += 4;
  if (o.sack !== undefined && o.sack.length > 0) n += 4 + 8 * o.sack.length;
  return n;
}

/** Writes options at `off` in Linux's order (tcp_options_write); returns bytes written. */
export function writeTcpOptions(buf: Uint8Array, off: number, o: TcpOptions): number {
  let p = off;
  if (o.mss !== undefined) {
    checkUint(o.mss, 16, 'mss');
    buf[p] = OPT_MSS; buf[p + 1] = 4; writeU16(buf, p + 2, o.mss); p += 4;
  }
  if (o.timestamp !== undefined) {
    checkUint(o.timestamp.value, 32, 'timestamp.value');
    checkUint(o.timestamp.echo, 32, 'timestamp.echo');
    if (o.sackPermitted) { buf[p] = OPT_SACK_PERMITTED; buf[p + 1] = 2; } else { buf[p] = OPT_NOP; buf[p + 1] = OPT_NOP; }
    buf[p + 2] = OPT_TIMESTAMP; buf[p + 3] = 10;
    writeU32(buf, p + 4, o.timestamp.value); writeU32(buf, p + 8, o.timestamp.echo); p += 12;
  } else if (o.sackPermitted) {
    buf[p] = OPT_NOP; buf[p + 1] = OPT_NOP; buf[p + 2] = OPT_SACK_PERMITTED; buf[p + 3] = 2; p += 4;
  }
  if (o.windowScale !== undefined) {
    checkUint(o.windowScale, 8, 'windowScale');
    buf[p] = OPT_NOP; buf[p + 1] = OPT_WSCALE; buf[p + 2] = 3; buf[p + 3] = o.windowScale; p += 4;
  }
  if (o.sack !== undefined && o.sack.length > 0) {
    buf[p] = OPT_NOP; buf[p + 1] = OPT_NOP; buf[p + 2] = OPT_SACK; buf[p + 3] = 2 + 8 * o.sack.length; p += 4;
    for (const block of o.sack) {
      checkUint(block.left, 32, 'sack.left');
      checkUint(block.right, 32, 'sack.right');
      writeU32(buf, p, block.left); writeU32(buf, p + 4, block.right); p += 8;
    }
  }
  return p - off;
}

export function tcpHeaderLength(header: Pick<TcpHeaderInit, 'options' | 'rawOptions'>): number {
  const optionBytes = header.rawOptions !== undefined
    ? (header.rawOptions.length + 3) & ~3
    : header.options === undefined ? 0 : tcpOptionsLength(header.options);
  return TCP_MIN_HEADER_LEN + optionBytes;
}

/** Writes header (checksum over the pseudo-header computed) and payload at `off`; returns the segment length. */
export function encodeTcpInto(
  buf: Uint8Array, off: number, header: TcpHeaderInit, payload: Uint8Array, addrs: PseudoHeaderAddrs,
): number {
  const headerLength = tcpHeaderLength(header);
  if (headerLength > TCP_MAX_HEADER_LEN) throw new CodecError('ERR_BAD_OPTION', `TCP options need ${headerLength - 20} bytes > 40`);
  checkUint(header.srcPort, 16, 'srcPort');
  checkUint(header.dstPort, 16, 'dstPort');
  checkUint(header.seq, 32, 'seq');
  checkUint(header.ack, 32, 'ack');
  checkUint(header.flags, 8, 'flags');
  checkUint(header.window, 16, 'window');
  const urgentPointer = header.urgentPointer ?? 0;
  checkUint(urgentPointer, 16, 'urgentPointer');
  const length = headerLength + payload.length;
  checkSpace(buf, off, length, 'TCP segment');
  writeU16(buf, off, header.srcPort);
  writeU16(buf, off + 2, header.dstPort);
  writeU32(buf, off + 4, header.seq);
  writeU32(buf, off + 8, header.ack);
  buf[off + 12] = (headerLength / 4) << 4;
  buf[off + 13] = header.flags;
  writeU16(buf, off + 14, header.window);
  writeU16(buf, off + 16, 0);
  writeU16(buf, off + 18, urgentPointer);
  const optionsStart = off + TCP_MIN_HEADER_LEN;
  if (header.rawOptions !== undefined) {
    buf.set(header.rawOptions, optionsStart);
    buf.fill(OPT_EOL, optionsStart + header.rawOptions.length, off + headerLength);
  } else if (header.options !== undefined) {
    writeTcpOptions(buf, optionsStart, header.options);
  }
  placePayload(buf, off + headerLength, payload);
  const sum = checksumAdd(buf, off, off + length, pseudoHeaderSum(addrs.src, addrs.dst, IPPROTO_TCP, length));
  writeU16(buf, off + 16, checksumFinish(sum));
  return length;
}

export function encodeTcp(header: TcpHeaderInit, payload: Uint8Array, addrs: PseudoHeaderAddrs): Uint8Array {
  const out = new Uint8Array(tcpHeaderLength(header) + payload.length);
  encodeTcpInto(out, 0, header, payload, addrs);
  return out;
}
