import { expect } from 'chai';
import { applyMergePatch } from '../../../src/api/patch/index.js';
import { deepFreeze, snapshot } from './deep-freeze.js';

describe('JSON merge patch (RFC 7386)', () => {
  // RFC 7386 Appendix A, in order.
  const appendixA: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  appendixA.forEach(([target, patch, expected], i) => {
    it(`Appendix A case ${i + 1}: ${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      expect(applyMergePatch(deepFreeze(target), deepFreeze(patch))).to.deep.equal(expected);
    });
  });

  it('the RFC 7386 section 3 example', () => {
    const target = deepFreeze({
      title: 'Goodbye!',
      author: { givenName: 'John', familyName: 'Doe' },
      tags: ['example', 'sample'],
      content: 'This will be unchanged',
    });
    const patch = deepFreeze({ title: 'Hello!', phoneNumber: '+01-123-456-7890', author: { familyName: null }, tags: ['example'] });
    expect(applyMergePatch(target, patch)).to.deep.equal({
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    });
  });

  it('kubectl scale through the scale subresource: {"spec":{"replicas":3}}', () => {
    const scale = deepFreeze({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 1 },
      status: { replicas: 1, selector: 'app=web' },
    });
    expect(applyMergePatch(scale, { spec: { replicas: 3 } })).to.deep.equal({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 3 },
      status: { replicas: 1, selector: 'app=web' },
    });
  });

  it('kubectl label --overwrite / label removal as a merge patch', () => {
    const node = deepFreeze({ metadata: { name: 'n1', labels: { a: '1', b: '2' } } });
    expect(applyMergePatch(node, { metadata: { labels: { a: null, c: '3' } } })).to.deep.equal({
      metadata: { name: 'n1', labels: { b: '2', c: '3' } },
    });
  });

  it('keeps member order: target members first, new members after', () => {
    const out = applyMergePatch({ a: 1, b: 2, c: 3 }, { d: 4, b: 20 }) as Record<string, unknown>;
    expect(Object.keys(out)).to.deep.equal(['a', 'b', 'c', 'd']);
  });

  it('never modifies its inputs and shares no structure with them', () => {
    const target = { a: { b: [1, 2] }, keep: { deep: { x: 1 } } };
    const patch = { a: { c: { d: 1 } }, list: [{ x: 1 }] };
    const before = [snapshot(target), snapshot(patch)];
    const out = applyMergePatch(target, patch) as any;
    expect([target, patch]).to.deep.equal(before);
    out.keep.deep.x = 2;
    out.a.c.d = 2;
    out.list[0].x = 2;
    out.a.b.push(3);
    expect([target, patch]).to.deep.equal(before);
  });

  it('treats a "__proto__" member as data, not as the prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const out = applyMergePatch({}, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).to.equal(Object.prototype);
    expect(Object.keys(out)).to.deep.equal(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });
});
