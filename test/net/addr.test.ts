import { expect } from 'chai';
import {
  BROADCAST_MAC, formatIpv4, formatMac, ipToBytes, ipv4, isBroadcastMac, isMulticastMac, mac, macEquals, parseIpv4,
  parseMac, prefixMask, readIp, writeIp,
} from '../../src/net/addr.js';
import { CodecError } from '../../src/net/errors.js';
import { Rng } from './support.js';

describe('net/addr', () => {
  const ipTable: Array<[string, number]> = [
    ['0.0.0.0', 0],
    ['10.244.1.2', 0x0af40102],
    ['192.168.0.1', 0xc0a80001],
    ['255.255.255.255', 0xffffffff],
    ['128.0.0.0', 0x80000000],
  ];
  for (const [text, value] of ipTable) {
    it(`parses and formats ${text}`, () => {
      expect(ipv4(text)).to.equal(value);
      expect(formatIpv4(value)).to.equal(text);
    });
  }

  it('keeps addresses unsigned (never negative numbers)', () => {
    expect(ipv4('200.1.2.3')).to.be.greaterThan(0);
    const buf = new Uint8Array([0xff, 0xff, 0xff, 0xfe]);
    expect(readIp(buf, 0)).to.equal(4294967294);
  });

  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', 'a.b.c.d', ' 1.2.3.4', '1.2.3.4 ']) {
    it(`rejects ${JSON.stringify(bad)} with ERR_BAD_ADDRESS`, () => {
      const r = parseIpv4(bad);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.error.code).to.equal('ERR_BAD_ADDRESS');
      expect(() => ipv4(bad)).to.throw(CodecError);
    });
  }

  it('round-trips random addresses through strings and bytes', () => {
    const rng = new Rng(10);
    const buf = new Uint8Array(9);
    for (let i = 0; i < 5000; i++) {
      const ip = rng.uint(32);
      expect(ipv4(formatIpv4(ip))).to.equal(ip);
      expect(readIp(ipToBytes(ip), 0)).to.equal(ip);
      writeIp(buf, 5, ip);
      expect(readIp(buf, 5)).to.equal(ip);
    }
  });

  it('the hand-written parseIpv4 accepts exactly what the dotted-quad expression accepts', () => {
    const reference = (text: string): number | string => {
      const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
      if (m === null) return 'ERR';
      const parts = m.slice(1);
      if (parts.some((p) => Number(p) > 255 || (p.length > 1 && p[0] === '0'))) return 'ERR';
      return parts.reduce((v, p) => v * 256 + Number(p), 0);
    };
    const rng = new Rng(6);
    const alphabet = ['0', '1', '2', '5', '9', '.', '.', '.', ' ', 'a', '-', '00', '25', '255', '256', '999', '1000', '\n', '٣'];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const n = rng.int(12);
      for (let k = 0; k < n; k++) text += rng.pick(alphabet);
      if (i % 3 === 0) text = Array.from({ length: 4 }, () => String(rng.int(300))).join('.');
      const r = parseIpv4(text);
      const expected = reference(text);
      if (expected === 'ERR') expect(r.ok, JSON.stringify(text)).to.equal(false);
      else expect(r.ok && r.value, JSON.stringify(text)).to.equal(expected);
    }
  });

  it('ipToBytes is network order', () => {
    expect(Array.from(ipToBytes(ipv4('10.96.0.10')))).to.deep.equal([10, 96, 0, 10]);
  });

  it('computes prefix masks', () => {
    expect(prefixMask(0)).to.equal(0);
    expect(prefixMask(16)).to.equal(0xffff0000);
    expect(prefixMask(24)).to.equal(0xffffff00);
    expect(prefixMask(32)).to.equal(0xffffffff);
  });

  it('parses and formats MACs (lower case, colon or dash separated)', () => {
    const m = mac('0A:58:0A:F4:01:02');
    expect(Array.from(m)).to.deep.equal([0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x02]);
    expect(formatMac(m)).to.equal('0a:58:0a:f4:01:02');
    expect(formatMac(mac('0a-58-0a-f4-01-02'))).to.equal('0a:58:0a:f4:01:02');
    expect(formatMac(new Uint8Array([9, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]), 1)).to.equal('aa:bb:cc:dd:ee:ff');
  });

  for (const bad of ['', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00', 'gg:bb:cc:dd:ee:ff', 'aabbccddeeff']) {
    it(`rejects MAC ${JSON.stringify(bad)}`, () => {
      const r = parseMac(bad);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.error.code).to.equal('ERR_BAD_ADDRESS');
    });
  }

  it('classifies broadcast and multicast MACs', () => {
    expect(isBroadcastMac(mac('ff:ff:ff:ff:ff:ff'))).to.equal(true);
    expect(isMulticastMac(mac('01:00:5e:00:00:01'))).to.equal(true);
    expect(isMulticastMac(mac('02:00:00:00:00:01'))).to.equal(false);
    expect(macEquals(BROADCAST_MAC, mac('ff:ff:ff:ff:ff:ff'))).to.equal(true);
    expect(macEquals(mac('02:00:00:00:00:01'), mac('02:00:00:00:00:02'))).to.equal(false);
  });
});
