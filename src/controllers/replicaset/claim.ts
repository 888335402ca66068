/**
 * ControllerRefManager (k8s.io/kubernetes pkg/controller): an owner claims the objects it selects.
 * Orphans that match are adopted (a controller ownerReference is added), owned objects that no
 * longer match are released (the reference is removed), and objects owned by another controller
 * are left alone. Writes carry the object's resourceVersion, so a concurrent change fails with a
 * Conflict and the owner's sync is retried instead of clobbering it.
 */
import type { ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { controllerRef, newControllerRef } from './pods.js';

export interface ClaimOptions {
  client: ApiClient;
  resource: string;
  owner: KubeObject;
  /** Whether the owner wants the object (its selector, plus any naming rule). */
  matches(obj: KubeObject): boolean;
  /**
   * Re-checks, once per claim round and only when adoption is about to happen, that the owner still
   * exists with the same uid and is not being deleted (the cache may be stale).
   */
  canAdopt(): Promise<boolean>;
}

function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'NotFound';
}

export async function claimObjects<T extends KubeObject>(objs: T[], opts: ClaimOptions): Promise<T[]> {
  const { owner, client, resource } = opts;
  const ownerDeleting = !!owner.metadata.deletionTimestamp;
  const claimed: T[] = [];
  const errors: Error[] = [];
  let adoptable: boolean | undefined;
  for (const obj of objs) {
    const ref = controllerRef(obj);
    const { namespace, name, resourceVersion } = obj.metadata;
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (opts.matches(obj)) {
        claimed.push(obj);
        continue;
      }
      // An owner being deleted, or an object being deleted, is not worth a write.
      if (ownerDeleting || obj.metadata.deletionTimestamp) continue;
      const ownerReferences = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
      try {
        await client.patch(resource, namespace, name ?? '', 'merge', { metadata: { resourceVersion, ownerReferences } });
      } catch (err) {
        if (!isNotFound(err)) errors.push(err as Error);
      }
      continue;
    }
    if (ownerDeleting || obj.metadata.deletionTimestamp || !opts.matches(obj)) continue;
    adoptable ??= await opts.canAdopt();
    if (!adoptable) continue;
    const ownerReferences = [...(obj.metadata.ownerReferences ?? []), newControllerRef(owner)];
    try {
      const adopted = await client.patch<T>(resource, namespace, name ?? '', 'merge', { metadata: { resourceVersion, ownerReferences } });
      claimed.push(adopted);
    } catch (err) {
      if (!isNotFound(err)) errors.push(err as Error);
    }
  }
  if (errors.length) throw errors[0];
  return claimed;
}

/** canAdopt for an owner: a fresh read must show the same uid and no deletionTimestamp. */
export function freshOwnerCheck(client: ApiClient, resource: string, owner: KubeObject): () => Promise<boolean> {
  return async () => {
    try {
      const fresh = await client.get(resource, owner.metadata.namespace, owner.metadata.name ?? '');
      return fresh.metadata.uid === owner.metadata.uid && !fresh.metadata.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };
}
