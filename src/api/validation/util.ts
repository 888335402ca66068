/**
 * Readers for decoded JSON. Validation runs after the structural (type) check, so a field is either
 * absent/null or of the right type; these return Go's zero value for absent fields, which is what
 * Kubernetes' validators see after decoding into typed structs.
 */
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export const obj = (v: unknown): Obj => (isObj(v) ? v : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
export const has = (o: Obj, k: string): boolean => o[k] !== undefined && o[k] !== null;
export const strMap = (v: unknown): Record<string, string> => (isObj(v) ? (v as Record<string, string>) : {});

/** The zero value of any JSON type, as Go sees an absent field. */
export function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObj(v)) return Object.values(v).every(isZero);
  return false;
}

/**
 * apiequality.Semantic.DeepEqual over JSON: absent, null and zero values are equal, and so are
 * nil and empty slices/maps (Kubernetes' forked reflect.DeepEqual treats them alike).
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isZero(a) && isZero(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}
