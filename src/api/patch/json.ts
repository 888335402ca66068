/**
 * JSON Patch, RFC 6902 (application/json-patch+json), with RFC 6901 pointers. The operations run
 * on a private copy of the target, so a failing operation leaves nothing half-applied and the
 * caller's object is never touched.
 */
import { KemuError } from '../../util/errors.js';
import { deepClone, deepEqual, hasOwn, isObject, jsonType, setMember, type JsonObject } from './values.js';

const invalid = (msg: string) => new KemuError('ERR_PATCH_INVALID', msg);

/** RFC 6901: "" is the whole document; "~1" decodes to "/" before "~0" decodes to "~". */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw invalid(`invalid JSON pointer ${JSON.stringify(pointer)}: must be empty or start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw invalid(`invalid JSON pointer ${JSON.stringify(pointer)}: bad "~" escape`);
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** An array index per RFC 6901: digits without leading zeros. */
function arrayIndex(token: string, pointer: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw invalid(`invalid array index ${JSON.stringify(token)} in ${JSON.stringify(pointer)}`);
  return Number(token);
}

type Container = JsonObject | unknown[];

/** Resolves the parent of the location `pointer` names; it must exist and hold members or items. */
function parentOf(doc: unknown, tokens: string[], pointer: string): Container {
  let cur: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(token, pointer);
      if (i >= cur.length) throw invalid(`path ${JSON.stringify(pointer)} does not exist`);
      cur = cur[i];
    } else if (isObject(cur) && hasOwn(cur, token)) {
      cur = cur[token];
    } else {
      throw invalid(`path ${JSON.stringify(pointer)} does not exist`);
    }
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw invalid(`path ${JSON.stringify(pointer)} does not exist: parent is a ${jsonType(cur)}`);
  return cur;
}

function getValue(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, pointer);
    if (i >= parent.length) throw invalid(`path ${JSON.stringify(pointer)} does not exist`);
    return parent[i];
  }
  if (!hasOwn(parent, last)) throw invalid(`path ${JSON.stringify(pointer)} does not exist`);
  return parent[last];
}

/** Returns the new document (only different from `doc` when the pointer is ""). */
function addValue(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    if (last === '-') parent.push(value);
    else {
      const i = arrayIndex(last, pointer);
      if (i > parent.length) throw invalid(`index ${i} is out of bounds for ${JSON.stringify(pointer)}`);
      parent.splice(i, 0, value);
    }
  } else {
    setMember(parent, last, value);
  }
  return doc;
}

function removeValue(doc: unknown, pointer: string): void {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw invalid('cannot remove the whole document');
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, pointer);
    if (i >= parent.length) throw invalid(`path ${JSON.stringify(pointer)} does not exist`);
    parent.splice(i, 1);
  } else {
    if (!hasOwn(parent, last)) throw invalid(`path ${JSON.stringify(pointer)} does not exist`);
    delete parent[last];
  }
}

function member(op: JsonObject, name: string, index: number): unknown {
  if (!hasOwn(op, name) || op[name] === undefined) throw invalid(`operation ${index}: missing member "${name}"`);
  return op[name];
}

function stringMember(op: JsonObject, name: string, index: number): string {
  const v = member(op, name, index);
  if (typeof v !== 'string') throw invalid(`operation ${index}: member "${name}" must be a string`);
  return v;
}

/**
 * Applies RFC 6902 operations in order and returns the patched copy. Unknown members of an
 * operation are ignored (RFC 6902 §4). Errors: ERR_PATCH_INVALID (malformed operation, missing
 * path) or ERR_PATCH_TEST_FAILED (a `test` did not match).
 */
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw invalid(`a JSON patch must be an array of operations, not ${jsonType(ops)}`);
  let doc = deepClone(target);
  ops.forEach((op, index) => {
    if (!isObject(op)) throw invalid(`operation ${index} must be an object`);
    const name = stringMember(op, 'op', index);
    const path = stringMember(op, 'path', index);
    switch (name) {
      case 'add':
        doc = addValue(doc, path, deepClone(member(op, 'value', index)));
        break;
      case 'remove':
        removeValue(doc, path);
        break;
      case 'replace': {
        const value = deepClone(member(op, 'value', index));
        getValue(doc, path); // the target must exist
        if (path === '') doc = value;
        else {
          removeValue(doc, path);
          addValue(doc, path, value);
        }
        break;
      }
      case 'move': {
        const from = stringMember(op, 'from', index);
        if (from === path) {
          getValue(doc, from);
          break;
        }
        if (path.startsWith(`${from}/`)) throw invalid(`operation ${index}: cannot move ${from} into its own child ${path}`);
        const value = getValue(doc, from);
        removeValue(doc, from);
        doc = addValue(doc, path, value);
        break;
      }
      case 'copy': {
        const from = stringMember(op, 'from', index);
        doc = addValue(doc, path, deepClone(getValue(doc, from)));
        break;
      }
      case 'test': {
        const expected = member(op, 'value', index);
        const actual = getValue(doc, path);
        if (!deepEqual(actual, expected)) {
          throw new KemuError(
            'ERR_PATCH_TEST_FAILED',
            `testing value ${JSON.stringify(path)} failed: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`,
          );
        }
        break;
      }
      default:
        throw invalid(`operation ${index}: unknown op ${JSON.stringify(name)}`);
    }
  });
  return doc;
}
