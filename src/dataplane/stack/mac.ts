/** MAC helpers the devices share: generation, numeric keys for tables, IPv4 multicast mapping. */

/** A random locally administered unicast address, as Linux eth_random_addr gives veths and bridges. */
export function randomMac(): Uint8Array {
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = Math.floor(Math.random() * 256);
  out[0] = (out[0]! & 0xfe) | 0x02;
  return out;
}

/** The 48 bits as one number (exact in a double): a Map key without building strings per frame. */
export function macKey(buf: Uint8Array, off = 0): number {
  return (
    buf[off]! * 0x10000000000 + buf[off + 1]! * 0x100000000 +
    ((buf[off + 2]! << 24) | (buf[off + 3]! << 16) | (buf[off + 4]! << 8) | buf[off + 5]!) >>> 0
  );
}

/** RFC 1112: 01:00:5e followed by the low 23 bits of the group address. */
export function ipv4MulticastMac(ip: number): Uint8Array {
  return new Uint8Array([0x01, 0x00, 0x5e, (ip >>> 16) & 0x7f, (ip >>> 8) & 0xff, ip & 0xff]);
}
