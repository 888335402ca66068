import { expect } from 'chai';
import { applyJsonPatch, parsePointer } from '../../../src/api/patch/index.js';
import { KemuError } from '../../../src/util/errors.js';
import { deepFreeze, snapshot } from './deep-freeze.js';

function errorOf(fn: () => unknown): KemuError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(KemuError);
    return err as KemuError;
  }
  throw new Error('expected an error');
}

describe('JSON patch (RFC 6902)', () => {
  // RFC 6902 Appendix A, the successful examples.
  const ok: [string, unknown, unknown, unknown][] = [
    ['A.1 adding an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 adding an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 removing an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 removing an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replacing a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 moving a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'A.7 moving an array element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] },
    ],
    [
      'A.8 testing a value: success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    ['A.10 adding a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignoring unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 adding an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    // Beyond the appendix.
    ['replacing the whole document', { a: 1 }, [{ op: 'replace', path: '', value: [1] }], [1]],
    ['adding at the root replaces the document', { a: 1 }, [{ op: 'add', path: '', value: { b: 2 } }], { b: 2 }],
    ['adding at the end index of an array', { a: [1] }, [{ op: 'add', path: '/a/1', value: 2 }], { a: [1, 2] }],
    ['adding to an existing member replaces it', { a: 1 }, [{ op: 'add', path: '/a', value: 2 }], { a: 2 }],
    ['~1 addresses a "/" in a key (annotation keys)', { metadata: { annotations: { 'example.com/x': 'a' } } }, [{ op: 'replace', path: '/metadata/annotations/example.com~1x', value: 'b' }], { metadata: { annotations: { 'example.com/x': 'b' } } }],
    ['copying a value', { a: { b: [1] } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: [1] }, c: { b: [1] } }],
    ['moving a value onto itself is a no-op', { a: 1 }, [{ op: 'move', from: '/a', path: '/a' }], { a: 1 }],
    ['testing objects ignores member order', { a: { x: 1, y: [1, { z: null }] } }, [{ op: 'test', path: '/a', value: { y: [1, { z: null }], x: 1 } }], { a: { x: 1, y: [1, { z: null }] } }],
    [
      'kubectl patch --type=json scaling and removing a label',
      { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { replicas: 1 } },
      [{ op: 'replace', path: '/spec/replicas', value: 4 }, { op: 'remove', path: '/metadata/labels/tier' }],
      { metadata: { labels: { app: 'web' } }, spec: { replicas: 4 } },
    ],
    ['an empty patch changes nothing', { a: 1 }, [], { a: 1 }],
  ];
  for (const [name, doc, ops, expected] of ok) {
    it(name, () => {
      expect(applyJsonPatch(deepFreeze(doc), deepFreeze(ops))).to.deep.equal(expected);
    });
  }

  // RFC 6902 Appendix A, the failing examples, and other malformed operations.
  const failing: [string, unknown, unknown, string][] = [
    ['A.9 testing a value: error', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 'ERR_PATCH_TEST_FAILED'],
    ['A.12 adding to a nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 'ERR_PATCH_INVALID'],
    // JSON.parse keeps the last duplicate "op", so this becomes a remove of a missing member.
    ['A.13 invalid JSON patch document', { foo: 'bar' }, JSON.parse('[{ "op": "add", "path": "/baz", "value": "qux", "op": "remove" }]'), 'ERR_PATCH_INVALID'],
    ['A.15 comparing strings and numbers', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], 'ERR_PATCH_TEST_FAILED'],
    ['a patch that is not an array', { a: 1 }, { op: 'add', path: '/a', value: 1 }, 'ERR_PATCH_INVALID'],
    ['an operation that is not an object', { a: 1 }, ['add'], 'ERR_PATCH_INVALID'],
    ['an unknown op', { a: 1 }, [{ op: 'merge', path: '/a', value: 1 }], 'ERR_PATCH_INVALID'],
    ['a missing op', { a: 1 }, [{ path: '/a', value: 1 }], 'ERR_PATCH_INVALID'],
    ['a missing path', { a: 1 }, [{ op: 'add', value: 1 }], 'ERR_PATCH_INVALID'],
    ['add without value', { a: 1 }, [{ op: 'add', path: '/b' }], 'ERR_PATCH_INVALID'],
    ['replace without value', { a: 1 }, [{ op: 'replace', path: '/a' }], 'ERR_PATCH_INVALID'],
    ['test without value', { a: 1 }, [{ op: 'test', path: '/a' }], 'ERR_PATCH_INVALID'],
    ['move without from', { a: 1 }, [{ op: 'move', path: '/b' }], 'ERR_PATCH_INVALID'],
    ['remove of a missing member', { a: 1 }, [{ op: 'remove', path: '/b' }], 'ERR_PATCH_INVALID'],
    ['replace of a missing member', { a: 1 }, [{ op: 'replace', path: '/b', value: 2 }], 'ERR_PATCH_INVALID'],
    ['remove past the end of an array', { a: [1] }, [{ op: 'remove', path: '/a/1' }], 'ERR_PATCH_INVALID'],
    ['add beyond the end of an array', { a: [1] }, [{ op: 'add', path: '/a/2', value: 3 }], 'ERR_PATCH_INVALID'],
    ['"-" outside add', { a: [1] }, [{ op: 'remove', path: '/a/-' }], 'ERR_PATCH_INVALID'],
    ['an index with a leading zero', { a: [1, 2] }, [{ op: 'remove', path: '/a/01' }], 'ERR_PATCH_INVALID'],
    ['a pointer without a leading slash', { a: 1 }, [{ op: 'remove', path: 'a' }], 'ERR_PATCH_INVALID'],
    ['a bad ~ escape', { a: 1 }, [{ op: 'remove', path: '/~2' }], 'ERR_PATCH_INVALID'],
    ['descending through a scalar', { a: 1 }, [{ op: 'add', path: '/a/b', value: 1 }], 'ERR_PATCH_INVALID'],
    ['moving a value into its own child', { a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }], 'ERR_PATCH_INVALID'],
    ['copying from a missing member', { a: 1 }, [{ op: 'copy', from: '/b', path: '/c' }], 'ERR_PATCH_INVALID'],
    ['removing the whole document', { a: 1 }, [{ op: 'remove', path: '' }], 'ERR_PATCH_INVALID'],
  ];
  for (const [name, doc, ops, code] of failing) {
    it(`fails: ${name}`, () => {
      expect(errorOf(() => applyJsonPatch(deepFreeze(doc), deepFreeze(ops))).code).to.equal(code);
    });
  }

  it('is atomic: a failing operation leaves the target exactly as it was', () => {
    const target = { metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 1 } };
    const before = snapshot(target);
    const ops = [
      { op: 'replace', path: '/spec/replicas', value: 5 },
      { op: 'remove', path: '/metadata/labels/app' },
      { op: 'test', path: '/spec/replicas', value: 1 },
    ];
    expect(errorOf(() => applyJsonPatch(target, ops)).code).to.equal('ERR_PATCH_TEST_FAILED');
    expect(target).to.deep.equal(before);
  });

  it('shares no structure with its inputs', () => {
    const value = { deep: [1] };
    const target = { a: { b: 1 } };
    const out = applyJsonPatch(target, [{ op: 'add', path: '/v', value }, { op: 'copy', from: '/a', path: '/c' }]) as any;
    out.v.deep.push(2);
    out.c.b = 2;
    out.a.b = 3;
    expect(value).to.deep.equal({ deep: [1] });
    expect(target).to.deep.equal({ a: { b: 1 } });
  });

  it('decodes RFC 6901 pointers', () => {
    expect(parsePointer('')).to.deep.equal([]);
    expect(parsePointer('/')).to.deep.equal(['']);
    expect(parsePointer('/a~1b/m~0n/~01')).to.deep.equal(['a/b', 'm~n', '~1']);
  });
});
