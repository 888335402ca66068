/**
 * JSON Merge Patch, RFC 7386 (application/merge-patch+json): objects merge member by member, null
 * deletes a member, anything else (arrays included) replaces the target wholesale.
 */
import { deepClone, hasOwn, isObject, setMember, type JsonObject } from './values.js';

/** Applies `patch` to `target` and returns a new value; neither input is modified. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepClone(patch);
  const base: JsonObject = isObject(target) ? target : {};
  const out: JsonObject = {};
  // Target members keep their order; members the patch adds come after them.
  for (const k of Object.keys(base)) {
    if (base[k] === undefined) continue;
    if (!hasOwn(patch, k) || patch[k] === undefined) setMember(out, k, deepClone(base[k]));
    else if (patch[k] !== null) setMember(out, k, applyMergePatch(base[k], patch[k]));
  }
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null || v === undefined || (hasOwn(base, k) && base[k] !== undefined)) continue;
    // A new member is merged into nothing, which strips nulls nested in it.
    setMember(out, k, applyMergePatch(undefined, v));
  }
  return out;
}
