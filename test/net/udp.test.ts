import { expect } from 'chai';
import { ipv4 } from '../../src/net/addr.js';
import { CodecError } from '../../src/net/errors.js';
import { decodeIpv4 } from '../../src/net/ipv4.js';
import { buildIpv4Udp } from '../../src/net/packet.js';
import { decodeUdp, encodeUdp, encodeUdpInto } from '../../src/net/udp.js';
import { Rng, hex, naiveChecksum, pseudoHeader, toHex } from './support.js';

const SRC = ipv4('10.244.1.2');
const DST = ipv4('10.96.0.10');
// 40000 -> 53, "hello kemu", checksum 0x3028 over the pseudo-header (10.244.1.2 -> 10.96.0.10, proto 17, len 18).
const UDP = '9c40 0035 0012 3028 68656c6c6f206b656d75';
const IP_UDP = '4500 0026 0102 4000 4011 2366 0af40102 0a60000a' + UDP;

describe('net/udp', () => {
  it('fixture checksum agrees with a naive pseudo-header reference', () => {
    const bytes = hex(UDP);
    bytes[6] = 0;
    bytes[7] = 0;
    expect(naiveChecksum(pseudoHeader(SRC, DST, 17, 18), bytes)).to.equal(0x3028);
  });

  it('encodes the fixture byte-exact (alone and inside IPv4)', () => {
    const payload = Buffer.from('hello kemu');
    expect(toHex(encodeUdp({ srcPort: 40000, dstPort: 53 }, payload, { src: SRC, dst: DST }))).to.equal(UDP.replace(/ /g, ''));
    const packet = buildIpv4Udp({ src: SRC, dst: DST, srcPort: 40000, dstPort: 53, payload, id: 0x0102, df: true });
    expect(toHex(packet)).to.equal(IP_UDP.replace(/ /g, ''));
  });

  it('decodes and verifies the fixture with the IPv4 packet as pseudo-header source', () => {
    const ip = decodeIpv4(hex(IP_UDP));
    if (!ip.ok) throw ip.error;
    const r = decodeUdp(ip.value.payload, ip.value);
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect([r.value.srcPort, r.value.dstPort, r.value.length, r.value.checksum]).to.deep.equal([40000, 53, 18, 0x3028]);
    expect(Buffer.from(r.value.payload).toString()).to.equal('hello kemu');
  });

  it('rejects a wrong checksum, or the right bytes with the wrong addresses', () => {
    const bytes = hex(UDP);
    bytes[9] ^= 1;
    const r = decodeUdp(bytes, { src: SRC, dst: DST });
    expect(!r.ok && r.error.code).to.equal('ERR_BAD_CHECKSUM');
    const wrongDst = decodeUdp(hex(UDP), { src: SRC, dst: DST + 1 });
    expect(!wrongDst.ok && wrongDst.error.code).to.equal('ERR_BAD_CHECKSUM');
    expect(decodeUdp(bytes).ok).to.equal(true); // without addresses nothing is verified
  });

  it('treats a received checksum of 0 as "none"', () => {
    const bytes = hex(UDP);
    bytes[6] = 0;
    bytes[7] = 0;
    expect(decodeUdp(bytes, { src: SRC, dst: DST }).ok).to.equal(true);
    const none = encodeUdp({ srcPort: 1, dstPort: 2 }, new Uint8Array(3), null);
    expect(toHex(none.subarray(6, 8))).to.equal('0000');
  });

  it('sends a computed checksum of 0 as 0xffff', () => {
    // Find a payload word that makes the one's complement sum 0xffff, i.e. the checksum 0.
    const payload = new Uint8Array(2);
    const addrs = { src: SRC, dst: DST };
    const base = encodeUdp({ srcPort: 1, dstPort: 2 }, payload, addrs);
    const c = (base[6]! << 8) | base[7]!;
    payload[0] = c >>> 8; // adding the old checksum to the data makes the new sum 0xffff
    payload[1] = c & 0xff;
    const out = encodeUdp({ srcPort: 1, dstPort: 2 }, payload, addrs);
    expect(toHex(out.subarray(6, 8))).to.equal('ffff');
    expect(decodeUdp(out, addrs).ok).to.equal(true);
  });

  const bad: Array<[string, string, string]> = [
    ['7 bytes', '9c40 0035 0012 30', 'ERR_TRUNCATED'],
    ['length 7', '9c40 0035 0007 0000', 'ERR_BAD_LENGTH'],
    ['length beyond the buffer', '9c40 0035 0013 0000 68656c6c6f206b656d75', 'ERR_TRUNCATED'],
  ];
  for (const [name, bytes, code] of bad) {
    it(`rejects ${name} with ${code}`, () => {
      const r = decodeUdp(hex(bytes));
      expect(!r.ok && r.error.code).to.equal(code);
    });
  }

  it('ignores bytes beyond the UDP length', () => {
    const r = decodeUdp(hex(UDP + '0000'));
    expect(r.ok && r.value.payload.length).to.equal(10);
  });

  it('encoder rejects out-of-range ports and small buffers', () => {
    expect(() => encodeUdp({ srcPort: 65536, dstPort: 1 }, new Uint8Array(0), null)).to.throw(CodecError).with.property('code', 'ERR_BAD_FIELD');
    expect(() => encodeUdpInto(new Uint8Array(8), 1, { srcPort: 1, dstPort: 1 }, new Uint8Array(0), null)).to.throw(CodecError);
  });

  it('round-trips random datagrams with verified checksums', () => {
    const rng = new Rng(50);
    for (let i = 0; i < 4000; i++) {
      const addrs = { src: rng.uint(32), dst: rng.uint(32) };
      const header = { srcPort: rng.uint(16), dstPort: rng.uint(16) };
      const payload = rng.bytes(rng.int(300));
      const bytes = encodeUdp(header, payload, addrs);
      expect(naiveChecksum(pseudoHeader(addrs.src, addrs.dst, 17, bytes.length), bytes)).to.equal(0);
      const r = decodeUdp(bytes, addrs);
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect([r.value.srcPort, r.value.dstPort, r.value.length]).to.deep.equal([header.srcPort, header.dstPort, 8 + payload.length]);
      expect(toHex(r.value.payload)).to.equal(toHex(payload));
    }
  });
});
