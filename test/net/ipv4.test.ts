import { expect } from 'chai';
import { ipv4 } from '../../src/net/addr.js';
import { CodecError } from '../../src/net/errors.js';
import {
  IPPROTO_ICMP, IPPROTO_UDP, type Ipv4HeaderInit, decodeIpv4, decodeIpv4Header, decrementTtlInPlace, encodeIpv4,
  encodeIpv4Into, isFragment,
} from '../../src/net/ipv4.js';
import { Rng, hex, naiveChecksum, toHex } from './support.js';

// The classic example header (192.168.0.1 -> 192.168.0.199, UDP, DF, checksum b861) plus 95 payload bytes.
const WIKI_HEADER = '4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7';
// ping 10.244.1.2 -> 10.244.2.3 with a Windows-style 32-byte payload; IP checksum 058f, ICMP 4d5a.
const PING = '4500003c1c4640004001058f0af401020af40203' +
  '08004d5a000100016162636465666768696a6b6c6d6e6f7071727374757677616263646566676869';

describe('net/ipv4', () => {
  it('decodes the classic header fixture', () => {
    const packet = new Uint8Array(0x73);
    packet.set(hex(WIKI_HEADER));
    const r = decodeIpv4(packet);
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    const h = r.value;
    expect([h.headerLength, h.totalLength, h.id, h.ttl, h.protocol, h.checksum]).to.deep.equal([20, 0x73, 0, 64, IPPROTO_UDP, 0xb861]);
    expect([h.dontFragment, h.moreFragments, h.fragmentOffset, h.dscp, h.ecn]).to.deep.equal([true, false, 0, 0, 0]);
    expect(h.src).to.equal(ipv4('192.168.0.1'));
    expect(h.dst).to.equal(ipv4('192.168.0.199'));
    expect(h.payload.length).to.equal(0x73 - 20);
    expect(h.options.length).to.equal(0);
  });

  it('encodes the ping fixture byte-exact, with a checksum that a naive reference agrees with', () => {
    const payload = hex(PING).subarray(20);
    const out = encodeIpv4({ src: ipv4('10.244.1.2'), dst: ipv4('10.244.2.3'), protocol: IPPROTO_ICMP, id: 0x1c46, dontFragment: true }, payload);
    expect(toHex(out)).to.equal(PING);
    const zeroed = out.slice(0, 20);
    zeroed[10] = 0;
    zeroed[11] = 0;
    expect(naiveChecksum(zeroed)).to.equal(0x058f);
  });

  it('keeps options verbatim and pads them to 4 bytes with EOL', () => {
    const options = hex('94 04 0000 01'); // Router Alert (copied) + NOP, 5 bytes -> padded to 8
    const out = encodeIpv4({ src: 1, dst: 2, protocol: 17, options }, hex('aabb'));
    expect(out[0]).to.equal(0x47);
    expect(toHex(out.subarray(20, 28))).to.equal('9404000001000000');
    const r = decodeIpv4(out);
    expect(r.ok && toHex(r.value.options)).to.equal('9404000001000000');
    expect(r.ok && toHex(r.value.payload)).to.equal('aabb');
  });

  it('ignores link-layer padding beyond total length', () => {
    const padded = new Uint8Array(80);
    padded.set(hex(PING));
    const r = decodeIpv4(padded);
    expect(r.ok && r.value.payload.length).to.equal(40);
  });

  const bad: Array<[string, (b: Uint8Array) => Uint8Array, string]> = [
    ['19 bytes', (b) => b.subarray(0, 19), 'ERR_TRUNCATED'],
    ['version 6', (b) => { b[0] = 0x65; return b; }, 'ERR_BAD_VERSION'],
    ['IHL 4', (b) => { b[0] = 0x44; return b; }, 'ERR_BAD_LENGTH'],
    ['IHL 15 on a 60-byte buffer with total 60', (b) => { b[0] = 0x4f; b[3] = 60; return b; }, 'ERR_BAD_CHECKSUM'],
    ['IHL 15 beyond the buffer', (b) => { b[0] = 0x4f; return b.subarray(0, 40); }, 'ERR_TRUNCATED'],
    ['total length < header', (b) => { b[3] = 19; return b; }, 'ERR_BAD_LENGTH'],
    ['total length > buffer', (b) => { b[3] = 61; return b; }, 'ERR_TRUNCATED'],
    ['bad checksum', (b) => { b[11] ^= 1; return b; }, 'ERR_BAD_CHECKSUM'],
  ];
  for (const [name, corrupt, code] of bad) {
    it(`rejects ${name} with ${code}`, () => {
      const r = decodeIpv4(corrupt(hex(PING)));
      expect(r.ok).to.equal(false);
      if (!r.ok) {
        expect(r.error).to.be.instanceOf(CodecError);
        expect(r.error.code).to.equal(code);
      }
    });
  }

  it('rejects a fragment that would reassemble beyond 65535 bytes (ping of death)', () => {
    const out = encodeIpv4({ src: 1, dst: 2, protocol: 1, fragmentOffset: 65512 }, new Uint8Array(8)); // 65512 + 28 > 65535
    const r = decodeIpv4(out);
    expect(!r.ok && r.error.code).to.equal('ERR_BAD_LENGTH');
    const largestLegal = encodeIpv4({ src: 1, dst: 2, protocol: 1, fragmentOffset: 65504 }, new Uint8Array(8)); // ends at 65532
    expect(decodeIpv4(largestLegal).ok).to.equal(true);
  });

  it('decodeIpv4Header accepts a datagram cut short (as quoted in ICMP errors)', () => {
    const quote = hex(PING).subarray(0, 28);
    expect(decodeIpv4(quote).ok).to.equal(false);
    const r = decodeIpv4Header(quote);
    expect(r.ok && r.value.totalLength).to.equal(60);
    expect(r.ok && r.value.payload.length).to.equal(8);
  });

  it('can skip checksum verification', () => {
    const b = hex(PING);
    b[10] = 0;
    expect(decodeIpv4(b).ok).to.equal(false);
    expect(decodeIpv4(b, { verifyChecksum: false }).ok).to.equal(true);
  });

  it('encoder rejects invalid fields with typed errors', () => {
    const base: Ipv4HeaderInit = { src: 1, dst: 2, protocol: 17 };
    const cases: Array<[Ipv4HeaderInit, Uint8Array, string]> = [
      [{ ...base, ttl: 256 }, new Uint8Array(0), 'ERR_BAD_FIELD'],
      [{ ...base, src: -1 }, new Uint8Array(0), 'ERR_BAD_FIELD'],
      [{ ...base, fragmentOffset: 12 }, new Uint8Array(0), 'ERR_BAD_FIELD'],
      [{ ...base, options: new Uint8Array(41) }, new Uint8Array(0), 'ERR_BAD_OPTION'],
      [base, new Uint8Array(65516), 'ERR_BAD_LENGTH'],
    ];
    for (const [header, payload, code] of cases) {
      expect(() => encodeIpv4(header, payload)).to.throw(CodecError).with.property('code', code);
    }
    expect(() => encodeIpv4Into(new Uint8Array(10), 0, base, new Uint8Array(0))).to.throw(CodecError).with.property('code', 'ERR_NO_SPACE');
  });

  it('decrementTtlInPlace patches the checksum like a full recompute', () => {
    const rng = new Rng(30);
    for (let i = 0; i < 2000; i++) {
      const ttl = 1 + rng.int(255);
      const b = encodeIpv4({ src: rng.uint(32), dst: rng.uint(32), protocol: rng.uint(8), ttl, id: rng.uint(16) }, rng.bytes(4));
      expect(decrementTtlInPlace(b)).to.equal(ttl - 1);
      const r = decodeIpv4(b);
      expect(r.ok && r.value.ttl).to.equal(ttl - 1);
    }
    const zero = encodeIpv4({ src: 1, dst: 2, protocol: 1, ttl: 0 }, new Uint8Array(0));
    expect(decrementTtlInPlace(zero)).to.equal(0);
    expect(decodeIpv4(zero).ok).to.equal(true);
  });

  it('round-trips random headers: encode -> decode -> equal', () => {
    const rng = new Rng(31);
    for (let i = 0; i < 4000; i++) {
      const header = {
        src: rng.uint(32), dst: rng.uint(32), protocol: rng.uint(8), ttl: rng.uint(8), id: rng.uint(16),
        dscp: rng.uint(6), ecn: rng.uint(2), dontFragment: rng.bool(), moreFragments: rng.bool(),
        fragmentOffset: rng.int(1000) * 8, options: rng.bytes(rng.int(11) * 4),
      };
      const payload = rng.bytes(rng.int(64));
      const bytes = encodeIpv4(header, payload);
      expect(naiveChecksum(bytes.subarray(0, 20 + header.options.length))).to.equal(0);
      const r = decodeIpv4(bytes);
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      const { checksum, headerLength, totalLength, payload: decodedPayload, options, ...fields } = r.value;
      const { options: _sentOptions, ...scalarFields } = header;
      expect(fields).to.deep.equal(scalarFields);
      expect(toHex(options)).to.equal(toHex(header.options));
      expect(toHex(decodedPayload)).to.equal(toHex(payload));
      expect([headerLength, totalLength, checksum]).to.deep.equal([20 + header.options.length, bytes.length, (bytes[10]! << 8) | bytes[11]!]);
      expect(isFragment(r.value)).to.equal(header.moreFragments || header.fragmentOffset !== 0);
    }
  });
});
