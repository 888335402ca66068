/**
 * BGP traffic as it crosses the wire: a tap on each node's underlay interface sees every TCP
 * segment to or from port 179 that the node sends, and a small per-connection reader splits the
 * byte stream into BGP messages by their 19-byte headers (16-byte marker, length, type). Counting
 * sent segments only, each message is counted once, by its sender. Nothing here knows the CNI: a
 * calico node's BIRD, a BGP-speaking router or anything else on port 179 is counted alike, so the
 * measurement follows calico into the lab without a change.
 */
import type { NetDevice } from '../../dataplane/stack/index.js';
import { tcpSegmentOf } from './wire.js';

export const BGP_PORT = 179;
const HEADER = 19;
const MAX_MESSAGE = 65535;

export interface BgpTraffic {
  messages: number;
  /** Bytes of the BGP messages, headers included (the TCP payload, retransmissions left out). */
  bytes: number;
  /** Messages by type name (OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH). */
  byType: Record<string, number>;
  /**
   * What setting the routes up took: every message but the periodic KEEPALIVEs (the first
   * KEEPALIVE of a connection confirms its OPEN and counts as setup), and their bytes.
   */
  setupMessages: number;
  setupBytes: number;
  /** Clock time of the last UPDATE sent (routes stop changing after it); null before any. */
  lastUpdateAt: number | null;
}

/** One message seen on the wire. */
interface Seen {
  at: number;
  type: number;
  length: number;
  setup: boolean;
}

const TYPE_NAMES = ['?', 'OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH'];

const KEEPALIVE = 4;
const UPDATE = 2;

/** The message reader of one direction of one connection. */
class StreamReader {
  private next: number | undefined;
  private header = new Uint8Array(HEADER);
  private have = 0;
  private skip = 0;
  keepalives = 0;

  constructor(private readonly onMessage: (type: number, length: number, reader: StreamReader) => void) {}

  /** A sent segment. A retransmission (sequence before what was read) is not read again. */
  segment(seq: number, payload: Uint8Array): void {
    if (this.next !== undefined && ((seq - this.next) | 0) < 0) return;
    if (this.next !== undefined && seq !== this.next) this.resync();
    this.next = (seq + payload.length) >>> 0;
    let i = 0;
    while (i < payload.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, payload.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      this.header[this.have++] = payload[i++]!;
      if (this.have < HEADER) continue;
      this.have = 0;
      let marker = true;
      for (let k = 0; k < 16; k++) if (this.header[k] !== 0xff) marker = false;
      const length = (this.header[16]! << 8) | this.header[17]!;
      if (!marker || length < HEADER || length > MAX_MESSAGE) {
        // Not a header where one should be: drop the rest of this segment and start again at the
        // next one (BGP speakers write whole messages, so segments tend to begin with one).
        this.resync();
        return;
      }
      this.onMessage(this.header[18]!, length, this);
      this.skip = length - HEADER;
    }
  }

  /** A gap or garbage: start again at a segment boundary. */
  private resync(): void {
    this.have = 0;
    this.skip = 0;
  }
}

export class BgpWireCounter {
  private readonly log: Seen[] = [];

  constructor(private readonly clock: { now(): number }) {}
  private readonly readers = new Map<string, StreamReader>();
  private readonly untaps: (() => void)[] = [];

  /** Taps the devices' transmit side. */
  attach(devices: Iterable<NetDevice>): this {
    for (const dev of devices) this.untaps.push(dev.addTap((dir, frame) => (dir === 'tx' ? this.frame(frame) : undefined)));
    return this;
  }

  /** The totals of what was sent until clock time `until` (default: so far). */
  traffic(until = Infinity): BgpTraffic {
    const t: BgpTraffic = { messages: 0, bytes: 0, byType: {}, setupMessages: 0, setupBytes: 0, lastUpdateAt: null };
    for (const m of this.log) {
      if (m.at > until) break;
      t.messages++;
      t.bytes += m.length;
      const name = TYPE_NAMES[m.type] ?? `type-${m.type}`;
      t.byType[name] = (t.byType[name] ?? 0) + 1;
      if (m.type === UPDATE) t.lastUpdateAt = m.at;
      if (m.setup) {
        t.setupMessages++;
        t.setupBytes += m.length;
      }
    }
    return t;
  }

  detach(): void {
    for (const u of this.untaps.splice(0)) u();
  }

  /** One Ethernet frame sent by a tapped device (the taps call this; tests feed frames directly). */
  frame(frame: Uint8Array): void {
    const seg = tcpSegmentOf(frame);
    if (seg === undefined || seg.payload.length === 0 || (seg.srcPort !== BGP_PORT && seg.dstPort !== BGP_PORT)) return;
    const key = `${seg.src}:${seg.srcPort}>${seg.dst}:${seg.dstPort}`;
    let reader = this.readers.get(key);
    if (reader === undefined) {
      reader = new StreamReader((type, length, r) => {
        this.log.push({ at: this.clock.now(), type, length, setup: type !== KEEPALIVE || r.keepalives++ === 0 });
      });
      this.readers.set(key, reader);
    }
    reader.segment(seg.seq, seg.payload);
  }
}
