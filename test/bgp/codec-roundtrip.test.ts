/** Round-trip properties with a seeded PRNG: decode(encode(m)) = m, on 4-octet and 2-octet sessions. */
import { expect } from 'chai';
import {
  type DecodedMessage, Framer, asPathLength, decodeMessage, encodeMessage, encodeUpdates, formatAsPath, mergeAs4Path,
  parsePrefix, prependAs,
} from '../../src/bgp/codec/index.js';
import { genContext, genMessage, genPrefix } from './gen.js';
import { Rng, rawAttr, rawUpdate } from './support.js';

function strip(m: DecodedMessage): unknown {
  if (m.type !== 'UPDATE') return m;
  const { errors, ...rest } = m;
  expect(errors, 'no soft errors').to.deep.equal([]);
  return rest;
}

describe('bgp codec: round trips', () => {
  it('2,000 random messages decode to what was encoded (random 2/4-octet and ADD-PATH sessions)', () => {
    const rng = new Rng(0xb69);
    for (let i = 0; i < 2000; i++) {
      const ctx = genContext(rng);
      const msg = genMessage(rng, ctx);
      const bytes = encodeMessage(msg, ctx);
      const r = decodeMessage(bytes, ctx);
      if (!r.ok) expect.fail(`#${i} ${JSON.stringify(msg)}: ${r.error.reason}`);
      expect(strip(r.value), `#${i}`).to.deep.equal(msg);
    }
  });

  it('encodeUpdates splits 2,000 prefixes into messages of at most 4096 octets that carry them all', () => {
    const rng = new Rng(7);
    const nlri = Array.from({ length: 2000 }, () => genPrefix(rng, false));
    const withdrawn = Array.from({ length: 1500 }, () => genPrefix(rng, false));
    const attributes = { origin: 0 as const, asPath: [{ type: 2 as const, asns: [65001] }], nextHop: 0x0a000001 };
    const msgs = encodeUpdates({ withdrawn, attributes, nlri }, { as4: true });
    const got = { withdrawn: [] as unknown[], nlri: [] as unknown[] };
    for (const m of msgs) {
      expect(m.length).to.be.at.most(4096);
      const r = decodeMessage(m, { as4: true });
      if (!r.ok || r.value.type !== 'UPDATE') return expect.fail('bad split');
      got.withdrawn.push(...r.value.withdrawn);
      got.nlri.push(...r.value.nlri);
      if (r.value.nlri.length > 0) expect(r.value.attributes).to.deep.equal(attributes);
    }
    expect(got).to.deep.equal({ withdrawn, nlri });
  });

  it('the Framer reassembles any chunking of a stream of random messages', () => {
    const rng = new Rng(99);
    const msgs = Array.from({ length: 300 }, () => encodeMessage(genMessage(rng, { as4: true }), { as4: true }));
    const stream = Buffer.concat(msgs);
    for (const maxChunk of [1, 7, 19, 100, 5000]) {
      const framer = new Framer();
      const out: Uint8Array[] = [];
      for (let off = 0; off < stream.length;) {
        const n = 1 + rng.int(maxChunk);
        const r = framer.push(stream.subarray(off, off + n));
        expect(r.error).to.equal(undefined);
        out.push(...r.messages);
        off += n;
      }
      expect(out.map((m) => Buffer.from(m).toString('hex'))).to.deep.equal(msgs.map((m) => Buffer.from(m).toString('hex')));
      expect(framer.pending).to.equal(0);
    }
  });
});

describe('bgp codec: AS_PATH helpers', () => {
  const seq = (...asns: number[]) => ({ type: 2 as const, asns });
  const set = (...asns: number[]) => ({ type: 1 as const, asns });

  it('path length counts an AS_SET as one and confederation segments as none', () => {
    expect(asPathLength([seq(1, 2, 3), set(4, 5), { type: 3, asns: [9, 9] }])).to.equal(4);
  });
  it('prepending joins the leading AS_SEQUENCE or starts one before an AS_SET', () => {
    expect(prependAs([seq(2, 3)], 1)).to.deep.equal([seq(1, 2, 3)]);
    expect(prependAs([set(2, 3)], 1)).to.deep.equal([seq(1), set(2, 3)]);
    expect(prependAs([], 1)).to.deep.equal([seq(1)]);
  });
  it('RFC 6793 merge keeps the hops only 2-octet speakers added, then AS4_PATH', () => {
    // A NEW speaker sent [65001 4200000000]; then an OLD AS 65002 prepended itself.
    expect(mergeAs4Path([seq(65002, 65001, 23456)], [seq(65001, 4200000000)])).to.deep.equal([seq(65002, 65001, 4200000000)]);
    // AS4_PATH longer than AS_PATH: ignored.
    expect(mergeAs4Path([seq(23456)], [seq(1, 2)])).to.deep.equal([seq(23456)]);
    expect(mergeAs4Path([seq(65002, 23456), set(7, 8)], [seq(4200000000), set(7, 8)])).to.deep.equal([seq(65002, 4200000000), set(7, 8)]);
  });
  it('AS4_PATH is ignored when a 2-octet AGGREGATOR names an AS other than AS_TRANS (RFC 6793 §4.2.3)', () => {
    const attrs = rawAttr(0x40, 1, '00') + rawAttr(0x40, 2, '02 02 fdea 5ba0') + rawAttr(0x40, 3, '0a000001') +
      rawAttr(0xc0, 7, 'fdea 0a000009') + rawAttr(0xc0, 17, '02 01 fa56ea00');
    const r = decodeMessage(rawUpdate({ attrs, nlri: '08 0a' }), { as4: false });
    if (!r.ok || r.value.type !== 'UPDATE') return expect.fail('expected an UPDATE');
    expect(r.value.attributes.asPath).to.deep.equal([seq(65002, 23456)]);
    expect(r.value.attributes.aggregator).to.deep.equal({ asn: 65002, address: 0x0a000009 });
  });
  it('formats like birdc', () => {
    expect(formatAsPath([seq(65001, 65002), set(3, 4)])).to.equal('65001 65002 {3 4}');
  });
  it('parsePrefix refuses host bits and bad lengths', () => {
    expect(parsePrefix('10.0.0.0/8')).to.deep.equal({ addr: 0x0a000000, len: 8 });
    for (const bad of ['10.0.0.1/8', '10.0.0.0/33', '10.0.0/8', '10.0.0.0/', 'x']) {
      expect(() => parsePrefix(bad), bad).to.throw().with.property('code', 'ERR_BGP_PREFIX');
    }
  });
});
