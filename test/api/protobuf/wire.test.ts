import { expect } from 'chai';
import { readFields, readPackedVarints, readVarint, toInt32, toInt64, decodeString, ProtobufError } from '../../../src/api/protobuf/wire.js';
import { isKemuError } from '../../../src/util/errors.js';
import { int, len, varint } from './pb.js';

const b = (...bytes: number[]) => Uint8Array.from(bytes);

function fails(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(isKemuError(err, 'ERR_PROTOBUF'), String(err)).to.equal(true);
    expect((err as ProtobufError).failure).to.equal('malformed');
    expect((err as Error).message).to.match(pattern);
    return;
  }
  throw new Error('expected ERR_PROTOBUF');
}

describe('protobuf wire format', () => {
  describe('varints', () => {
    it('reads one- and multi-byte values and returns the next position', () => {
      expect(readVarint(b(0x00), 0)).to.deep.equal([0n, 1]);
      expect(readVarint(b(0x7f), 0)).to.deep.equal([127n, 1]);
      expect(readVarint(b(0xac, 0x02), 0)).to.deep.equal([300n, 2]);
      expect(readVarint(b(0x09, 0x96, 0x01), 1)).to.deep.equal([150n, 3]);
    });

    it('reads the full 64 bits (10 bytes) and converts like Go', () => {
      const max = varint(2n ** 64n - 1n);
      expect(max.length).to.equal(10);
      expect(readVarint(max, 0)[0]).to.equal(2n ** 64n - 1n);
      // int32 -1 arrives sign-extended to 64 bits; Go keeps the low 32 bits.
      expect(toInt32(readVarint(varint(-1), 0)[0])).to.equal(-1);
      expect(toInt32(2n ** 32n + 5n)).to.equal(5);
      expect(toInt64(readVarint(varint(-62135596800n), 0)[0])).to.equal(-62135596800);
      expect(toInt64(2n ** 40n)).to.equal(2 ** 40);
    });

    it('refuses truncated, overlong and overflowing varints', () => {
      fails(() => readVarint(b(0x80), 0), /truncated varint/);
      fails(() => readVarint(b(), 0), /truncated varint/);
      fails(() => readVarint(b(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02), 0), /overflows 64 bits/);
      fails(() => readVarint(b(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00), 0), /overflows 64 bits/);
    });
  });

  describe('fields', () => {
    it('splits a message into varint and length-delimited fields in wire order', () => {
      const fields = readFields(Buffer.concat([len(1, 'web'), int(7, 3), len(1, ''), int(16, true)]));
      expect(fields.map((f) => [f.num, f.wire])).to.deep.equal([[1, 2], [7, 0], [1, 2], [16, 0]]);
      expect(decodeString(fields[0]!.bytes)).to.equal('web');
      expect(fields[1]!.varint).to.equal(3n);
      expect(fields[2]!.bytes.length).to.equal(0);
    });

    it('steps over fixed32 and fixed64 payloads', () => {
      const fields = readFields(b(0x0d, 1, 2, 3, 4, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x18, 0x05));
      expect(fields.map((f) => [f.num, f.wire, f.bytes.length])).to.deep.equal([[1, 5, 4], [2, 1, 8], [3, 0, 0]]);
      fails(() => readFields(b(0x0d, 1, 2, 3)), /truncated fixed32/);
      fails(() => readFields(b(0x11, 1, 2, 3, 4, 5, 6, 7)), /truncated fixed64/);
    });

    it('refuses a length beyond the data, even a huge one', () => {
      fails(() => readFields(b(0x0a, 0x05, 0x61)), /longer than the data left/);
      fails(() => readFields(Buffer.concat([b(0x0a), varint(2n ** 63n)])), /longer than the data left/);
    });

    it('refuses groups, unknown wire types and field number 0', () => {
      fails(() => readFields(b(0x0b, 0x0c)), /wire type 3/);
      fails(() => readFields(b(0x0e)), /wire type 6/);
      fails(() => readFields(b(0x02, 0x00)), /field number 0/);
      fails(() => readFields(varint(2n ** 40n)), /field number out of range/);
    });

    it('reads packed varints', () => {
      expect(readPackedVarints(Buffer.concat([varint(1), varint(300), varint(-1)]))).to.deep.equal([1n, 300n, 2n ** 64n - 1n]);
      fails(() => readPackedVarints(b(0x80)), /truncated varint/);
    });

    it('decodes strings as UTF-8, invalid bytes as U+FFFD like Go\'s JSON encoder', () => {
      expect(decodeString(Buffer.from('héllo'))).to.equal('héllo');
      expect(decodeString(b(0x61, 0xff, 0x62))).to.equal('a\ufffdb');
    });
  });
});
