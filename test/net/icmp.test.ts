import { expect } from 'chai';
import { ipv4 } from '../../src/net/addr.js';
import {
  ICMP_TIME_EXCEEDED_TTL, ICMP_UNREACH_FRAG_NEEDED, ICMP_UNREACH_PORT, type IcmpMessage, decodeIcmp, encodeIcmp, icmpQuote,
  isIcmpError,
} from '../../src/net/icmp.js';
import { decodeIpv4, decodeIpv4Header } from '../../src/net/ipv4.js';
import { buildIcmpError, buildIpv4Udp } from '../../src/net/packet.js';
import { Rng, hex, naiveChecksum, sameBytes, toHex } from './support.js';

// Windows-style ping: id 1, seq 1, payload "abcdefghijklmnopqrstuvwabcdefghi" -> the well-known checksum 4d5a.
const ECHO_REQUEST = '08004d5a00010001' + Buffer.from('abcdefghijklmnopqrstuvwabcdefghi').toString('hex');

describe('net/icmp', () => {
  it('decodes the well-known echo request (checksum 0x4d5a)', () => {
    const bytes = hex(ECHO_REQUEST);
    const zeroed = bytes.slice();
    zeroed[2] = 0;
    zeroed[3] = 0;
    expect(naiveChecksum(zeroed)).to.equal(0x4d5a);
    const r = decodeIcmp(bytes);
    expect(r.ok).to.equal(true);
    if (!r.ok || r.value.kind !== 'echo-request') throw new Error('expected echo-request');
    expect([r.value.id, r.value.seq, r.value.code]).to.deep.equal([1, 1, 0]);
    expect(Buffer.from(r.value.payload).toString()).to.equal('abcdefghijklmnopqrstuvwabcdefghi');
  });

  it('encodes the echo request byte-exact, and the matching reply', () => {
    const payload = Buffer.from('abcdefghijklmnopqrstuvwabcdefghi');
    expect(toHex(encodeIcmp({ kind: 'echo-request', code: 0, id: 1, seq: 1, payload }))).to.equal(ECHO_REQUEST);
    // Type 8 -> 0 changes the checksum by exactly 0x0800: 4d5a + 0800 = 555a.
    expect(toHex(encodeIcmp({ kind: 'echo-reply', code: 0, id: 1, seq: 1, payload }).subarray(0, 4))).to.equal('0000555a');
  });

  it('rejects a bad checksum and a short message', () => {
    const bytes = hex(ECHO_REQUEST);
    bytes[20] ^= 0x20;
    const r = decodeIcmp(bytes);
    expect(!r.ok && r.error.code).to.equal('ERR_BAD_CHECKSUM');
    expect(decodeIcmp(bytes, { verifyChecksum: false }).ok).to.equal(true);
    const short = decodeIcmp(hex('0800f7ff0000'));
    expect(!short.ok && short.error.code).to.equal('ERR_TRUNCATED');
  });

  it('builds a port unreachable quoting the IP header + first 8 bytes (RFC 792)', () => {
    const udp = buildIpv4Udp({ src: ipv4('10.244.1.2'), dst: ipv4('10.244.2.3'), srcPort: 40000, dstPort: 9999, payload: new Uint8Array(100) });
    const err = buildIcmpError({ src: ipv4('10.244.2.3'), dst: ipv4('10.244.1.2'), kind: 'dest-unreachable', code: ICMP_UNREACH_PORT, original: udp });
    const ip = decodeIpv4(err);
    expect(ip.ok).to.equal(true);
    if (!ip.ok) return;
    expect(ip.value.totalLength).to.equal(20 + 8 + 28);
    const icmp = decodeIcmp(ip.value.payload);
    if (!icmp.ok || icmp.value.kind !== 'dest-unreachable') throw new Error('expected dest-unreachable');
    expect(icmp.value.code).to.equal(ICMP_UNREACH_PORT);
    expect(icmp.value.nextHopMtu).to.equal(0);
    expect(sameBytes(icmp.value.original, udp.subarray(0, 28))).to.equal(true);
    const quoted = decodeIpv4Header(icmp.value.original);
    expect(quoted.ok && quoted.value.dst).to.equal(ipv4('10.244.2.3'));
    expect(quoted.ok && toHex(quoted.value.payload.subarray(0, 4))).to.equal('9c40270f'); // ports 40000 -> 9999
    expect(isIcmpError(icmp.value)).to.equal(true);
  });

  it('carries the next-hop MTU in bytes 6-7 for fragmentation needed (code 4)', () => {
    const original = hex('4500 05dc 0001 4000 4011 0000 0a000001 0a000002 1234 5678 05c8 0000');
    const msg = encodeIcmp({ kind: 'dest-unreachable', code: ICMP_UNREACH_FRAG_NEEDED, nextHopMtu: 1450, original });
    expect(toHex(msg.subarray(0, 2))).to.equal('0304');
    expect(toHex(msg.subarray(4, 8))).to.equal('000005aa');
    const r = decodeIcmp(msg);
    expect(r.ok && r.value.kind === 'dest-unreachable' && r.value.nextHopMtu).to.equal(1450);
  });

  it('encodes time exceeded with zero unused bytes', () => {
    const original = hex('4500 0054 0001 4000 0101 0000 0a000001 0a000002 0800 0000 0001 0001');
    const msg = encodeIcmp({ kind: 'time-exceeded', code: ICMP_TIME_EXCEEDED_TTL, original });
    expect(toHex(msg.subarray(0, 2))).to.equal('0b00');
    expect(toHex(msg.subarray(4, 8))).to.equal('00000000');
    expect(naiveChecksum(msg)).to.equal(0);
    const r = decodeIcmp(msg);
    expect(r.ok && r.value.kind).to.equal('time-exceeded');
  });

  it('keeps unknown types verbatim (timestamp request, type 13)', () => {
    const msg = encodeIcmp({ kind: 'other', type: 13, code: 0, rest: 0x00070001, payload: new Uint8Array(12) });
    const r = decodeIcmp(msg);
    expect(r.ok && r.value.kind === 'other' && [r.value.type, r.value.rest]).to.deep.equal([13, 0x00070001]);
  });

  it('icmpQuote never over-reads and honours IHL and total length', () => {
    const withOptions = new Uint8Array(60);
    withOptions[0] = 0x46; // IHL 6
    withOptions[3] = 60;
    expect(icmpQuote(withOptions).length).to.equal(32);
    const tiny = hex('4500 0016 0000 0000 4011 0000 0a000001 0a000002 ab ab');
    expect(icmpQuote(tiny).length).to.equal(22);
    expect(icmpQuote(new Uint8Array(3)).length).to.equal(3);
    expect(icmpQuote(new Uint8Array(0)).length).to.equal(0);
  });

  it('round-trips random messages of every kind', () => {
    const rng = new Rng(40);
    for (let i = 0; i < 4000; i++) {
      const body = rng.bytes(rng.int(80));
      const msg: IcmpMessage = rng.pick<() => IcmpMessage>([
        () => ({ kind: 'echo-request', code: 0, id: rng.uint(16), seq: rng.uint(16), payload: body }),
        () => ({ kind: 'echo-reply', code: rng.uint(8), id: rng.uint(16), seq: rng.uint(16), payload: body }),
        () => ({ kind: 'dest-unreachable', code: rng.int(16), nextHopMtu: rng.uint(16), original: body }),
        () => ({ kind: 'time-exceeded', code: rng.int(2), original: body }),
        () => ({ kind: 'other', type: rng.pick([5, 9, 10, 13, 14, 200]), code: rng.uint(8), rest: rng.uint(32), payload: body }),
      ])();
      const bytes = encodeIcmp(msg);
      expect(naiveChecksum(bytes)).to.equal(0);
      const r = decodeIcmp(bytes);
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      const normalize = (m: IcmpMessage): unknown => JSON.stringify(m, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v));
      expect(normalize(r.value)).to.equal(normalize(msg));
    }
  });
});
