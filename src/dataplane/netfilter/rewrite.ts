/**
 * In-place NAT rewrites of IPv4 datagrams. Checksums are patched incrementally (RFC 1624) rather than
 * re-summed, as the kernel's inet_proto_csum_replace does: the IPv4 header checksum for the address,
 * the TCP/UDP checksum for the address (pseudo-header) and the port, the ICMP checksum for an echo id.
 * A quoted datagram inside an ICMP error is often cut after 8 bytes of transport header; fields that
 * are not present are left alone, as Linux's tcp_manip_pkt does with a truncated header.
 */
import {
  IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, checksumUpdate16, checksumUpdate32, internetChecksum, readU16, readU32,
  writeU16, writeU32,
} from '../../net/index.js';
import { isIcmpQuery } from './tuple.js';

/** Which end of a datagram a rewrite changes: SNAT/MASQUERADE rewrite the source, DNAT the destination. */
export type Manip = 'src' | 'dst';

/** End of the datagram at buf[ip..]: its total length, bounded by the buffer. */
export function datagramEnd(buf: Uint8Array, ip = 0): number {
  return Math.min(buf.length, ip + readU16(buf, ip + 2));
}

/**
 * Sets the source or destination address and port of the datagram at buf[ip..end); returns whether a
 * byte changed. For ICMP queries
 * the "port" is the echo id, whichever end is rewritten (as nf_nat's icmp_manip_pkt). Other protocols,
 * ICMP errors and non-first fragments change the address only.
 */
export function manipDatagram(buf: Uint8Array, ip: number, end: number, manip: Manip, addr: number, port: number): boolean {
  const ihl = (buf[ip]! & 0x0f) * 4;
  const proto = buf[ip + 9]!;
  const addrOff = ip + (manip === 'src' ? 12 : 16);
  const oldAddr = readU32(buf, addrOff);
  const l4 = ip + ihl;
  const firstFragment = (readU16(buf, ip + 6) & 0x1fff) === 0;
  let changed = false;
  if (firstFragment && (proto === IPPROTO_TCP || proto === IPPROTO_UDP)) {
    const portOff = l4 + (manip === 'src' ? 0 : 2);
    const csumOff = l4 + (proto === IPPROTO_TCP ? 16 : 6);
    if (portOff + 2 <= end && (readU16(buf, portOff) !== port || oldAddr !== addr)) {
      const oldPort = readU16(buf, portOff);
      // UDP checksum 0 means "none" and stays so; a truncated TCP header has no checksum to fix.
      if (csumOff + 2 <= end && (proto === IPPROTO_TCP || readU16(buf, csumOff) !== 0)) {
        let c = readU16(buf, csumOff);
        if (oldAddr !== addr) c = checksumUpdate32(c, oldAddr, addr);
        if (oldPort !== port) c = checksumUpdate16(c, oldPort, port);
        writeU16(buf, csumOff, proto === IPPROTO_UDP && c === 0 ? 0xffff : c);
      }
      writeU16(buf, portOff, port);
      changed = oldPort !== port;
    }
  } else if (firstFragment && proto === IPPROTO_ICMP && l4 + 8 <= end && isIcmpQuery(buf[l4]!)) {
    const oldId = readU16(buf, l4 + 4);
    if (oldId !== port) {
      writeU16(buf, l4 + 2, checksumUpdate16(readU16(buf, l4 + 2), oldId, port));
      writeU16(buf, l4 + 4, port);
      changed = true;
    }
  }
  if (oldAddr !== addr) {
    writeU16(buf, ip + 10, checksumUpdate32(readU16(buf, ip + 10), oldAddr, addr));
    writeU32(buf, addrOff, addr);
    changed = true;
  }
  return changed;
}

/**
 * Rewrites an ICMP error (nf_nat_icmp_reply_translation): first the quoted datagram, which travelled
 * the other way and so gets the opposite manip, then the ICMP checksum is recomputed over the message
 * (as Linux does: the quote changed in several places), then the outer header's address.
 */
export function translateIcmpError(
  buf: Uint8Array, end: number,
  inner: { manip: Manip; addr: number; port: number },
  outer: { manip: Manip; addr: number },
): void {
  const l4 = (buf[0]! & 0x0f) * 4;
  const quoted = l4 + 8;
  if (quoted + 20 <= end && manipDatagram(buf, quoted, end, inner.manip, inner.addr, inner.port)) {
    writeU16(buf, l4 + 2, 0);
    writeU16(buf, l4 + 2, internetChecksum(buf, l4, end));
  }
  manipDatagram(buf, 0, end, outer.manip, outer.addr, 0);
}

/** Reads the fields a PacketView carries back from the bytes after a rewrite. */
export function readPorts(buf: Uint8Array): { srcPort: number; dstPort: number } {
  const ihl = (buf[0]! & 0x0f) * 4;
  const proto = buf[9]!;
  const end = datagramEnd(buf);
  if ((readU16(buf, 6) & 0x1fff) !== 0) return { srcPort: 0, dstPort: 0 };
  if ((proto === IPPROTO_TCP || proto === IPPROTO_UDP) && ihl + 4 <= end) {
    return { srcPort: readU16(buf, ihl), dstPort: readU16(buf, ihl + 2) };
  }
  if (proto === IPPROTO_ICMP && ihl + 8 <= end && isIcmpQuery(buf[ihl]!)) return { srcPort: readU16(buf, ihl + 4), dstPort: 0 };
  return { srcPort: 0, dstPort: 0 };
}
