import { expect } from 'chai';
import { CodecError } from '../../src/net/errors.js';
import {
  LINKTYPE_ETHERNET, LINKTYPE_RAW, pcapHeader, pcapRecord, pcapRecordHeader, toPcapTimestamp,
} from '../../src/net/pcap.js';
import { hex, toHex } from './support.js';

describe('net/pcap', () => {
  it('writes the exact 24-byte global header (little-endian magic a1b2c3d4, v2.4, Ethernet)', () => {
    expect(toHex(pcapHeader(LINKTYPE_ETHERNET, 65535))).to.equal(
      'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '01000000');
  });

  it('uses LINKTYPE_RAW (101) and the default snaplen 262144', () => {
    const h = pcapHeader(LINKTYPE_RAW);
    expect(toHex(h.subarray(16))).to.equal('00000400' + '65000000');
  });

  it('writes a record header from milliseconds with microsecond precision', () => {
    const frame = hex('0102030405');
    const rec = pcapRecord(1_700_000_000_123.456, frame);
    // ts_sec 1700000000 = 0x6553f100, ts_usec 123456 = 0x0001e240, incl_len 5, orig_len 5
    expect(toHex(rec)).to.equal('00f15365' + '40e20100' + '05000000' + '05000000' + '0102030405');
  });

  it('accepts {sec, usec} and truncates to snaplen while keeping orig_len', () => {
    const rec = pcapRecord({ sec: 1, usec: 999_999 }, new Uint8Array(100), 64);
    expect(rec.length).to.equal(16 + 64);
    expect(toHex(rec.subarray(0, 16))).to.equal('01000000' + '3f420f00' + '40000000' + '64000000');
  });

  it('carries rounding of microseconds into seconds', () => {
    expect(toPcapTimestamp(1999.9999)).to.deep.equal({ sec: 2, usec: 0 });
    expect(toPcapTimestamp(0)).to.deep.equal({ sec: 0, usec: 0 });
    expect(toPcapTimestamp(1500)).to.deep.equal({ sec: 1, usec: 500_000 });
  });

  it('record header alone matches the one inside a full record', () => {
    const frame = new Uint8Array(70);
    expect(toHex(pcapRecordHeader(12_345, frame.length))).to.equal(toHex(pcapRecord(12_345, frame).subarray(0, 16)));
  });

  it('rejects negative or non-finite timestamps and bad usec', () => {
    expect(() => pcapRecord(-1, new Uint8Array(1))).to.throw(CodecError);
    expect(() => pcapRecord(Number.NaN, new Uint8Array(1))).to.throw(CodecError);
    expect(() => pcapRecord({ sec: 0, usec: 1_000_000 }, new Uint8Array(1))).to.throw(CodecError);
  });
});
