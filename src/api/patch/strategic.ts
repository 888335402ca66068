/**
 * Strategic merge patch (application/strategic-merge-patch+json), as kube-apiserver applies what
 * `kubectl apply`, `kubectl patch`, `kubectl cordon` and friends send. The algorithm follows
 * k8s.io/apimachinery/pkg/util/strategicpatch (mergeMap with MergeParallelList and
 * IgnoreUnmatchedNulls); which lists merge comes from ./strategic-schema.ts.
 *
 * Where the Go code would store a patch value verbatim (a new field, a new list item), the value is
 * first reduced to what the typed decode would keep: nulls and directive keys are dropped. Fields
 * outside the schema are treated as having no patch strategy, where Go would refuse a field its
 * struct does not know: kemu's objects carry fields its schema does not model.
 */
import { KemuError } from '../../util/errors.js';
import {
  DELETE_FROM_PRIMITIVE_LIST,
  RETAIN_KEYS,
  applySetElementOrder,
  cleanObject,
  directiveField,
  invalid,
  mergeListField,
  setClean,
} from './strategic-lists.js';
import { fieldMeta, strategicSchemaForKind, type StructSchema } from './strategic-schema.js';
import { deepClone, goFormat, hasOwn, isObject, jsonType, setMember, type JsonObject } from './values.js';

/** kube-apiserver's 415 text when strategic merge patch is used on a kind without Go types. */
const UNSUPPORTED =
  'the body of the request was in an unknown format - accepted media types include: ' +
  'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';

/** `$patch` on a map: replace it by the patch's content, or empty it. */
function mapDirective(patch: JsonObject): JsonObject {
  const directive = patch['$patch'];
  if (directive === 'replace') {
    delete patch['$patch'];
    return cleanObject(patch);
  }
  if (directive === 'delete') return {};
  throw invalid(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
}

/**
 * `$retainKeys`: drop original fields not listed (how apply clears the other members of a union,
 * e.g. rollingUpdate when the Deployment strategy becomes Recreate). Every non-null field the
 * patch sets must itself be listed.
 */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw invalid('invalid patch format of retainKeys');
  const keep = new Set(list);
  for (const k of Object.keys(patch)) {
    if (patch[k] == null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith('$setElementOrder')) continue;
    if (!keep.has(k)) throw invalid('invalid patch format of retainKeys');
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** Merges `patch` into `original` in place (both are private copies) and returns the result. */
function mergeMap(original: JsonObject, patch: JsonObject, schema: StructSchema | undefined): JsonObject {
  if (hasOwn(patch, '$patch')) return mapDirective(patch);
  applyRetainKeys(original, patch);
  applySetElementOrder(original, patch, schema, mergeMap);

  for (const rawKey of Object.keys(patch)) {
    const patchV = patch[rawKey];
    if (patchV === undefined) continue;
    const isDeleteList = rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    const key = isDeleteList ? directiveField(rawKey, DELETE_FROM_PRIMITIVE_LIST, 'primitive list') : rawKey;

    if (patchV === null) {
      delete original[key];
      continue;
    }
    const present = hasOwn(original, key) && original[key] !== undefined;
    if (!present || jsonType(original[key]) !== jsonType(patchV)) {
      // Nothing to merge with: take the patch value (a deletion list has nothing to delete).
      if (!isDeleteList) setClean(original, key, patchV);
      continue;
    }
    const originalV = original[key];
    const meta = fieldMeta(schema, key);
    if (isObject(originalV)) {
      const merged = meta?.strategy === 'replace' ? cleanObject(patchV as JsonObject) : mergeMap(originalV, patchV as JsonObject, meta?.schema);
      setMember(original, key, merged);
    } else if (Array.isArray(originalV)) {
      setMember(original, key, mergeListField(originalV, patchV as unknown[], meta, isDeleteList, mergeMap));
    } else {
      setClean(original, key, patchV);
    }
  }
  return original;
}

/**
 * Applies a strategic merge patch to an object of `kind` (e.g. "Deployment") and returns a new
 * object; neither input is modified. Errors: ERR_PATCH_UNSUPPORTED for a kind without patch
 * metadata (kube-apiserver answers 415), ERR_PATCH_INVALID for a malformed patch.
 */
export function applyStrategicMergePatch(target: object, patch: unknown, kind: string): JsonObject {
  const schema = strategicSchemaForKind(kind);
  if (!schema) throw new KemuError('ERR_PATCH_UNSUPPORTED', UNSUPPORTED);
  if (!isObject(patch)) throw invalid(`a strategic merge patch must be a JSON object, not ${jsonType(patch)}`);
  const original = isObject(target) ? deepClone(target) : {};
  return mergeMap(original, deepClone(patch), schema);
}
