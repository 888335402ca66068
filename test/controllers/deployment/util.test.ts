import { expect } from 'chai';
import { computeHash, equalIgnoreHash, fnv32a, safeEncodeString } from '../../../src/controllers/deployment/hash.js';
import { deployment } from './fixtures.js';
import { maxSurge, maxUnavailable, resolveFenceposts, roundHalfAway, scaledValue } from '../../../src/controllers/deployment/util.js';

describe('deployment/util: surge and unavailability', () => {
  const cases: [string, number, number | string, number | string, number, number][] = [
    // name, replicas, maxSurge, maxUnavailable, resolved surge, resolved unavailable
    ['defaults 25% of 4', 4, '25%', '25%', 1, 1],
    ['25% of 3: surge rounds up, unavailable down', 3, '25%', '25%', 1, 0],
    ['25% of 10', 10, '25%', '25%', 3, 2],
    ['ints are taken as they are', 10, 2, 3, 2, 3],
    ['both zero after rounding: unavailable becomes 1', 3, 0, '25%', 0, 1],
    ['100% surge', 5, '100%', 0, 5, 0],
    ['unavailable capped at replicas', 2, 1, 5, 1, 2],
    ['zero replicas: unavailable is 0', 0, '25%', '25%', 0, 0],
  ];
  for (const [name, replicas, s, u, wantS, wantU] of cases) {
    it(name, () => {
      const d = deployment(replicas, s, u);
      expect([maxSurge(d), maxUnavailable(d)]).to.deep.equal([wantS, wantU]);
    });
  }

  it('Recreate has neither surge nor unavailability', () => {
    const d = deployment(3, 1, 1, { strategy: { type: 'Recreate' } });
    expect([maxSurge(d), maxUnavailable(d)]).to.deep.equal([0, 0]);
  });

  it('scaledValue and rounding helpers', () => {
    expect(scaledValue('50%', 3, true)).to.equal(2);
    expect(scaledValue('50%', 3, false)).to.equal(1);
    expect(scaledValue(undefined, 3, true)).to.equal(0);
    expect(resolveFenceposts(deployment(1, '0%', '0%'))).to.deep.equal([0, 1]);
    expect([roundHalfAway(2.5), roundHalfAway(-2.5), roundHalfAway(-2.4)]).to.deep.equal([3, -3, -2]);
  });
});

describe('deployment/hash: pod-template-hash', () => {
  it('FNV-32a test vectors', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(fnv32a(enc(''))).to.equal(0x811c9dc5);
    expect(fnv32a(enc('a'))).to.equal(0xe40c292c);
    expect(fnv32a(enc('foobar'))).to.equal(0xbf9cf968);
  });

  it('safe-encodes like rand.SafeEncodeString', () => {
    expect(safeEncodeString('0123456789')).to.equal('456789bcdf');
  });

  it('is stable, key-order independent, ignores the hash label, and changes with the template or collisionCount', () => {
    const t1 = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } };
    const t1b = { spec: { containers: [{ image: 'v1', name: 'c' }] }, metadata: { labels: { app: 'web', 'pod-template-hash': 'x' } } };
    const t2 = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v2' }] } };
    expect(computeHash(t1)).to.match(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(computeHash(t1)).to.equal(computeHash(t1b));
    expect(computeHash(t1)).to.not.equal(computeHash(t2));
    expect(computeHash(t1, 1)).to.not.equal(computeHash(t1));
    expect(equalIgnoreHash(t1, t1b)).to.equal(true);
    expect(equalIgnoreHash(t1, t2)).to.equal(false);
  });
});
