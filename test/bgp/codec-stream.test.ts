/** The stream framer: partial reads, many messages per chunk, and header errors mid-stream. */
import { expect } from 'chai';
import { Framer, encodeKeepalive, encodeNotification } from '../../src/bgp/codec/index.js';
import { hex, toHex } from './support.js';

const M = 'ffffffffffffffffffffffffffffffff';
const KA = encodeKeepalive();
const NOTIF = encodeNotification({ code: 6, subcode: 2, data: new Uint8Array(0) });

describe('bgp codec: Framer', () => {
  it('holds a partial message until the rest arrives', () => {
    const f = new Framer();
    expect(f.push(NOTIF.subarray(0, 5)).messages).to.deep.equal([]);
    expect(f.push(NOTIF.subarray(5, 20)).messages).to.deep.equal([]);
    expect(f.pending).to.equal(20);
    expect(f.push(NOTIF.subarray(20)).messages.map(toHex)).to.deep.equal([toHex(NOTIF)]);
    expect(f.pending).to.equal(0);
  });

  it('yields every message of a chunk in order, keeping the tail', () => {
    const f = new Framer();
    const chunk = Buffer.concat([KA, NOTIF, KA, NOTIF.subarray(0, 3)]);
    expect(f.push(chunk).messages.map(toHex)).to.deep.equal([KA, NOTIF, KA].map(toHex));
    expect(f.push(NOTIF.subarray(3)).messages.map(toHex)).to.deep.equal([toHex(NOTIF)]);
  });

  it('byte by byte', () => {
    const f = new Framer();
    const out: string[] = [];
    for (const b of Buffer.concat([NOTIF, KA, KA])) out.push(...f.push(Uint8Array.of(b)).messages.map(toHex));
    expect(out).to.deep.equal([NOTIF, KA, KA].map(toHex));
  });

  it('a bad marker after good messages: the good ones, then Connection Not Synchronized, then nothing more', () => {
    const f = new Framer();
    const r = f.push(Buffer.concat([KA, hex(`fe${M.slice(2)} 0013 04`)]));
    expect(r.messages.map(toHex)).to.deep.equal([toHex(KA)]);
    expect([r.error?.code, r.error?.subcode]).to.deep.equal([1, 1]);
    const again = f.push(KA);
    expect(again.messages).to.deep.equal([]);
    expect(again.error?.subcode).to.equal(1);
  });

  it('reports a bad length as soon as the header is in, without waiting for the body', () => {
    const f = new Framer();
    const r = f.push(hex(`${M} 2000 02`));
    expect([r.error?.code, r.error?.subcode, toHex(r.error!.data)]).to.deep.equal([1, 2, '2000']);
  });

  it('reports a bad type from the header alone', () => {
    const r = new Framer().push(hex(`${M} 0100 09`));
    expect([r.error?.code, r.error?.subcode, toHex(r.error!.data)]).to.deep.equal([1, 3, '09']);
  });
});
