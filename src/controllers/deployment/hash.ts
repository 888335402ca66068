/**
 * The pod-template-hash. Kubernetes hashes the template with FNV-32a over a spew dump of the Go
 * struct (controller.ComputeHash), appends the collisionCount as 4 little-endian bytes, and prints
 * the 32-bit sum in decimal through rand.SafeEncodeString. kemu cannot reproduce the spew dump of
 * a Go struct, so it hashes the template's canonical JSON (keys sorted) instead: the same kind of
 * name ("<deploy>-7c5ddbdf54"), stable for the same template, different for a different one.
 */
import type { PodTemplateSpec } from '../../api/types.js';
import { jsonEqual } from '../../api/store/freeze.js';
import { canonicalJSON } from '../replicaset/pods.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** rand.SafeEncodeString's alphabet: no vowels (no words) and no look-alikes (0/o, 1/l, 3/e). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** The template minus the pod-template-hash label, which the ReplicaSet's copy carries. */
export function withoutHashLabel(t: PodTemplateSpec): PodTemplateSpec {
  const labels = { ...(t.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH];
  return { ...t, metadata: { ...(t.metadata ?? {}), labels } };
}

export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  let bytes = new TextEncoder().encode(canonicalJSON(withoutHashLabel(template)));
  if (collisionCount !== undefined) {
    const extra = new Uint8Array(4);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    bytes = new Uint8Array([...bytes, ...extra]);
  }
  return safeEncodeString(String(fnv32a(bytes)));
}

/** deploymentutil.EqualIgnoreHash: templates equal once the pod-template-hash label is ignored. */
export function equalIgnoreHash(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  // Frozen templates (the informers') cannot change: their comparison is remembered, since every
  // Deployment sync compares its template with each of its ReplicaSets' again.
  const frozen = Object.isFrozen(a) && Object.isFrozen(b);
  const known = frozen ? compared.get(a)?.get(b) : undefined;
  if (known !== undefined) return known;
  const equal = jsonEqual(withoutHashLabel(a), withoutHashLabel(b));
  if (frozen) {
    let row = compared.get(a);
    if (!row) compared.set(a, (row = new WeakMap()));
    row.set(b, equal);
  }
  return equal;
}

const compared = new WeakMap<object, WeakMap<object, boolean>>();
