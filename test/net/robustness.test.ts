/**
 * Every decoder gets 20,000+ random and mutated inputs (bit flips, truncation, extension, byte
 * overwrites, noise, odd byteOffsets). It must never throw, must fail only with a CodecError with a
 * known code, and any payload it returns must be a view inside the input.
 */
import { expect } from 'chai';
import { decodeArp, encodeArp } from '../../src/net/arp.js';
import { CodecError, type Result } from '../../src/net/errors.js';
import { decodeEthernet, encodeEthernet } from '../../src/net/ethernet.js';
import { decodeIcmp, encodeIcmp } from '../../src/net/icmp.js';
import { fragmentIpv4 } from '../../src/net/ipv4-fragment.js';
import { Reassembler } from '../../src/net/ipv4-reassembly.js';
import { decodeIpv4, decodeIpv4Header, encodeIpv4 } from '../../src/net/ipv4.js';
import { buildIcmpEcho, buildIpv4Tcp, buildIpv4Udp, buildVxlanPacket } from '../../src/net/packet.js';
import { formatIpv4, formatMac, parseIpv4, parseMac } from '../../src/net/addr.js';
import { decodeTcp, decodeTcpOptions, encodeTcp } from '../../src/net/tcp.js';
import { decodeUdp, encodeUdp } from '../../src/net/udp.js';
import { decodeVxlan, encodeVxlan } from '../../src/net/vxlan.js';
import { Rng, mutate, toHex } from './support.js';

const ITERATIONS = 20_000;
const KNOWN_CODES = new Set([
  'ERR_TRUNCATED', 'ERR_BAD_CHECKSUM', 'ERR_BAD_VERSION', 'ERR_BAD_LENGTH', 'ERR_BAD_OPTION', 'ERR_BAD_FIELD',
  'ERR_BAD_ADDRESS', 'ERR_FRAG_NEEDED', 'ERR_FRAG_OVERLAP', 'ERR_FRAG_DUPLICATE', 'ERR_FRAG_LIMIT',
]);

function isViewInside(view: Uint8Array, input: Uint8Array): boolean {
  return view.buffer === input.buffer && view.byteOffset >= input.byteOffset &&
    view.byteOffset + view.length <= input.byteOffset + input.length;
}

interface Case {
  name: string;
  seeds: (rng: Rng) => Uint8Array;
  decode: (input: Uint8Array) => Result<unknown>;
  /** Views the decoded value exposes, which must lie inside the input. */
  views?: (value: never) => Uint8Array[];
}

const SRC = 0x0af40102;
const DST = 0x0af40203;

