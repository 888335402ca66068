/**
 * Robustness: 20,000 random and mutated envelopes. The decoder must either return plain JSON data or
 * throw a ProtobufError (ERR_PROTOBUF) — never a TypeError, RangeError or stack overflow — and must
 * stay fast. Seeded, so a failure reproduces; the failing input is printed as hex.
 */
import { expect } from 'chai';
import { decodeKubernetesProtobuf, ProtobufError } from '../../../src/api/protobuf/index.js';
import { KINDS, MESSAGES, isMessageType, type MessageSchema } from '../../../src/api/protobuf/schema.js';
import { envelope, int, len, loadFixtures, MAGIC, msg } from './pb.js';

const RUNS = 20_000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('Kubernetes protobuf decoding under fuzzing', function () {
  this.timeout(120_000);
  const rand = rng(0x6b38730);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const n = (max: number) => Math.floor(rand() * max);
  const randomBytes = (size: number) => Buffer.from(Array.from({ length: size }, () => n(256)));

  /** A random but schema-valid message, so mutations start from bodies that reach deep code. */
  function generate(schema: MessageSchema, depth = 0): Buffer {
    const parts: Buffer[] = [];
    for (const f of schema.fields) {
      if (rand() < 0.5) continue;
      for (let i = 0, count = f.repeated || f.type.endsWith('map') ? n(3) : 1; i < count; i++) {
        if (f.type === 's') parts.push(len(f.num, pick(['', 'web', 'app', 'ClusterIP', 'TCP', 'é'])));
        else if (f.type === 'bytes') parts.push(len(f.num, randomBytes(n(5))));
        else if (f.type === 'i32' || f.type === 'i64') parts.push(int(f.num, pick([0, 1, 80, 30080, -1, 2 ** 31])));
        else if (f.type === 'b') parts.push(int(f.num, rand() < 0.5));
        else if (f.type === 'map' || f.type === 'bmap') parts.push(msg(f.num, len(1, pick(['app', 'k', ''])), len(2, pick(['v', '']))));
        else if (f.type === 'qmap') parts.push(msg(f.num, len(1, 'cpu'), msg(2, len(1, pick(['100m', '1', '64Mi'])))));
        else if (f.type === 'time') parts.push(msg(f.num, int(1, pick([0, 1715000000, -62135596800]))));
        else if (f.type === 'ios') parts.push(msg(f.num, int(1, n(2)), int(2, n(65536)), len(3, pick(['http', '25%']))));
        else if (f.type === 'qty') parts.push(msg(f.num, len(1, '1Gi')));
        else if (isMessageType(f.type) && depth < 8) parts.push(len(f.num, generate(MESSAGES.get(f.type)!, depth + 1)));
      }
    }
    return Buffer.concat(parts);
  }

  function mutate(input: Buffer): Buffer {
    const b = Buffer.from(input);
    const at = () => n(b.length + 1);
    switch (n(8)) {
      case 0: // flip a few bits
        for (let i = 0, k = 1 + n(4); i < k && b.length; i++) b[n(b.length)]! ^= 1 << n(8);
        return b;
      case 1: // overwrite a byte, often with a varint continuation byte
        if (b.length) b[n(b.length)] = pick([0xff, 0x80, 0x00, 0x7f, n(256)]);
        return b;
      case 2:
        return b.subarray(0, at());
      case 3: {
        const p = at();
        return Buffer.concat([b.subarray(0, p), randomBytes(1 + n(8)), b.subarray(p)]);
      }
      case 4: {
        const p = at();
        return Buffer.concat([b.subarray(0, p), b.subarray(p + 1 + n(16))]);
      }
      case 5: {
        const p = at();
        const q = Math.min(b.length, p + 1 + n(32));
        return Buffer.concat([b.subarray(0, q), b.subarray(p, q), b.subarray(q)]);
      }
      case 6: {
        const other = pick(seeds);
        return Buffer.concat([b.subarray(0, at()), other.subarray(n(other.length + 1))]);
      }
      default: // a length prefix turned huge
        return Buffer.concat([b.subarray(0, at()), Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f])]);
    }
  }

  const kinds = Object.entries(KINDS).map(([gvk, message]) => {
    const slash = gvk.lastIndexOf('/');
    return { apiVersion: gvk.slice(0, slash), kind: gvk.slice(slash + 1), message };
  });
  const seeds: Buffer[] = [
    ...loadFixtures().map((f) => f.bytes),
    ...Array.from({ length: 40 }, () => {
      const k = pick(kinds);
      return envelope(k.apiVersion, k.kind, generate(MESSAGES.get(k.message)!));
    }),
  ];

  it('generated schema-valid bodies decode to plain JSON', () => {
    for (const body of seeds) {
      const obj = decodeKubernetesProtobuf(body);
      expect(JSON.parse(JSON.stringify(obj))).to.deep.equal(obj);
    }
  });

  it(`${RUNS} random and mutated envelopes: JSON data or ERR_PROTOBUF, quickly`, () => {
    const outcomes = { decoded: 0, malformed: 0, 'unknown-field': 0, unsupported: 0 };
    let slowest = 0;
    for (let i = 0; i < RUNS; i++) {
      let body: Buffer;
      const r = rand();
      if (r < 0.1) body = randomBytes(n(200));
      else if (r < 0.2) body = Buffer.concat([MAGIC, randomBytes(n(200))]);
      else {
        body = pick(seeds);
        for (let k = 0, m = 1 + n(3); k < m; k++) body = mutate(body);
      }
      const started = performance.now();
      try {
        const obj = decodeKubernetesProtobuf(body);
        expect(JSON.parse(JSON.stringify(obj))).to.deep.equal(obj);
        outcomes.decoded++;
      } catch (err) {
        if (!(err instanceof ProtobufError) || err.code !== 'ERR_PROTOBUF') {
          throw new Error(`input ${body.toString('hex')} threw ${(err as Error)?.stack ?? err}`);
        }
        outcomes[err.failure]++;
      }
      slowest = Math.max(slowest, performance.now() - started);
    }
    // Every outcome must occur, or the corpus is not exercising the decoder.
    for (const [k, v] of Object.entries(outcomes)) expect(v, k).to.be.greaterThan(100);
    expect(slowest).to.be.lessThan(250);
  });

  it('survives deep nesting and a large body', () => {
    // Recursion follows the schema, never the input: 10,000 levels of field 2 end up as the bytes of
    // a string four messages down (spec.selector.matchExpressions[0].operator); field 3 as a
    // wire-type error (status.updatedReplicas is a varint).
    const outcome = (num: number) => {
      let nested = len(1, 'x');
      for (let i = 0; i < 10_000; i++) nested = msg(num, nested);
      try {
        decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', nested));
        return 'decoded';
      } catch (err) {
        if (err instanceof ProtobufError) return err.failure;
        throw err;
      }
    };
    expect(outcome(2)).to.equal('decoded');
    expect(outcome(3)).to.equal('malformed');
    const labels = Buffer.concat(Array.from({ length: 50_000 }, (_, i) => msg(11, len(1, `k${i}`), len(2, 'v'))));
    const obj = decodeKubernetesProtobuf(envelope('v1', 'Namespace', msg(1, labels)));
    expect(Object.keys(obj.metadata.labels ?? {})).to.have.length(50_000);
  });
});
