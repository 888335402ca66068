/** Helpers shared by the defaulting tests. */
import type { KubeObject } from '../../../src/api/types.js';

/** Freezes a JSON value all the way down, as kemu's store hands objects out. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

export function obj(apiVersion: string, kind: string, name: string, body: Record<string, unknown>): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: 'default' }, ...body };
}
