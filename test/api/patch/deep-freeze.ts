/** Freezes a JSON value all the way down, so any write by a patch function throws. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

/** A deep copy taken before the call, to prove the inputs are unchanged after it. */
export const snapshot = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
