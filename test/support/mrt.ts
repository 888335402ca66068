/**
 * A minimal MRT writer (RFC 6396 TABLE_DUMP_V2): one PEER_INDEX_TABLE and one RIB_IPV4_UNICAST
 * record per prefix, each with a single RIB entry. `gobgp mrt inject global FILE` loads such a file
 * into gobgpd's global RIB over one gRPC stream — far faster than one `gobgp global rib add` per
 * prefix. Attributes are written by hand (not with kemu's encoder), as a route collector's dump
 * would carry them: ORIGIN, AS_PATH with 4-octet ASNs (RFC 6396 §4.3.4), NEXT_HOP.
 */

const MRT_TABLE_DUMP_V2 = 13;
const PEER_INDEX_TABLE = 1;
const RIB_IPV4_UNICAST = 2;
/** Peer Type bit: the peer's AS is 4 octets (its address is IPv4: bit 0 clear). */
const PEER_TYPE_AS4 = 0x02;

export interface MrtRoute {
  /** Network address as an unsigned 32-bit number, host bits zero. */
  addr: number;
  len: number;
  /** One AS_SEQUENCE. */
  asPath: number[];
  nextHop: number;
}

export interface MrtDump {
  /** The collector's BGP ID and the one peer every entry is attributed to. */
  collectorId: number;
  peer: { bgpId: number; address: number; asn: number };
  /** Seconds since the epoch, for the headers and the entries' originated time. */
  time: number;
  routes: Iterable<MrtRoute>;
}

class Writer {
  private buf: Uint8Array;
  length = 0;

  constructor(size = 64) {
    this.buf = new Uint8Array(size);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
  }

  u16(v: number): void {
    this.u8(v >>> 8);
    this.u8(v);
  }

  u32(v: number): void {
    this.u16(v >>> 16);
    this.u16(v & 0xffff);
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function record(out: Writer, time: number, subtype: number, body: Uint8Array): void {
  out.u32(time);
  out.u16(MRT_TABLE_DUMP_V2);
  out.u16(subtype);
  out.u32(body.length);
  out.bytes(body);
}

/** ORIGIN IGP, AS_PATH (one AS_SEQUENCE, 4-octet ASNs), NEXT_HOP: well-known transitive (flags 0x40). */
export function mrtAttributes(asPath: readonly number[], nextHop: number): Uint8Array {
  const w = new Writer();
  w.u8(0x40);
  w.u8(1);
  w.u8(1);
  w.u8(0); // ORIGIN IGP
  w.u8(0x40);
  w.u8(2);
  w.u8(asPath.length === 0 ? 0 : 2 + 4 * asPath.length);
  if (asPath.length > 0) {
    w.u8(2); // AS_SEQUENCE
    w.u8(asPath.length);
    for (const asn of asPath) w.u32(asn);
  }
  w.u8(0x40);
  w.u8(3);
  w.u8(4);
  w.u32(nextHop);
  return w.done();
}

/** The whole dump file. */
export function writeMrtDump(d: MrtDump): Uint8Array {
  const out = new Writer(1 << 20);
  const index = new Writer();
  index.u32(d.collectorId);
  index.u16(0); // no view name
  index.u16(1); // one peer
  index.u8(PEER_TYPE_AS4);
  index.u32(d.peer.bgpId);
  index.u32(d.peer.address);
  index.u32(d.peer.asn);
  record(out, d.time, PEER_INDEX_TABLE, index.done());
  let seq = 0;
  let lastKey = '';
  let lastAttrs: Uint8Array = new Uint8Array(0);
  for (const r of d.routes) {
    const key = `${r.asPath.join(' ')}|${r.nextHop}`;
    if (key !== lastKey) {
      lastAttrs = mrtAttributes(r.asPath, r.nextHop);
      lastKey = key;
    }
    const rib = new Writer();
    rib.u32(seq++);
    rib.u8(r.len);
    for (let i = 0; i < (r.len + 7) >> 3; i++) rib.u8(r.addr >>> (24 - 8 * i));
    rib.u16(1); // one entry
    rib.u16(0); // peer index
    rib.u32(d.time);
    rib.u16(lastAttrs.length);
    rib.bytes(lastAttrs);
    record(out, d.time, RIB_IPV4_UNICAST, rib.done());
  }
  return out.done();
}