const cases: Case[] = [
  {
    name: 'decodeEthernet',
    seeds: (rng) => encodeEthernet({ dst: rng.bytes(6), src: rng.bytes(6), etherType: rng.pick([0x0800, 0x0806, 0x86dd]) }, rng.bytes(rng.int(60))),
    decode: decodeEthernet,
    views: (v: { dst: Uint8Array; src: Uint8Array; payload: Uint8Array }) => [v.dst, v.src, v.payload],
  },
  {
    name: 'decodeArp',
    seeds: (rng) => encodeArp({ op: 1 + rng.int(2), senderMac: rng.bytes(6), senderIp: rng.uint(32), targetMac: rng.bytes(6), targetIp: rng.uint(32) }),
    decode: decodeArp,
    views: (v: { senderMac: Uint8Array; targetMac: Uint8Array }) => [v.senderMac, v.targetMac],
  },
  {
    name: 'decodeIpv4',
    seeds: (rng) => encodeIpv4({ src: rng.uint(32), dst: rng.uint(32), protocol: rng.uint(8), options: rng.bytes(4 * rng.int(11)), fragmentOffset: 8 * rng.int(10) }, rng.bytes(rng.int(60))),
    decode: decodeIpv4,
    views: (v: { options: Uint8Array; payload: Uint8Array }) => [v.options, v.payload],
  },
  {
    name: 'decodeIpv4Header',
    seeds: (rng) => encodeIpv4({ src: rng.uint(32), dst: rng.uint(32), protocol: 17 }, rng.bytes(rng.int(40))).subarray(0, 20 + rng.int(20)),
    decode: decodeIpv4Header,
    views: (v: { options: Uint8Array; payload: Uint8Array }) => [v.options, v.payload],
  },
  {
    name: 'decodeIcmp',
    seeds: (rng) => encodeIcmp(rng.bool()
      ? { kind: 'echo-request', code: 0, id: rng.uint(16), seq: rng.uint(16), payload: rng.bytes(rng.int(64)) }
      : { kind: 'dest-unreachable', code: rng.int(16), nextHopMtu: rng.uint(16), original: rng.bytes(28) }),
    decode: decodeIcmp,
    views: (v: { payload?: Uint8Array; original?: Uint8Array }) => [v.payload ?? v.original!],
  },
  {
    name: 'decodeUdp (checksum verified)',
    seeds: (rng) => encodeUdp({ srcPort: rng.uint(16), dstPort: rng.uint(16) }, rng.bytes(rng.int(64)), { src: SRC, dst: DST }),
    decode: (b) => decodeUdp(b, { src: SRC, dst: DST }),
    views: (v: { payload: Uint8Array }) => [v.payload],
  },
  {
    name: 'decodeUdp (no addresses)',
    seeds: (rng) => encodeUdp({ srcPort: rng.uint(16), dstPort: rng.uint(16) }, rng.bytes(rng.int(64)), null),
    decode: (b) => decodeUdp(b),
    views: (v: { payload: Uint8Array }) => [v.payload],
  },
  {
    name: 'decodeTcp (checksum verified)',
    seeds: (rng) => encodeTcp({
      srcPort: rng.uint(16), dstPort: rng.uint(16), seq: rng.uint(32), ack: rng.uint(32), flags: rng.uint(8), window: rng.uint(16),
      options: { mss: 1460, windowScale: 7, sackPermitted: rng.bool(), timestamp: rng.bool() ? { value: 1, echo: 2 } : undefined },
    }, rng.bytes(rng.int(40)), { src: SRC, dst: DST }),
    decode: (b) => decodeTcp(b, { src: SRC, dst: DST }),
    views: (v: { rawOptions: Uint8Array; payload: Uint8Array }) => [v.rawOptions, v.payload],
  },
  {
    name: 'decodeTcp (no addresses, options exercised)',
    seeds: (rng) => encodeTcp({
      srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: 2, window: 5,
      options: { mss: rng.uint(16), windowScale: rng.int(15), sackPermitted: true, sack: [{ left: 1, right: 2 }] },
    }, new Uint8Array(0), { src: SRC, dst: DST }),
    decode: (b) => decodeTcp(b),
    views: (v: { rawOptions: Uint8Array; payload: Uint8Array }) => [v.rawOptions, v.payload],
  },
  {
    name: 'decodeTcpOptions',
    seeds: (rng) => rng.pick([
      Uint8Array.from([2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]),
      Uint8Array.from([1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2]),
      Uint8Array.from([30, 4, 0, 0, 0, 0, 0, 0]),
    ]),
    decode: decodeTcpOptions,
  },
  {
    name: 'decodeVxlan',
    seeds: (rng) => encodeVxlan(rng.uint(24), rng.bytes(rng.int(80))),
    decode: decodeVxlan,
    views: (v: { payload: Uint8Array }) => [v.payload],
  },
  {
    name: 'fragmentIpv4 (MTU 68..1500)',
    seeds: (rng) => buildIpv4Udp({ src: SRC, dst: DST, srcPort: 1, dstPort: 2, payload: rng.bytes(rng.int(300)), df: rng.int(4) === 0 }),
    decode: (b) => fragmentIpv4(b, 68 + ((b.length * 7) % 1432)),
  },
];

