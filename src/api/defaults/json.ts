/**
 * Small helpers for defaulting loosely typed JSON. "Absent" follows Go: a nil pointer is
 * undefined/null here, and a non-pointer field also counts as unset at its zero value.
 */
export type Obj = Record<string, any>;

export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object elements of an array (anything else yields none). */
export const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** Sets `obj[key]` only when it is absent (undefined or null), the way a nil pointer gets defaulted. */
export function setDefault(obj: Obj, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

/** Sets `obj[key]` when it is absent or the Go zero value "" / 0, the way a non-pointer field gets defaulted. */
export function setIfZero(obj: Obj, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null || obj[key] === '' || obj[key] === 0) obj[key] = value;
}
