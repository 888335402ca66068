import { expect } from 'chai';
import { deepCopy, deepFreeze, jsonEqual } from '../../src/api/store/freeze.js';

/** What JSON makes of a value: the reference both helpers must agree with. */
const viaJson = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
const canonical = (v: unknown): string | undefined =>
  JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));

const VALUES: unknown[] = [
  null,
  0,
  -0,
  1.5,
  'text',
  true,
  [],
  {},
  [1, 'a', null, undefined, () => 1, { b: 2 }],
  { a: 1, b: undefined, c: () => 2, d: [undefined], e: { f: null }, n: NaN, i: Infinity },
  { '10': 'x', '9': 'y', z: 'z', a: { nested: [{ deep: true }] } },
  { when: new Date(Date.UTC(2026, 0, 1)) },
  JSON.parse('{"__proto__": {"polluted": 1}, "ok": 1}'),
];

describe('api/store/freeze: deepCopy, jsonEqual, deepFreeze', () => {
  VALUES.forEach((v, i) => {
    it(`deepCopy equals a JSON round trip (#${i})`, () => {
      const copy = deepCopy(v);
      expect(JSON.stringify(copy)).to.equal(JSON.stringify(viaJson(v)));
      expect(copy).to.deep.equal(viaJson(v));
      if (v && typeof v === 'object') expect(copy).not.to.equal(v);
    });
  });

  it('deepCopy keeps "__proto__" an own key and leaves the prototype alone', () => {
    const copy = deepCopy(JSON.parse('{"__proto__": {"polluted": 1}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).to.equal(Object.prototype);
    expect(Object.keys(copy)).to.deep.equal(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });

  it('deepCopy of a frozen object is mutable all the way down', () => {
    const copy = deepCopy(deepFreeze({ a: { b: [1, { c: 2 }] } }));
    copy.a.b.push(3);
    (copy.a.b[1] as { c: number }).c = 5;
    expect(copy).to.deep.equal({ a: { b: [1, { c: 5 }, 3] } });
  });

  it('jsonEqual agrees with comparing canonical JSON for every pair', () => {
    const more: unknown[] = [...VALUES, { a: 1 }, { a: 1, b: undefined }, { b: undefined, a: 1 }, { a: '1' }, [1, 2], [2, 1], [null], [undefined], { a: [1, { x: 1, y: 2 }] }, { a: [1, { y: 2, x: 1 }] }];
    for (const a of more) {
      for (const b of more) {
        if (a instanceof Object && 'when' in (a as object)) continue; // toJSON is not compared
        if (b instanceof Object && 'when' in (b as object)) continue;
        expect(jsonEqual(a, b), `${canonical(a)} vs ${canonical(b)}`).to.equal(canonical(a) === canonical(b));
      }
    }
  });

  it('deepFreeze freezes every level and skips parts already frozen', () => {
    const shared = Object.freeze({ x: { y: 1 } }); // frozen on top only: left as it is
    const o = deepFreeze({ a: [{ b: 1 }], shared });
    expect(Object.isFrozen(o) && Object.isFrozen(o.a) && Object.isFrozen(o.a[0])).to.equal(true);
    expect(Object.isFrozen(shared.x)).to.equal(false);
  });
});