describe('net robustness: decoders never throw on hostile input', () => {
  for (const c of cases) {
    it(`${c.name}: ${ITERATIONS} mutated inputs`, () => {
      const rng = new Rng(0xc0dec ^ c.name.length);
      let oks = 0;
      let errors = 0;
      for (let i = 0; i < ITERATIONS; i++) {
        const seed = c.seeds(rng);
        const input = i % 10 === 0 ? seed : mutate(rng, seed);
        let r: Result<unknown>;
        try {
          r = c.decode(input);
        } catch (e) {
          throw new Error(`${c.name} threw on ${toHex(input)}: ${String(e)}`);
        }
        if (r.ok) {
          oks++;
          if (c.views) {
            for (const view of c.views(r.value as never)) {
              if (!isViewInside(view, input)) throw new Error(`${c.name} returned a view outside the input ${toHex(input)}`);
            }
          }
        } else {
          errors++;
          if (!(r.error instanceof CodecError) || !KNOWN_CODES.has(r.error.code)) {
            throw new Error(`${c.name} returned an untyped error ${String(r.error)} for ${toHex(input)}`);
          }
        }
      }
      expect(oks, 'some inputs decode').to.be.greaterThan(ITERATIONS / 20);
      expect(errors, 'some inputs fail').to.be.greaterThan(ITERATIONS / 20);
    });
  }

  it(`Reassembler.push: ${ITERATIONS} mutated fragments`, () => {
    const rng = new Rng(77);
    let t = 0;
    const r = new Reassembler({ now: () => t, maxReassemblies: 32, maxBytes: 128 * 1024 });
    const pool: Uint8Array[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      t += rng.int(100);
      if (pool.length === 0) {
        const packet = buildIpv4Udp({ src: SRC, dst: DST, srcPort: 1, dstPort: 2, id: rng.int(8), payload: rng.bytes(200 + rng.int(800)) });
        const frags = fragmentIpv4(packet, 68 + rng.int(600));
        if (frags.ok) pool.push(...rng.shuffle(frags.value));
      }
      const next = pool.pop()!;
      const input = rng.int(3) === 0 ? mutate(rng, next) : next;
      let res: Result<Uint8Array | null>;
      try {
        res = r.push(input);
      } catch (e) {
        throw new Error(`Reassembler threw on ${toHex(input)}: ${String(e)}`);
      }
      if (!res.ok) expect(KNOWN_CODES.has(res.error.code), res.error.code).to.equal(true);
      if (res.ok && res.value !== null) expect(decodeIpv4(res.value).ok).to.equal(true);
      expect(r.bufferedBytes).to.be.at.most(128 * 1024);
    }
    expect(r.stats.reassembled).to.be.greaterThan(0);
    expect(r.stats.malformed + r.stats.overlaps + r.stats.duplicates).to.be.greaterThan(0);
  });

  it('a single flipped bit anywhere under an IPv4 or ICMP checksum is always rejected', () => {
    const rng = new Rng(78);
    for (let i = 0; i < 5000; i++) {
      const packet = buildIcmpEcho({ src: rng.uint(32), dst: rng.uint(32), echoId: rng.uint(16), seq: rng.uint(16), payload: rng.bytes(rng.int(40)) });
      const bit = rng.int(packet.length * 8);
      packet[bit >>> 3] ^= 1 << (bit & 7);
      const ip = decodeIpv4(packet);
      if (bit < 160) {
        expect(ip.ok, `bit ${bit}`).to.equal(false);
      } else {
        if (!ip.ok) throw ip.error;
        expect(decodeIcmp(ip.value.payload).ok, `bit ${bit}`).to.equal(false);
      }
    }
  });

  it('TCP and UDP checksums catch any single flipped bit of header, payload or addresses', () => {
    const rng = new Rng(79);
    for (let i = 0; i < 3000; i++) {
      const packet = rng.bool()
        ? buildIpv4Udp({ src: SRC, dst: DST, srcPort: rng.uint(16), dstPort: rng.uint(16), payload: rng.bytes(1 + rng.int(40)) })
        : buildIpv4Tcp({ src: SRC, dst: DST, srcPort: 1, dstPort: 2, seq: rng.uint(32), ack: 0, flags: 0x18, window: 100, payload: rng.bytes(rng.int(40)) });
      const l4 = packet.slice(20);
      const bit = rng.int(l4.length * 8);
      l4[bit >>> 3] ^= 1 << (bit & 7);
      const isUdp = packet[9] === 17;
      const r = (isUdp ? decodeUdp : decodeTcp)(l4, { src: SRC, dst: DST });
      // RFC 768's one blind spot: a flip that turns the UDP checksum into 0 reads as "no checksum".
      const udpChecksumNowZero = isUdp && l4[6] === 0 && l4[7] === 0;
      expect(r.ok, `bit ${bit}`).to.equal(udpChecksumNowZero);
      const decode = isUdp ? decodeUdp : decodeTcp;
      expect(decode(packet.subarray(20), { src: SRC ^ 0x100, dst: DST }).ok).to.equal(false);
    }
  });

  it('VXLAN-in-IPv4 packets survive mutation of the outer layers without throwing', () => {
    const rng = new Rng(80);
    let decapsulated = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const inner = rng.bytes(14 + rng.int(60));
      const input = mutate(rng, buildVxlanPacket({ src: SRC, dst: DST, vni: rng.uint(24), innerFrame: inner }));
      const ip = decodeIpv4(input);
      if (!ip.ok) continue;
      const udp = decodeUdp(ip.value.payload, ip.value);
      if (!udp.ok) continue;
      const vx = decodeVxlan(udp.value.payload);
      if (vx.ok) {
        expect(isViewInside(vx.value.payload, input)).to.equal(true);
        decapsulated++;
      }
    }
    expect(decapsulated).to.be.greaterThan(ITERATIONS / 10);
  });

  it('address parsers never throw, and whatever they accept formats back canonically', () => {
    const rng = new Rng(81);
    const alphabet = '0123456789abcdefABCDEF.:- x';
    let accepted = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      let text = rng.bool() ? formatIpv4(rng.uint(32)) : formatMac(rng.bytes(6));
      for (let edits = rng.int(3); edits > 0; edits--) {
        const at = rng.int(text.length + 1);
        const ch = alphabet[rng.int(alphabet.length)]!;
        text = rng.bool() ? text.slice(0, at) + ch + text.slice(at + 1) : text.slice(0, at) + text.slice(at + 1);
      }
      const ip = parseIpv4(text);
      const m = parseMac(text);
      if (ip.ok) expect(formatIpv4(ip.value)).to.equal(text);
      else expect(ip.error.code).to.equal('ERR_BAD_ADDRESS');
      if (m.ok) expect(formatMac(m.value)).to.equal(text.toLowerCase().replace(/-/g, ':'));
      else expect(m.error.code).to.equal('ERR_BAD_ADDRESS');
      if (ip.ok || m.ok) accepted++;
    }
    expect(accepted).to.be.greaterThan(ITERATIONS / 20);
  });
});
