/** ARP (RFC 826) for IPv4 over Ethernet: the only combination kemu's hosts speak. */

import { type Result, CodecError, checkSpace, checkUint, fail, ok } from './errors.js';
import { readU16, readU32, writeU16, writeU32 } from './bytes.js';
import { ETHERTYPE_IPV4 } from './ethernet.js';

export const ARP_PACKET_LEN = 28;
export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;
const HTYPE_ETHERNET = 1;

export interface ArpPacket {
  op: number;
  senderMac: Uint8Array;
  senderIp: number;
  /** All zeros in a request (the address being asked for is unknown). */
  targetMac: Uint8Array;
  targetIp: number;
}

export function decodeArp(buf: Uint8Array): Result<ArpPacket> {
  if (buf.length < ARP_PACKET_LEN) return fail('ERR_TRUNCATED', `ARP packet of ${buf.length} bytes is shorter than 28`);
  const htype = readU16(buf, 0);
  const ptype = readU16(buf, 2);
  if (htype !== HTYPE_ETHERNET || ptype !== ETHERTYPE_IPV4 || buf[4] !== 6 || buf[5] !== 4) {
    return fail('ERR_BAD_FIELD', `unsupported ARP htype=${htype} ptype=0x${ptype.toString(16)} hlen=${buf[4]} plen=${buf[5]}`);
  }
  const op = readU16(buf, 6);
  if (op !== ARP_OP_REQUEST && op !== ARP_OP_REPLY) return fail('ERR_BAD_FIELD', `unsupported ARP op ${op}`);
  return ok({
    op,
    senderMac: buf.subarray(8, 14),
    senderIp: readU32(buf, 14),
    targetMac: buf.subarray(18, 24),
    targetIp: readU32(buf, 24),
  });
}

export function encodeArpInto(buf: Uint8Array, off: number, packet: ArpPacket): number {
  checkUint(packet.op, 16, 'op');
  if (packet.senderMac.length !== 6 || packet.targetMac.length !== 6) {
    throw new CodecError('ERR_BAD_FIELD', 'ARP MAC addresses must be 6 bytes');
  }
  checkSpace(buf, off, ARP_PACKET_LEN, 'ARP packet');
  writeU16(buf, off, HTYPE_ETHERNET);
  writeU16(buf, off + 2, ETHERTYPE_IPV4);
  buf[off + 4] = 6;
  buf[off + 5] = 4;
  writeU16(buf, off + 6, packet.op);
  buf.set(packet.senderMac, off + 8);
  writeU32(buf, off + 14, packet.senderIp);
  buf.set(packet.targetMac, off + 18);
  writeU32(buf, off + 24, packet.targetIp);
  return ARP_PACKET_LEN;
}

export function encodeArp(packet: ArpPacket): Uint8Array {
  const out = new Uint8Array(ARP_PACKET_LEN);
  encodeArpInto(out, 0, packet);
  return out;
}
