/**
 * The seam between bytes and the Handler chain: `handleWire(bytes, transport, maxUdpSize)` turns
 * one query message into one reply message (or nothing). It knows no sockets, so the 127.0.0.1
 * listener and, later, a UDP socket in a pod's network namespace serve the same chain.
 *
 * What it enforces, like miekg/dns under CoreDNS: messages shorter than a header and responses
 * (QR set) are dropped and counted; opcodes other than QUERY get NOTIMP; anything that does not
 * decode, has not exactly one question, several OPT records, or a question name dns-packet cannot
 * reproduce byte for byte gets FORMERR; EDNS versions above 0 get BADVERS; classes other than IN
 * and zone transfers are REFUSED. UDP replies fit 512 bytes, or the client's EDNS size capped at
 * `maxUdpSize`: additionals go first, then as many whole answer records as fit, with TC set.
 * Names are not compressed (dns-packet does not compress), so replies run larger than CoreDNS's.
 */
import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type Packet, type Question } from 'dns-packet';
import { normalizeName } from './names.js';
import { Rcode, RCODE_NAMES, type DnsRequest, type DnsResponse, type Handler, type Transport } from './types.js';

export interface WireOptions {
  /** Largest UDP reply sent to an EDNS client, and the size advertised in the reply's OPT. */
  maxUdpSize?: number;
  /** Called when the chain throws past the errors plugin (the query still gets SERVFAIL). */
  onError?: (err: Error) => void;
}

export interface WireCounters {
  received: number;
  /** Replies sent, by rcode name. */
  replies: Record<string, number>;
  /** Messages dropped unanswered: unreadable header, or a response sent to us. */
  dropped: number;
  formerr: number;
  truncated: number;
}

const QR = 0x8000;
const DEFAULT_MAX_UDP = 4096;
const TCP_MAX = 65535;

export class WireHandler {
  readonly counters: WireCounters = { received: 0, replies: {}, dropped: 0, formerr: 0, truncated: 0 };
  private readonly maxUdp: number;
  private readonly encoded = new WeakMap<DnsResponse, Map<string, Built>>();

  constructor(
    private readonly handler: Handler,
    private readonly opts: WireOptions = {},
  ) {
    this.maxUdp = Math.max(512, Math.min(opts.maxUdpSize ?? DEFAULT_MAX_UDP, 65535));
  }

  /** One query message in, one reply message out (undefined: drop). Never throws. */
  async handleWire(bytes: Uint8Array, transport: Transport, maxUdpSize = this.maxUdp, remote?: DnsRequest['remote']): Promise<Buffer | undefined> {
    this.counters.received++;
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.length < 12 || buf.readUInt16BE(2) & QR) {
      this.counters.dropped++;
      return undefined;
    }
    const id = buf.readUInt16BE(0);
    const flags = buf.readUInt16BE(2);
    // Opcode, RD and CD are echoed in every reply.
    const echo = flags & (0x7800 | dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED);
    if ((flags >> 11) & 0xf) return this.reply({ id, echo }, Rcode.NOTIMP);

    let packet: DecodedPacket;
    try {
      packet = dnsPacket.decode(buf);
    } catch {
      return this.formerr(id, echo);
    }
    const question = packet.questions?.length === 1 ? packet.questions[0]! : undefined;
    let opt: OptAnswer | undefined;
    let opts = 0;
    for (const a of packet.additionals ?? []) {
      if (a.type === 'OPT') {
        opt = a;
        opts++;
      }
    }
    const qEnd = question ? questionEnd(buf, question) : -1;
    if (!question || opts > 1 || qEnd < 0) return this.formerr(id, echo);
    const edns = opt ? { size: Math.max(512, Math.min(opt.udpPayloadSize, maxUdpSize)), do: opt.flag_do, advertise: maxUdpSize } : undefined;
    const head = { id, echo, question, edns };
    if (opt && opt.ednsVersion > 0) return this.reply(head, Rcode.BADVERS);
    // An unknown class cannot be echoed (dns-packet writes it as 0): refuse without the question.
    if (!question.class || question.class.startsWith('UNKNOWN')) return this.reply({ ...head, question: undefined }, Rcode.REFUSED);
    if (question.class !== 'IN' || question.type === 'AXFR' || question.type === 'IXFR') return this.reply(head, Rcode.REFUSED);

