/**
 * 20,000 random and mutated messages through decodeMessage and the Framer: nothing may throw, and
 * every failure must be a typed BgpError whose code is a NOTIFICATION error code.
 */
import { expect } from 'chai';
import { type BgpError, Framer, decodeMessage, encodeMessage, notificationFor, encodeNotification } from '../../src/bgp/codec/index.js';
import { genContext, genMessage } from './gen.js';
import { Rng, mutateMessage } from './support.js';

const ITERATIONS = 20_000;
const ACTIONS = new Set(['session-reset', 'treat-as-withdraw', 'attribute-discard']);

function checkError(e: BgpError): void {
  expect(e.code).to.be.within(1, 7);
  expect(e.subcode).to.be.within(0, 255);
  expect(e.data).to.be.instanceOf(Uint8Array);
  expect(ACTIONS.has(e.action), e.action).to.equal(true);
  expect(e.reason).to.be.a('string');
  // Whatever we detect must be sendable as a NOTIFICATION.
  expect(encodeNotification(notificationFor(e)).length).to.be.at.most(4096);
}

describe('bgp codec: fuzz', function () {
  this.timeout(120_000);

  it(`${ITERATIONS} mutated messages give only typed results`, () => {
    const rng = new Rng(0x5eed);
    const seen = { ok: 0, fail: 0, soft: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const ctx = genContext(rng);
      const seed = encodeMessage(genMessage(rng, ctx), ctx);
      const input = rng.int(10) === 0 ? rng.bytes(rng.int(64)) : mutateMessage(rng, seed);
      let r;
      try {
        r = decodeMessage(input, ctx);
      } catch (err) {
        expect.fail(`#${i} threw ${String(err)} on ${Buffer.from(input).toString('hex')}`);
      }
      if (!r.ok) {
        seen.fail++;
        checkError(r.error);
      } else {
        seen.ok++;
        if (r.value.type === 'UPDATE') {
          r.value.errors.forEach(checkError);
          if (r.value.errors.length > 0) seen.soft++;
        }
      }
    }
    // The mutator must reach deep: plenty of each outcome.
    expect(seen.ok).to.be.greaterThan(ITERATIONS / 10);
    expect(seen.fail).to.be.greaterThan(ITERATIONS / 10);
    expect(seen.soft).to.be.greaterThan(100);
  });

  it('the Framer survives random chunkings of mutated streams', () => {
    const rng = new Rng(0xf4a3);
    for (let i = 0; i < 2000; i++) {
      const ctx = genContext(rng);
      const parts = Array.from({ length: 1 + rng.int(4) }, () => mutateMessage(rng, encodeMessage(genMessage(rng, ctx), ctx)));
      const stream = Buffer.concat(parts);
      const f = new Framer();
      for (let off = 0; off < stream.length;) {
        const n = 1 + rng.int(64);
        const r = f.push(stream.subarray(off, off + n));
        if (r.error) checkError(r.error);
        for (const m of r.messages) {
          const d = decodeMessage(m, ctx);
          if (!d.ok) checkError(d.error);
        }
        off += n;
      }
    }
  });
});
