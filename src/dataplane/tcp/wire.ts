/**
 * TCP segments on the wire, for the layer: parsing a received IPv4 datagram (checksum, data offset,
 * options) into an InSegment without throwing, and writing an OutSegment with its IPv4 header
 * straight into a pool packet (headroom for the encapsulations below, no second copy).
 */
import {
  DEFAULT_TTL, IPPROTO_TCP, IPV4_FLAG_DF, IPV4_MIN_HEADER_LEN, TCP_MIN_HEADER_LEN, checksumAdd, checksumFinish, decodeTcpOptions,
  pseudoHeaderSum, readU16, readU32, writeIpv4Header, writeU16, writeU32,
} from '../../net/index.js';
import { allocPacket, sliceView } from '../stack/pool.js';
import type { InSegment, OutSegment } from './segment.js';

export interface ParsedSegment extends InSegment {
  srcPort: number;
  dstPort: number;
}

/** Why a datagram is not a usable segment (TcpStats.drops reasons), or the segment. */
export type ParseResult = ParsedSegment | 'short-header' | 'bad-data-offset' | 'bad-checksum' | 'bad-option';

/** Parses the TCP segment in `packet` (a whole, validated IPv4 datagram of `totalLength` bytes). */
export function parseSegment(packet: Uint8Array, totalLength: number): ParseResult {
  const l4 = (packet[0]! & 0x0f) * 4;
  const length = totalLength - l4;
  if (length < TCP_MIN_HEADER_LEN) return 'short-header';
  const headerLength = (packet[l4 + 12]! >>> 4) * 4;
  if (headerLength < TCP_MIN_HEADER_LEN || headerLength > length) return 'bad-data-offset';
  const src = readU32(packet, 12);
  const dst = readU32(packet, 16);
  if (checksumFinish(checksumAdd(packet, l4, totalLength, pseudoHeaderSum(src, dst, IPPROTO_TCP, length))) !== 0) return 'bad-checksum';
  const seg: ParsedSegment = {
    srcPort: readU16(packet, l4),
    dstPort: readU16(packet, l4 + 2),
    seq: readU32(packet, l4 + 4),
    ack: readU32(packet, l4 + 8),
    flags: packet[l4 + 13]!,
    window: readU16(packet, l4 + 14),
    mss: undefined,
    windowScale: undefined,
    payload: sliceView(packet, l4 + headerLength, totalLength),
  };
  if (headerLength > TCP_MIN_HEADER_LEN && (seg.flags & 0x02) !== 0) { // options matter only on SYNs
    const options = decodeTcpOptions(sliceView(packet, l4 + TCP_MIN_HEADER_LEN, l4 + headerLength));
    if (!options.ok) return 'bad-option';
    seg.mss = options.value.mss;
    seg.windowScale = options.value.windowScale;
  }
  return seg;
}

export interface Endpoints {
  src: number;
  dst: number;
  srcPort: number;
  dstPort: number;
}

/**
 * An IPv4 + TCP packet for `seg` (DF set, as Linux does for TCP: path MTU discovery); the payload is
 * copied by `copyPayload(dst, offset)` straight into place.
 */
export function buildPacket(
  ends: Endpoints, seg: OutSegment, ipId: number, copyPayload?: (into: Uint8Array, at: number) => void,
): Uint8Array {
  const optionBytes = (seg.mss !== undefined ? 4 : 0) + (seg.windowScale !== undefined ? 4 : 0);
  const headerLength = TCP_MIN_HEADER_LEN + optionBytes;
  const tcpLength = headerLength + seg.length;
  const total = IPV4_MIN_HEADER_LEN + tcpLength;
  const p = allocPacket(total);
  const o = IPV4_MIN_HEADER_LEN;
  writeU16(p, o, ends.srcPort);
  writeU16(p, o + 2, ends.dstPort);
  writeU32(p, o + 4, seg.seq);
  writeU32(p, o + 8, seg.ack);
  p[o + 12] = (headerLength / 4) << 4;
  p[o + 13] = seg.flags;
  writeU16(p, o + 14, seg.window);
  writeU16(p, o + 16, 0);
  writeU16(p, o + 18, 0);
  let opt = o + TCP_MIN_HEADER_LEN;
  if (seg.mss !== undefined) { // kind 2, length 4
    p[opt] = 2; p[opt + 1] = 4; writeU16(p, opt + 2, seg.mss); opt += 4;
  }
  if (seg.windowScale !== undefined) { // NOP, kind 3, length 3 (Linux's layout)
    p[opt] = 1; p[opt + 1] = 3; p[opt + 2] = 3; p[opt + 3] = seg.windowScale; opt += 4;
  }
  if (seg.length > 0) copyPayload!(p, o + headerLength);
  const sum = checksumAdd(p, o, total, pseudoHeaderSum(ends.src, ends.dst, IPPROTO_TCP, tcpLength));
  writeU16(p, o + 16, checksumFinish(sum));
  writeIpv4Header(p, 0, total, ipId, IPV4_FLAG_DF, DEFAULT_TTL, IPPROTO_TCP, ends.src, ends.dst);
  return p;
}