    const req: DnsRequest = {
      id,
      name: question.name === '.' ? '' : question.name,
      qname: normalizeName(question.name),
      type: question.type,
      qclass: question.class ?? 'IN',
      rd: packet.flag_rd,
      cd: packet.flag_cd,
      edns: !!opt,
      do: !!opt?.flag_do,
      transport,
      remote,
      packet,
    };
    let res: DnsResponse | undefined;
    try {
      res = await this.handler(req);
    } catch (err) {
      this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
      return this.reply(head, Rcode.SERVFAIL);
    }
    if (!res) return this.reply(head, Rcode.REFUSED);
    const limit = transport === 'tcp' ? TCP_MAX : (edns?.size ?? 512);
    // Everything in the reply but the ID follows from the response, the question's bytes, the
    // echoed flags, the EDNS values and the size limit.
    const key = res.shared ? `${limit}|${echo}|${edns ? `${edns.size}|${+edns.do}|${edns.advertise}` : '-'}|${buf.toString('latin1', 12, qEnd)}` : undefined;
    return this.reply(head, res.rcode, res, limit, key);
  }

  /**
   * Responses are immutable values, so a `shared` response handed out again (the kubernetes
   * plugin's memo, a cache hit within the same second) encodes to the same bytes for the same
   * question: those are kept with the object (a WeakMap, so they go when it goes) and reused with
   * the new ID.
   */
  private memoBuild(head: Head, res: DnsResponse, limit: number, key: string): Built {
    let byKey = this.encoded.get(res);
    const hit = byKey?.get(key);
    if (hit) {
      const bytes = Buffer.allocUnsafe(hit.bytes.length);
      hit.bytes.copy(bytes);
      bytes.writeUInt16BE(head.id, 0);
      return { bytes, truncated: hit.truncated };
    }
    const out = build(head, res.rcode, res, limit);
    if (!byKey) this.encoded.set(res, (byKey = new Map()));
    if (byKey.size >= 16) byKey.clear(); // many spellings of one name: keep the memo small
    byKey.set(key, out);
    return out;
  }

  private formerr(id: number, echo: number): Buffer | undefined {
    this.counters.formerr++;
    return this.reply({ id, echo }, Rcode.FORMERR);
  }

  private reply(head: Head, rcode: number, res?: DnsResponse, limit = 512, key?: string): Buffer | undefined {
    const name = RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
    try {
      const out = key && res?.shared ? this.memoBuild(head, res, limit, key) : build(head, rcode, res, limit);
      if (out.truncated) this.counters.truncated++;
      this.counters.replies[name] = (this.counters.replies[name] ?? 0) + 1;
      return out.bytes;
    } catch (err) {
      // A record the codec cannot encode (bad data from a plugin or an upstream): SERVFAIL instead.
      this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
      if (rcode === Rcode.SERVFAIL && !res) return undefined;
      return this.reply(head, Rcode.SERVFAIL);
    }
  }
}

interface Head {
  id: number;
  echo: number;
  question?: Question;
  edns?: { size: number; do: boolean; advertise: number };
}

interface Built {
  bytes: Buffer;
  truncated: boolean;
}

function build(head: Head, rcode: number, res: DnsResponse | undefined, limit: number): Built {
  let flags = QR | head.echo | (rcode & 0xf);
  if (res?.authoritative) flags |= dnsPacket.AUTHORITATIVE_ANSWER;
  if (res?.recursionAvailable) flags |= dnsPacket.RECURSION_AVAILABLE;
  if (res?.truncated) flags |= dnsPacket.TRUNCATED_RESPONSE;
  const opt: Answer[] = head.edns
    ? [{ name: '.', type: 'OPT', udpPayloadSize: head.edns.advertise, extendedRcode: rcode >> 4, ednsVersion: 0, flags: head.edns.do ? dnsPacket.DNSSEC_OK : 0, flag_do: head.edns.do, options: [] }]
    : [];
  const packet: Packet = {
    id: head.id,
    type: 'response',
    flags,
    questions: head.question ? [head.question] : [],
    answers: res?.answers ?? [],
    authorities: res?.authorities ?? [],
    additionals: [...(res?.additionals ?? []), ...opt],
  };
  const full = encode(packet);
  if (full && full.length <= limit) return { bytes: full, truncated: false };

  // Too big. Additionals are optional (no TC for dropping them); then keep whole answer records
  // while they fit, the authority section only if every answer did, and set TC.
  const base = { ...packet, additionals: opt };
  let size = dnsPacket.encodingLength({ ...base, answers: [], authorities: [] });
  const answers: Answer[] = [];
  for (const rr of packet.answers!) {
    const n = recordLength(rr);
    if (size + n > limit) break;
    answers.push(rr);
    size += n;
  }
  const authorities: Answer[] = [];
  if (answers.length === packet.answers!.length) {
    for (const rr of packet.authorities!) {
      const n = recordLength(rr);
      if (size + n > limit) break;
      authorities.push(rr);
      size += n;
    }
  }
  const complete = answers.length === packet.answers!.length && authorities.length === packet.authorities!.length;
  const bytes = dnsPacket.encode({ ...base, flags: complete ? flags : flags | dnsPacket.TRUNCATED_RESPONSE, answers, authorities });
  return { bytes, truncated: !complete };
}

// One scratch buffer for every reply: dns-packet then skips its sizing pass and a zeroed
// allocation; the bytes are copied out, so the scratch is free again when encode returns.
const scratch = Buffer.allocUnsafe(65535);

/** The encoded message, or undefined when it exceeds 65535 bytes (then only truncation helps). */
function encode(packet: Packet): Buffer | undefined {
  try {
    dnsPacket.encode(packet, scratch, 0);
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
  // Buffer.write truncates silently at the end: a message that ran past it counts as too big.
  if (dnsPacket.encode.bytes > scratch.length) return undefined;
  return Buffer.from(scratch.subarray(0, dnsPacket.encode.bytes));
}

function recordLength(rr: Answer): number {
  return dnsPacket.encodingLength({ answers: [rr] }) - 12;
}

/**
 * dns-packet reads labels as UTF-8 and splits on dots, so a binary label or one holding a "." would
 * be echoed as a different name. The decoded name must spell the wire labels exactly, in printable
 * ASCII without dots inside labels; otherwise the query is FORMERR instead of answered wrongly.
 * (Questions are never compressed: nothing precedes them that a pointer could reach.)
 * Returns the offset after the question, or -1.
 */
function questionEnd(buf: Buffer, q: Question): number {
  const name = q.name === '.' ? '' : q.name;
  let off = 12;
  let i = 0;
  while (i < name.length) {
    const len = buf[off];
    if (len === undefined || len === 0 || len > 63) return -1;
    off++;
    for (let k = 0; k < len; k++, i++) {
      const c = name.charCodeAt(i);
      if (c !== buf[off + k] || c <= 0x20 || c >= 0x7f || c === 0x2e) return -1;
    }
    off += len;
    if (i < name.length) {
      if (name.charCodeAt(i) !== 0x2e) return -1;
      i++;
    }
  }
  // The root label, then type and class.
  return buf[off] === 0 ? off + 5 : -1;
}
