/**
 * Classic libpcap file format (magic 0xa1b2c3d4, version 2.4, microsecond timestamps), as bytes.
 * Fields are written little-endian, as tcpdump does on x86; readers detect the order from the magic.
 * File handling belongs to the caller: write pcapHeader once, then a pcapRecord per frame.
 */

import { CodecError, checkUint } from './errors.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101; // raw IPv4/IPv6, no link header: for tunnel and pod-side captures
export const PCAP_MAGIC = 0xa1b2c3d4;
export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const DEFAULT_SNAPLEN = 262144; // tcpdump's default

export interface PcapTimestamp {
  sec: number;
  usec: number;
}

export function pcapHeader(linkType: number, snaplen: number = DEFAULT_SNAPLEN): Uint8Array {
  checkUint(linkType, 32, 'linkType');
  checkUint(snaplen, 32, 'snaplen');
  const out = new Uint8Array(PCAP_FILE_HEADER_LEN);
  const view = new DataView(out.buffer);
  view.setUint32(0, PCAP_MAGIC, true);
  view.setUint16(4, 2, true); // version major
  view.setUint16(6, 4, true); // version minor
  view.setInt32(8, 0, true); // thiszone: timestamps are UTC
  view.setUint32(12, 0, true); // sigfigs
  view.setUint32(16, snaplen, true);
  view.setUint32(20, linkType, true);
  return out;
}

/** Splits milliseconds (fractions allowed, e.g. from a Clock) into seconds and microseconds. */
export function toPcapTimestamp(ts: number | PcapTimestamp): PcapTimestamp {
  if (typeof ts !== 'number') return ts;
  if (!Number.isFinite(ts) || ts < 0) throw new CodecError('ERR_BAD_FIELD', `bad pcap timestamp ${ts}`);
  let sec = Math.floor(ts / 1000);
  let usec = Math.round((ts - sec * 1000) * 1000);
  if (usec >= 1_000_000) {
    sec += 1;
    usec -= 1_000_000;
  }
  return { sec, usec };
}

/**
 * The 16-byte record header alone, for writers that send [header, frame] without copying the frame.
 * `capturedLength` is min(frame length, snaplen).
 */
export function pcapRecordHeader(ts: number | PcapTimestamp, originalLength: number, snaplen: number = DEFAULT_SNAPLEN): Uint8Array {
  const { sec, usec } = toPcapTimestamp(ts);
  checkUint(sec, 32, 'sec');
  if (!Number.isInteger(usec) || usec < 0 || usec >= 1_000_000) throw new CodecError('ERR_BAD_FIELD', `usec=${usec}`);
  checkUint(originalLength, 32, 'originalLength');
  const out = new Uint8Array(PCAP_RECORD_HEADER_LEN);
  const view = new DataView(out.buffer);
  view.setUint32(0, sec, true);
  view.setUint32(4, usec, true);
  view.setUint32(8, Math.min(originalLength, snaplen), true);
  view.setUint32(12, originalLength, true);
  return out;
}

/** Record header followed by the frame, truncated to `snaplen`. */
export function pcapRecord(ts: number | PcapTimestamp, frame: Uint8Array, snaplen: number = DEFAULT_SNAPLEN): Uint8Array {
  const captured = Math.min(frame.length, snaplen);
  const out = new Uint8Array(PCAP_RECORD_HEADER_LEN + captured);
  out.set(pcapRecordHeader(ts, frame.length, snaplen));
  out.set(frame.subarray(0, captured), PCAP_RECORD_HEADER_LEN);
  return out;
}
