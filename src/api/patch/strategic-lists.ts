/**
 * The list half of strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch): merging
 * lists by merge key or as sets, the `$patch` list-item directives, `$deleteFromPrimitiveList`,
 * and the ordering rules — patch items in patch (or `$setElementOrder`) order, server-only items
 * slotted in by their live order. The ordering is reproduced step for step, quirks included,
 * because kubectl apply relies on it to keep containers and ports where the file puts them.
 * Works in place on values the caller already owns (private copies).
 */
import { KemuError } from '../../util/errors.js';
import { fieldMeta, type FieldPatchMeta, type StructSchema } from './strategic-schema.js';
import { goFormat, hasOwn, isObject, setMember, type JsonObject } from './values.js';

export const invalid = (msg: string) => new KemuError('ERR_PATCH_INVALID', msg);
const noMergeKey = (m: unknown, key: string) => invalid(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);

export const SET_ELEMENT_ORDER = '$setElementOrder';
export const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
export const RETAIN_KEYS = '$retainKeys';

/** Merges a list item that matched an original item (strategic.ts's mergeMap). */
export type MergeItem = (original: JsonObject, patch: JsonObject, schema: StructSchema | undefined) => JsonObject;

const DROP = Symbol('drop');

/**
 * A patch value taken as-is, reduced to what kube-apiserver would store: nulls in maps dropped,
 * anything carrying `$patch` dropped (removeDirectives), and the other directive keys, which the
 * typed decode would discard as unknown fields, removed too.
 */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean).filter((x) => x !== DROP);
  if (!isObject(v)) return v;
  if (hasOwn(v, '$patch')) return DROP;
  const out: JsonObject = {};
  for (const k of Object.keys(v)) {
    if (v[k] == null || k === RETAIN_KEYS || k.startsWith(SET_ELEMENT_ORDER) || k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) continue;
    const c = clean(v[k]);
    if (c !== DROP) setMember(out, k, c);
  }
  return out;
}

/** Stores a cleaned patch value under `key`, or removes the key when the value is all directive. */
export function setClean(target: JsonObject, key: string, v: unknown): void {
  const c = clean(v);
  if (c === DROP) delete target[key];
  else setMember(target, key, c);
}

export function cleanObject(v: JsonObject): JsonObject {
  const c = clean(v);
  return c === DROP ? {} : (c as JsonObject);
}

/** All items must share one JSON type (sliceElementType); lists of lists are refused. */
function elementKind(...lists: unknown[][]): string | undefined {
  let kind: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const t = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
      if (t === 'array') throw invalid('lists of lists are not supported');
      if (kind === undefined) kind = t;
      else if (kind !== t) throw invalid(`list element types are not identical: ${goFormat(lists)}`);
    }
  }
  return kind;
}

const keyOf = (item: unknown, mergeKey: string, isMap: boolean): unknown =>
  isMap ? (isObject(item) ? item[mergeKey] : undefined) : item;

function indexIn(list: readonly unknown[], item: unknown, mergeKey: string, isMap: boolean): number {
  const want = keyOf(item, mergeKey, isMap);
  return list.findIndex((x) => keyOf(x, mergeKey, isMap) === want);
}

function requireMergeKey(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isObject(item)) throw invalid(`expected a map, but received ${goFormat(item)}`);
      if (!hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    }
  }
}

const isDeleteItem = (v: unknown) => isObject(v) && v['$patch'] === 'delete';

/** normalizeSliceOrder: Go's stable insertion sort with its lenient comparator, then deletions. */
function sortByOrder(toSort: unknown[], order: readonly unknown[], mergeKey: string, isMap: boolean): unknown[] {
  let items = toSort;
  let deletions: unknown[] = [];
  if (isMap) {
    requireMergeKey(mergeKey, toSort, order as unknown[]);
    items = toSort.filter((v) => !isDeleteItem(v));
    deletions = toSort.filter(isDeleteItem);
  }
  const entries = items.map((item) => ({ item, at: indexIn(order, item, mergeKey, isMap) }));
  // An item missing from `order` counts as "less", exactly as the Go comparator answers.
  const less = (a: { at: number }, b: { at: number }) => (a.at >= 0 && b.at >= 0 ? a.at < b.at : true);
  for (let i = 1; i < entries.length; i++) {
    for (let j = i; j > 0 && less(entries[j]!, entries[j - 1]!); j--) {
      [entries[j], entries[j - 1]] = [entries[j - 1]!, entries[j]!];
    }
  }
  return [...entries.map((e) => e.item), ...deletions];
}

/** mergeSortedSlice: insert server-only items among patch items where the live order puts them. */
function interleave(serverOnly: unknown[], patchItems: unknown[], serverOrder: readonly unknown[], mergeKey: string, isMap: boolean): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length && j < patchItems.length) {
    const li = indexIn(serverOrder, serverOnly[i], mergeKey, isMap);
    const ri = indexIn(serverOrder, patchItems[j], mergeKey, isMap);
    if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
    else out.push(patchItems[j++]);
  }
  return out.concat(serverOnly.slice(i), patchItems.slice(j));
}

/** Splits `merged` into items named in `by` (the patch or $setElementOrder) and server-only items. */
function partition(merged: unknown[], by: readonly unknown[], mergeKey: string, isMap: boolean): [unknown[], unknown[]] {
  if (isMap) {
    requireMergeKey(mergeKey, merged);
    requireMergeKey(mergeKey, by as unknown[]);
  }
  const inBy = (v: unknown) => indexIn(by, v, mergeKey, isMap) >= 0;
  return [merged.filter(inBy), merged.filter((v) => !inBy(v))];
}

