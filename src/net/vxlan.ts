/**
 * VXLAN (RFC 7348): an 8-byte header in front of an inner Ethernet frame, carried over UDP.
 * Flannel's vxlan backend uses the Linux kernel's historical port 8472 and VNI 1; calico uses 4789.
 */

import { type Result, checkSpace, checkUint, fail, ok } from './errors.js';
import { placePayload, writeU32 } from './bytes.js';

export const VXLAN_HEADER_LEN = 8;
export const VXLAN_PORT = 4789; // IANA
export const FLANNEL_VXLAN_PORT = 8472; // Linux default before IANA assignment; flannel keeps it
export const FLANNEL_VXLAN_VNI = 1;
/** Overhead added to the inner frame on the underlay: outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14. */
export const VXLAN_OVERHEAD = 50;
const FLAG_VNI_VALID = 0x08; // the I flag

export interface VxlanPacket {
  vni: number;
  /** The inner Ethernet frame, as a view. */
  payload: Uint8Array;
}

/** Decodes the UDP payload of a VXLAN packet. Reserved bits are ignored on receipt, as RFC 7348 requires. */
export function decodeVxlan(buf: Uint8Array): Result<VxlanPacket> {
  if (buf.length < VXLAN_HEADER_LEN) return fail('ERR_TRUNCATED', `VXLAN packet of ${buf.length} bytes is shorter than 8`);
  if ((buf[0]! & FLAG_VNI_VALID) === 0) return fail('ERR_BAD_FIELD', 'VXLAN I flag not set: no valid VNI');
  return ok({ vni: (buf[4]! << 16) | (buf[5]! << 8) | buf[6]!, payload: buf.subarray(VXLAN_HEADER_LEN) });
}

export function encodeVxlanInto(buf: Uint8Array, off: number, vni: number, innerFrame: Uint8Array): number {
  checkUint(vni, 24, 'vni');
  const length = VXLAN_HEADER_LEN + innerFrame.length;
  checkSpace(buf, off, length, 'VXLAN packet');
  writeVxlanHeader(buf, off, vni);
  placePayload(buf, off + VXLAN_HEADER_LEN, innerFrame);
  return length;
}

/** Unchecked: the 8-byte header (I flag, `vni`) at `off`, for callers whose VNI is valid (a configured device). */
export function writeVxlanHeader(buf: Uint8Array, off: number, vni: number): void {
  writeU32(buf, off, FLAG_VNI_VALID << 24);
  writeU32(buf, off + 4, vni << 8);
}

export function encodeVxlan(vni: number, innerFrame: Uint8Array): Uint8Array {
  const out = new Uint8Array(VXLAN_HEADER_LEN + innerFrame.length);
  encodeVxlanInto(out, 0, vni, innerFrame);
  return out;
}

/**
 * UDP source port for an encapsulated frame: a hash of the inner flow (IPv4 addresses, protocol and
 * ports; MACs and EtherType for anything else) so a flow keeps one outer port while flows spread
 * over ECMP paths (RFC 7348 section 5). 32768-60999 is Linux's default ip_local_port_range.
 */
export function vxlanSourcePort(innerFrame: Uint8Array): number {
  // FNV-1a over the fields, in place (no helper closure: this runs for every encapsulated frame).
  let hash = 0x811c9dc5;
  const ip = 14;
  if (innerFrame.length >= ip + 20 && innerFrame[12] === 0x08 && innerFrame[13] === 0x00) {
    hash = Math.imul(hash ^ innerFrame[ip + 9]!, 0x01000193); // protocol
    for (let i = ip + 12; i < ip + 20; i++) hash = Math.imul(hash ^ innerFrame[i]!, 0x01000193); // src, dst
    const l4 = ip + (innerFrame[ip]! & 0x0f) * 4;
    const firstFragment = (((innerFrame[ip + 6]! & 0x1f) << 8) | innerFrame[ip + 7]!) === 0;
    const protocol = innerFrame[ip + 9];
    if (firstFragment && (protocol === 6 || protocol === 17) && innerFrame.length >= l4 + 4) {
      for (let i = l4; i < l4 + 4; i++) hash = Math.imul(hash ^ innerFrame[i]!, 0x01000193); // ports
    }
  } else {
    const end = Math.min(innerFrame.length, 14);
    for (let i = 0; i < end; i++) hash = Math.imul(hash ^ innerFrame[i]!, 0x01000193);
  }
  return 32768 + ((hash >>> 0) % (61000 - 32768));
}
