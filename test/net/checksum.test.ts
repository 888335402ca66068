import { expect } from 'chai';
import {
  checksumAdd, checksumFinish, checksumUpdate16, checksumUpdate32, checksumValid, internetChecksum, pseudoHeaderSum,
} from '../../src/net/checksum.js';
import { Rng, hex, naiveChecksum, pseudoHeader } from './support.js';

describe('net/checksum', () => {
  it('matches the RFC 1071 section 3 worked example (sum ddf2, checksum 220d)', () => {
    const data = hex('0001 f203 f4f5 f6f7');
    expect(checksumAdd(data)).to.equal(0xddf2);
    expect(internetChecksum(data)).to.equal(0x220d);
  });

  it('matches the well-known IPv4 header example (checksum b861)', () => {
    const header = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
    expect(internetChecksum(header)).to.equal(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(internetChecksum(header)).to.equal(0);
    expect(checksumValid(header)).to.equal(true);
  });

  it('pads an odd trailing byte with zero', () => {
    expect(internetChecksum(hex('01'))).to.equal(0xfeff);
    expect(internetChecksum(hex('0102 03'))).to.equal(naiveChecksum(hex('0102 03')));
  });

  it('checksums a sub-range without reading outside it', () => {
    const buf = hex('ffff 0001 f203 f4f5 f6f7 ffff');
    expect(internetChecksum(buf, 2, 10)).to.equal(0x220d);
  });

  it('agrees with a naive reference on random data of every length 0..300', () => {
    const rng = new Rng(1);
    for (let len = 0; len <= 300; len++) {
      const data = rng.bytes(len);
      expect(internetChecksum(data), `len ${len}`).to.equal(naiveChecksum(data));
    }
  });

  it('is incremental: pseudo-header sum + ranges equals the checksum of the concatenation', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 500; i++) {
      const src = rng.uint(32);
      const dst = rng.uint(32);
      const body = rng.bytes(rng.int(200));
      const a = rng.int(body.length / 2) * 2; // non-final ranges must be even
      let sum = pseudoHeaderSum(src, dst, 17, body.length);
      sum = checksumAdd(body, 0, a, sum);
      sum = checksumAdd(body, a, body.length, sum);
      expect(checksumFinish(sum)).to.equal(naiveChecksum(pseudoHeader(src, dst, 17, body.length), body));
    }
  });

  it('handles large inputs (64 KiB of 0xff) without overflow', () => {
    const data = new Uint8Array(65536).fill(0xff);
    expect(internetChecksum(data)).to.equal(naiveChecksum(data));
    expect(internetChecksum(new Uint8Array(65536))).to.equal(0xffff);
  });

  it('the word path equals a naive reference at every alignment, length, odd byte and start value', () => {
    // Long ranges are summed through a Uint32Array (aligned loads, byte-swapped sums, odd addresses
    // shifted by one byte): every combination of address alignment mod 4, length parity and
    // accumulated start must give what the byte-by-byte reference gives.
    const rng = new Rng(4);
    const host = new Uint8Array(4200);
    for (let i = 0; i < 6000; i++) {
      const fill = rng.int(8);
      for (let k = 0; k < host.length; k++) host[k] = fill === 0 ? 0 : fill === 1 ? 0xff : rng.int(256);
      const viewAt = rng.int(8); // byteOffset of the view: every residue mod 4, odd ones included
      const view = host.subarray(viewAt);
      const start = rng.int(9);
      const end = Math.min(view.length, start + (i < 400 ? i : rng.int(4096)));
      const acc = rng.pick([0, 1, 0xffff, rng.uint(16), rng.uint(20)]);
      let expected = acc;
      for (let k = start; k < end; k += 2) expected += view[k]! * 256 + (k + 1 < end ? view[k + 1]! : 0);
      while (expected > 0xffff) expected = (expected & 0xffff) + Math.floor(expected / 65536);
      expect(checksumAdd(view, start, end, acc), `view at ${viewAt}, [${start}, ${end}), acc ${acc}`).to.equal(expected);
      expect(internetChecksum(view, start, end)).to.equal(naiveChecksum(view.subarray(start, end)));
    }
  });

  it('the word path reads only its range (neighbouring bytes never count)', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 500; i++) {
      const body = rng.bytes(64 + rng.int(1500));
      const host = new Uint8Array(body.length + 16).fill(0xee);
      const at = 1 + rng.int(7);
      host.set(body, at);
      expect(internetChecksum(host, at, at + body.length)).to.equal(naiveChecksum(body));
    }
  });

  it('RFC 1624 incremental update equals a full recompute', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 2000; i++) {
      const data = rng.bytes(20 + rng.int(20) * 2);
      data[10] = 0;
      data[11] = 0;
      const c = internetChecksum(data);
      data[10] = c >>> 8;
      data[11] = c & 0xff;
      const wordAt = 2 * rng.pick([0, 1, 2, 3, 4, 6, 7, 8, 9]);
      const oldWord = (data[wordAt]! << 8) | data[wordAt + 1]!;
      const newWord = rng.pick([0, 0xffff, rng.uint(16)]);
      data[wordAt] = newWord >>> 8;
      data[wordAt + 1] = newWord & 0xff;
      const updated = checksumUpdate16(c, oldWord, newWord);
      data[10] = 0;
      data[11] = 0;
      expect(updated).to.equal(internetChecksum(data));
    }
  });

  it('checksumUpdate32 rewrites an address the way a NAT does', () => {
    const header = hex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');
    const updated = checksumUpdate32(0xb861, 0xc0a800c7, 0x0a000005);
    header.set([10, 0, 0, 5], 16);
    header[10] = 0;
    header[11] = 0;
    expect(updated).to.equal(internetChecksum(header));
  });
});