function normalizeOrder(merged: unknown[], patchOrder: readonly unknown[], serverOrder: readonly unknown[], mergeKey: string, isMap: boolean): unknown[] {
  const [patchItems, serverOnly] = partition(merged, patchOrder, mergeKey, isMap);
  return interleave(
    sortByOrder(serverOnly, serverOrder, mergeKey, isMap),
    sortByOrder(patchItems, patchOrder, mergeKey, isMap),
    serverOrder,
    mergeKey,
    isMap,
  );
}

/** `$patch: delete` removes every original item with that key; `$patch: replace` drops the rest. */
function applyItemDirectives(original: unknown[], patch: JsonObject[], mergeKey: string): [unknown[], JsonObject[]] {
  const plain: JsonObject[] = [];
  let replace = false;
  for (const v of patch) {
    if (!hasOwn(v, '$patch')) {
      plain.push(v);
      continue;
    }
    switch (v['$patch']) {
      case 'delete':
        if (!hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
        original = original.filter((o) => !(isObject(o) && hasOwn(o, mergeKey) && o[mergeKey] === v[mergeKey]));
        break;
      case 'replace':
        replace = true;
        break;
      case 'merge':
        throw invalid('merging lists cannot yet be specified in the patch');
      default:
        throw invalid(`unknown patch type: ${goFormat(v['$patch'])} in map: ${goFormat(v)}`);
    }
  }
  return replace ? [plain.map((v) => cleanObject(v)), []] : [original, plain];
}

function mergeList(original: unknown[], patch: unknown[], meta: FieldPatchMeta | undefined, isDeleteList: boolean, mergeItem: MergeItem): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const mergeKey = meta?.mergeKey ?? '';
  if (elementKind(original, patch) !== 'object') {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    const merged = [...new Set([...original, ...patch])];
    return normalizeOrder(merged, patch, original, '', false);
  }
  if (!mergeKey) throw invalid('cannot merge lists without merge key');
  const [base, items] = applyItemDirectives(original, patch as JsonObject[], mergeKey);
  const merged = base.slice();
  for (const v of items) {
    if (!hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
    const i = merged.findIndex((o) => isObject(o) && hasOwn(o, mergeKey) && o[mergeKey] === v[mergeKey]);
    if (i >= 0) merged[i] = mergeItem(merged[i] as JsonObject, v, meta?.schema);
    else merged.push(cleanObject(v));
  }
  return normalizeOrder(merged, items, base, mergeKey, true);
}

/** mergeSliceHandler: merge-strategy lists (and delete lists) merge; any other list is replaced. */
export function mergeListField(original: unknown[], patch: unknown[], meta: FieldPatchMeta | undefined, isDeleteList: boolean, mergeItem: MergeItem): unknown[] {
  if (meta?.strategy === 'merge' || isDeleteList) return mergeList(original, patch, meta, isDeleteList, mergeItem);
  return clean(patch) as unknown[];
}

/** The directive key's field name: `$setElementOrder/containers` → `containers`. */
export function directiveField(key: string, prefix: string, what: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw invalid(`invalid patch format of ${what}`);
  return key.slice(slash + 1);
}

/** The patch list may only name items in $setElementOrder's relative order (deletions aside). */
function validateOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? patchList.filter((v) => !isDeleteItem(v)) : patchList;
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    if (isObject(items[p]) && hasOwn(items[p] as JsonObject, '$patch')) {
      p++;
      continue;
    }
    if (mergeKey) requireMergeKey(mergeKey, [items[p], order[o]]);
    if (keyOf(items[p], mergeKey, !!mergeKey) === keyOf(order[o], mergeKey, !!mergeKey)) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    throw invalid(`the order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}`);
  }
}

/**
 * mergePatchIntoOriginal: for each `$setElementOrder/<field>`, merges the field's list (if the patch
 * has one) and orders the result by the directive. Items the directive names but neither side has
 * are not added. Consumes the directive and the list from the patch.
 */
export function applySetElementOrder(original: JsonObject, patch: JsonObject, schema: StructSchema | undefined, mergeItem: MergeItem): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw invalid(`invalid patch format of setElementOrder list`);
    const field = directiveField(key, SET_ELEMENT_ORDER, 'setElementOrder list');
    const inOriginal = hasOwn(original, field) && original[field] !== undefined;
    const inPatch = hasOwn(patch, field) && patch[field] !== undefined;
    if (!inOriginal && !inPatch) continue;
    const originalList = inOriginal ? original[field] : [];
    const patchList = inPatch ? patch[field] : [];
    if (!Array.isArray(originalList) || !Array.isArray(patchList)) throw invalid(`${field}: expected a list, got ${goFormat(inPatch ? patchList : originalList)}`);
    const meta = fieldMeta(schema, field);
    const mergeKey = meta?.mergeKey ?? '';
    validateOrderList(patchList, order, mergeKey);
    delete patch[field];
    if (meta?.strategy !== 'merge') {
      // kubectl only orders merging lists; any other list is simply replaced.
      if (inPatch) setClean(original, field, patchList);
      continue;
    }
    const merged = inPatch ? mergeList(originalList, patchList, meta, false, mergeItem) : originalList;
    const isMap = (elementKind(originalList, patchList) ?? (mergeKey ? 'object' : '')) === 'object';
    setMember(original, field, normalizeOrder(merged, order, originalList, mergeKey, isMap));
  }
}
