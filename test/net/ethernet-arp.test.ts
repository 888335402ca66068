import { expect } from 'chai';
import { BROADCAST_MAC, formatMac, ipv4, mac } from '../../src/net/addr.js';
import { ARP_OP_REPLY, ARP_OP_REQUEST, decodeArp, encodeArp, encodeArpInto } from '../../src/net/arp.js';
import { CodecError } from '../../src/net/errors.js';
import {
  ETHERTYPE_ARP, ETHERTYPE_IPV4, decodeEthernet, encodeEthernet, encodeEthernetInto,
} from '../../src/net/ethernet.js';
import { Rng, hex, sameBytes, toHex } from './support.js';

// who-has 172.18.0.3 tell 172.18.0.2, broadcast, from 02:00:00:00:00:01 (RFC 826 layout).
const ARP_REQUEST_FRAME =
  'ffffffffffff 020000000001 0806' +
  '0001 0800 06 04 0001 020000000001 ac120002 000000000000 ac120003';

describe('net/ethernet', () => {
  it('decodes a broadcast ARP frame header with views into the input', () => {
    const frame = hex(ARP_REQUEST_FRAME);
    const r = decodeEthernet(frame);
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect(formatMac(r.value.dst)).to.equal('ff:ff:ff:ff:ff:ff');
    expect(formatMac(r.value.src)).to.equal('02:00:00:00:00:01');
    expect(r.value.etherType).to.equal(ETHERTYPE_ARP);
    expect(r.value.payload.length).to.equal(28);
    expect(r.value.payload.buffer).to.equal(frame.buffer); // a view, not a copy
  });

  it('encodes byte-exact and into an offset of a larger buffer', () => {
    const header = { dst: BROADCAST_MAC, src: mac('02:00:00:00:00:01'), etherType: ETHERTYPE_ARP };
    const payload = hex(ARP_REQUEST_FRAME).subarray(14);
    expect(toHex(encodeEthernet(header, payload))).to.equal(ARP_REQUEST_FRAME.replace(/ /g, ''));
    const big = new Uint8Array(100).fill(0xee);
    expect(encodeEthernetInto(big, 7, header, payload)).to.equal(42);
    expect(big[6]).to.equal(0xee);
    expect(big[49]).to.equal(0xee);
    expect(toHex(big.subarray(7, 49))).to.equal(ARP_REQUEST_FRAME.replace(/ /g, ''));
  });

  it('rejects short frames and 802.3 length fields', () => {
    const short = decodeEthernet(new Uint8Array(13));
    expect(!short.ok && short.error.code).to.equal('ERR_TRUNCATED');
    const llc = hex('ffffffffffff 020000000001 0026');
    const r = decodeEthernet(llc);
    expect(!r.ok && r.error.code).to.equal('ERR_BAD_FIELD');
  });

  it('throws CodecError when encoding into a too-small buffer', () => {
    const header = { dst: mac('ff:ff:ff:ff:ff:ff'), src: mac('02:00:00:00:00:01'), etherType: ETHERTYPE_IPV4 };
    expect(() => encodeEthernetInto(new Uint8Array(20), 0, header, new Uint8Array(10)))
      .to.throw(CodecError).with.property('code', 'ERR_NO_SPACE');
  });

  it('round-trips random frames', () => {
    const rng = new Rng(20);
    for (let i = 0; i < 3000; i++) {
      const header = { dst: rng.bytes(6), src: rng.bytes(6), etherType: 0x0600 + rng.int(0x10000 - 0x0600) };
      const payload = rng.bytes(rng.int(100));
      const r = decodeEthernet(encodeEthernet(header, payload));
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect(sameBytes(r.value.dst, header.dst) && sameBytes(r.value.src, header.src)).to.equal(true);
      expect(r.value.etherType).to.equal(header.etherType);
      expect(sameBytes(r.value.payload, payload)).to.equal(true);
    }
  });
});

describe('net/arp', () => {
  it('decodes the fixture ARP request', () => {
    const r = decodeArp(hex(ARP_REQUEST_FRAME).subarray(14));
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect(r.value.op).to.equal(ARP_OP_REQUEST);
    expect(formatMac(r.value.senderMac)).to.equal('02:00:00:00:00:01');
    expect(r.value.senderIp).to.equal(ipv4('172.18.0.2'));
    expect(formatMac(r.value.targetMac)).to.equal('00:00:00:00:00:00');
    expect(r.value.targetIp).to.equal(ipv4('172.18.0.3'));
  });

  it('encodes the fixture request byte-exact and a reply', () => {
    const request = encodeArp({
      op: ARP_OP_REQUEST, senderMac: mac('02:00:00:00:00:01'), senderIp: ipv4('172.18.0.2'),
      targetMac: new Uint8Array(6), targetIp: ipv4('172.18.0.3'),
    });
    expect(toHex(request)).to.equal(ARP_REQUEST_FRAME.replace(/ /g, '').slice(28));
    const reply = encodeArp({
      op: ARP_OP_REPLY, senderMac: mac('02:00:00:00:00:02'), senderIp: ipv4('172.18.0.3'),
      targetMac: mac('02:00:00:00:00:01'), targetIp: ipv4('172.18.0.2'),
    });
    expect(toHex(reply)).to.equal('0001080006040002020000000002ac120003020000000001ac120002');
  });

  const bad: Array<[string, string, string]> = [
    ['truncated', '0001 0800 06 04 0001 020000000001 ac120002 000000000000 ac1200', 'ERR_TRUNCATED'],
    ['htype 6 (IEEE 802)', '0006 0800 06 04 0001 020000000001 ac120002 000000000000 ac120003', 'ERR_BAD_FIELD'],
    ['ptype IPv6', '0001 86dd 06 04 0001 020000000001 ac120002 000000000000 ac120003', 'ERR_BAD_FIELD'],
    ['hlen 8', '0001 0800 08 04 0001 020000000001 ac120002 000000000000 ac120003', 'ERR_BAD_FIELD'],
    ['op 3 (RARP)', '0001 0800 06 04 0003 020000000001 ac120002 000000000000 ac120003', 'ERR_BAD_FIELD'],
  ];
  for (const [name, bytes, code] of bad) {
    it(`rejects ${name} with ${code}`, () => {
      const r = decodeArp(hex(bytes));
      expect(!r.ok && r.error.code).to.equal(code);
    });
  }

  it('round-trips random packets (encodeInto at random offsets)', () => {
    const rng = new Rng(21);
    const buf = new Uint8Array(64);
    for (let i = 0; i < 3000; i++) {
      const p = {
        op: rng.pick([ARP_OP_REQUEST, ARP_OP_REPLY]), senderMac: rng.bytes(6), senderIp: rng.uint(32),
        targetMac: rng.bytes(6), targetIp: rng.uint(32),
      };
      const off = rng.int(36);
      expect(encodeArpInto(buf, off, p)).to.equal(28);
      const r = decodeArp(buf.subarray(off, off + 28));
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect({ ...r.value, senderMac: Array.from(r.value.senderMac), targetMac: Array.from(r.value.targetMac) })
        .to.deep.equal({ ...p, senderMac: Array.from(p.senderMac), targetMac: Array.from(p.targetMac) });
    }
  });
});
