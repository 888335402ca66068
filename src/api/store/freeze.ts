/**
 * Deep-freezes a plain JSON value, so a component that mutates a shared object fails loudly. Parts
 * already frozen (shared with an earlier stored version) are not walked again.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) freezeTree(value);
  return value;
}

function freezeTree(o: object): void {
  Object.freeze(o);
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const x: unknown = o[i];
      if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) freezeTree(x);
    }
    return;
  }
  // for-in without Object.keys' array; plain JSON objects have no inherited enumerable keys.
  for (const k in o) {
    const x = (o as Record<string, unknown>)[k];
    if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) freezeTree(x);
  }
}

/**
 * A deep, mutable copy of a JSON value (what Kubernetes code calls DeepCopy), exactly as
 * JSON.parse(JSON.stringify(value)) would make it — keys whose value is undefined (or a function)
 * are left out, such array entries and non-finite numbers become null, toJSON is honoured — but
 * about four times faster, since no text is made and parsed in between.
 */
export function deepCopy<T>(value: T): T {
  return value === undefined ? value : (copyJson(value) as T);
}

/**
 * deepCopy, except that frozen objects are shared rather than copied: they are the store's (or
 * were frozen on purpose), so nobody can change them, and deepFreeze leaves them as they are. For
 * a request part the server takes as it is (a status write's .status).
 */
export function copyUnlessFrozen<T>(value: T): T {
  return value === undefined ? value : (copyJson(value, true) as T);
}

function copyJson(v: unknown, shareFrozen = false): unknown {
  if (shareFrozen && typeof v === 'object' && v !== null && Object.isFrozen(v)) return v;
  if (typeof v !== 'object' || v === null) return typeof v === 'number' ? jsonNumber(v) : v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = droppedByJson(v[i]) ? null : copyJson(v[i], shareFrozen);
    return out;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return JSON.parse(JSON.stringify(v));
  const out: Record<string, unknown> = {};
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    const x = (v as Record<string, unknown>)[k];
    if (droppedByJson(x)) continue;
    // JSON.parse makes "__proto__" an own key; an assignment would set the prototype instead.
    if (k === '__proto__') Object.defineProperty(out, k, { value: copyJson(x, shareFrozen), enumerable: true, writable: true, configurable: true });
    else out[k] = copyJson(x, shareFrozen);
  }
  return out;
}

/** JSON has no -0, NaN or infinities: -0 reads back as 0, the others as null. */
function jsonNumber(n: number): number | null {
  return Number.isFinite(n) ? (n === 0 ? 0 : n) : null;
}

function droppedByJson(x: unknown): boolean {
  return x === undefined || typeof x === 'function' || typeof x === 'symbol';
}

/**
 * Whether two JSON values serialize to the same JSON up to the order of object keys (keys whose
 * value is undefined count as absent, as JSON.stringify leaves them out). It replaces comparing
 * canonical JSON strings, without building them.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return scalarEqual(a, b);
  const arrayA = Array.isArray(a);
  if (arrayA !== Array.isArray(b)) return false;
  if (arrayA) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!jsonEqual(inArray(x[i]), inArray(y[i]))) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k)) continue;
    const v = x[k];
    if (droppedByJson(v)) continue;
    count++;
    const w = Object.hasOwn(y, k) ? y[k] : undefined;
    if (droppedByJson(w) || !jsonEqual(v, w)) return false;
  }
  for (const k in y) if (Object.hasOwn(y, k) && !droppedByJson(y[k])) count--;
  return count === 0;
}

/** What JSON makes of a scalar: non-finite numbers and dropped array entries are null. */
function scalarEqual(a: unknown, b: unknown): boolean {
  const na = typeof a === 'number' && !Number.isFinite(a) ? null : a;
  const nb = typeof b === 'number' && !Number.isFinite(b) ? null : b;
  return na === nb;
}

function inArray(x: unknown): unknown {
  return droppedByJson(x) ? null : x;
}
