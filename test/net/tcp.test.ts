import { expect } from 'chai';
import { ipv4 } from '../../src/net/addr.js';
import { CodecError } from '../../src/net/errors.js';
import { decodeIpv4 } from '../../src/net/ipv4.js';
import { buildIpv4Tcp } from '../../src/net/packet.js';
import {
  TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, type TcpOptions, decodeTcp, decodeTcpOptions, encodeTcp, tcpOptionsLength,
} from '../../src/net/tcp.js';
import { Rng, hex, naiveChecksum, pseudoHeader, toHex } from './support.js';

const SRC = ipv4('10.244.1.2');
const DST = ipv4('10.244.2.3');
const ADDRS = { src: SRC, dst: DST };
// A Linux SYN 45678 -> 80, seq 0x12345678, window 64240, options in Linux's order:
// MSS 1460 | SACK-permitted + timestamps (TSval 123456, TSecr 0) | NOP + wscale 7. Checksum 0x3676.
const SYN =
  'b26e 0050 12345678 00000000 a002 faf0 3676 0000' +
  '020405b4 0402 080a 0001e240 00000000 01 030307';

describe('net/tcp', () => {
  it('fixture checksum agrees with a naive pseudo-header reference', () => {
    const bytes = hex(SYN);
    bytes[16] = 0;
    bytes[17] = 0;
    expect(naiveChecksum(pseudoHeader(SRC, DST, 6, bytes.length), bytes)).to.equal(0x3676);
  });

  it('decodes the Linux SYN fixture', () => {
    const r = decodeTcp(hex(SYN), ADDRS);
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    const s = r.value;
    expect([s.srcPort, s.dstPort, s.seq, s.ack, s.headerLength, s.flags, s.window, s.urgentPointer]).to.deep.equal(
      [45678, 80, 0x12345678, 0, 40, TCP_SYN, 64240, 0]);
    expect(s.options).to.deep.equal({ mss: 1460, sackPermitted: true, timestamp: { value: 123456, echo: 0 }, windowScale: 7 });
    expect(s.payload.length).to.equal(0);
  });

  it('encodes the SYN fixture byte-exact in Linux option order', () => {
    const bytes = encodeTcp({
      srcPort: 45678, dstPort: 80, seq: 0x12345678, ack: 0, flags: TCP_SYN, window: 64240,
      options: { mss: 1460, windowScale: 7, sackPermitted: true, timestamp: { value: 123456, echo: 0 } },
    }, new Uint8Array(0), ADDRS);
    expect(toHex(bytes)).to.equal(SYN.replace(/ /g, ''));
  });

  it('builds a data segment inside IPv4 and verifies end to end', () => {
    const payload = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    const packet = buildIpv4Tcp({
      ...ADDRS, srcPort: 45678, dstPort: 80, seq: 0xfffffff0, ack: 0x80000000, flags: TCP_ACK | TCP_PSH, window: 502,
      options: { timestamp: { value: 0xffffffff, echo: 1 } }, payload,
    });
    const ip = decodeIpv4(packet);
    if (!ip.ok) throw ip.error;
    expect(ip.value.protocol).to.equal(6);
    const r = decodeTcp(ip.value.payload, ip.value);
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect([r.value.seq, r.value.ack, r.value.flags]).to.deep.equal([0xfffffff0, 0x80000000, TCP_ACK | TCP_PSH]);
    expect(toHex(r.value.rawOptions)).to.equal('0101080affffffff00000001'); // NOP NOP TS when SACK-perm is absent
    expect(Buffer.from(r.value.payload).toString()).to.equal('GET / HTTP/1.1\r\n\r\n');
  });

  it('skips unknown options by length, and honours NOP and EOL', () => {
    // kind 30 (MPTCP) len 4, NOP, MSS, EOL, then garbage after EOL that must be ignored.
    const r = decodeTcpOptions(hex('1e04 0000 01 020405b4 00 ff ff'));
    expect(r.ok && r.value).to.deep.equal({ mss: 1460 });
  });

  it('decodes SACK blocks', () => {
    const r = decodeTcpOptions(hex('0101 0512 00000064 000000c8 0000012c 00000190'));
    expect(r.ok && r.value.sack).to.deep.equal([{ left: 100, right: 200 }, { left: 300, right: 400 }]);
  });

  const malformed: Array<[string, string]> = [
    ['kind without length byte', '01 01 01 02'],
    ['length 0', '05 00 0000'],
    ['length 1', '1e 01 0000'],
    ['length beyond the option space', '1e 08 0000'],
    ['MSS of length 3', '02 03 05 00'],
    ['window scale of length 4', '03 04 0700'],
    ['SACK-permitted of length 3', '04 03 00 00'],
    ['timestamps of length 8', '08 08 00000000 0000'],
    ['SACK with a partial block', '05 0e 00000001 00000002 0000 0000'],
  ];
  for (const [name, options] of malformed) {
    it(`rejects ${name} with ERR_BAD_OPTION`, () => {
      const r = decodeTcpOptions(hex(options));
      expect(!r.ok && r.error.code).to.equal('ERR_BAD_OPTION');
      // and through decodeTcp with a valid data offset
      const seg = new Uint8Array(20 + hex(options).length);
      seg[12] = (seg.length / 4) << 4;
      seg.set(hex(options), 20);
      const whole = decodeTcp(seg);
      expect(!whole.ok && whole.error.code).to.equal('ERR_BAD_OPTION');
    });
  }

  it('rejects bad lengths and checksums with typed errors', () => {
    const syn = hex(SYN);
    const short = decodeTcp(syn.subarray(0, 19));
    expect(!short.ok && short.error.code).to.equal('ERR_TRUNCATED');
    const lowOffset = syn.slice();
    lowOffset[12] = 0x40;
    expect(((r) => !r.ok && r.error.code)(decodeTcp(lowOffset))).to.equal('ERR_BAD_LENGTH');
    const highOffset = syn.slice();
    highOffset[12] = 0xf0;
    expect(((r) => !r.ok && r.error.code)(decodeTcp(highOffset))).to.equal('ERR_TRUNCATED');
    const flipped = syn.slice();
    flipped[5] ^= 0x10;
    expect(((r) => !r.ok && r.error.code)(decodeTcp(flipped, ADDRS))).to.equal('ERR_BAD_CHECKSUM');
  });

  it('encoder rejects more than 40 option bytes and out-of-range fields', () => {
    const sack = Array.from({ length: 4 }, (_, i) => ({ left: i, right: i + 1 }));
    expect(() => encodeTcp({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: 0, window: 0, options: { sack, timestamp: { value: 1, echo: 1 } } }, new Uint8Array(0), ADDRS))
      .to.throw(CodecError).with.property('code', 'ERR_BAD_OPTION');
    expect(() => encodeTcp({ srcPort: 1, dstPort: 2, seq: 2 ** 32, ack: 0, flags: 0, window: 0 }, new Uint8Array(0), ADDRS))
      .to.throw(CodecError).with.property('code', 'ERR_BAD_FIELD');
  });

  it('sends raw options verbatim, EOL-padded', () => {
    const bytes = encodeTcp({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: TCP_FIN, window: 0, rawOptions: hex('1e0400') }, new Uint8Array(0), ADDRS);
    expect(bytes.length).to.equal(24);
    expect(toHex(bytes.subarray(20))).to.equal('1e040000');
  });

  it('round-trips random segments with random options', () => {
    const rng = new Rng(60);
    for (let i = 0; i < 4000; i++) {
      const options: TcpOptions = {};
      if (rng.bool()) options.mss = rng.uint(16);
      if (rng.bool()) options.windowScale = rng.int(15);
      if (rng.bool()) options.sackPermitted = true;
      if (rng.bool()) options.timestamp = { value: rng.uint(32), echo: rng.uint(32) };
      const maxBlocks = Math.floor((40 - tcpOptionsLength(options) - 4) / 8);
      if (rng.bool() && maxBlocks > 0) {
        options.sack = Array.from({ length: 1 + rng.int(maxBlocks) }, () => ({ left: rng.uint(32), right: rng.uint(32) }));
      }
      const header = {
        srcPort: rng.uint(16), dstPort: rng.uint(16), seq: rng.uint(32), ack: rng.uint(32), flags: rng.uint(8),
        window: rng.uint(16), urgentPointer: rng.uint(16), options,
      };
      const addrs = { src: rng.uint(32), dst: rng.uint(32) };
      const payload = rng.bytes(rng.int(100));
      const bytes = encodeTcp(header, payload, addrs);
      expect(naiveChecksum(pseudoHeader(addrs.src, addrs.dst, 6, bytes.length), bytes)).to.equal(0);
      const r = decodeTcp(bytes, addrs);
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      const { checksum: _c, headerLength, rawOptions, payload: decodedPayload, ...fields } = r.value;
      expect(fields).to.deep.equal(header);
      expect(headerLength).to.equal(20 + tcpOptionsLength(options));
      expect(rawOptions.length).to.equal(tcpOptionsLength(options));
      expect(toHex(decodedPayload)).to.equal(toHex(payload));
    }
  });
});
