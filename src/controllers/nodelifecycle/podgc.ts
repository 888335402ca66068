/**
 * The pod GC's orphan sweep: pods bound to a Node that no longer exists are deleted with grace 0,
 * because no kubelet will ever confirm their end. A node this controller saw being deleted is
 * collected at once; a node it never saw (a pod may name one not registered yet) only after
 * PodGC's quarantine (40 s). A live read confirms the Node is really gone before anything is
 * deleted, since the informer may lag.
 */
import type { ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import type { Pod } from '../../api/types.js';

export class OrphanPodCollector {
  private readonly deleted = new Set<string>();
  private readonly missingSince = new Map<string, number>();

  constructor(
    private readonly client: ApiClient,
    private readonly quarantineMs: number,
  ) {}

  /** The informer reported the Node deleted. */
  nodeDeleted(name: string): void {
    this.deleted.add(name);
  }

  /** The Node exists (again), or has no pods left: nothing to remember. */
  forget(name: string): void {
    this.deleted.delete(name);
    this.missingSince.delete(name);
  }

  /**
   * Deletes `pods` of the missing node `name`. Returns a delay after which to look again (still
   * in quarantine), or undefined when done.
   */
  async collect(name: string, pods: Pod[], now: number): Promise<number | undefined> {
    if (pods.length === 0) {
      this.forget(name);
      return undefined;
    }
    if (!this.deleted.has(name)) {
      const since = this.missingSince.get(name) ?? now;
      this.missingSince.set(name, since);
      const wait = this.quarantineMs - (now - since);
      if (wait > 0) return wait;
    }
    try {
      await this.client.get('nodes', undefined, name);
      return undefined; // still there: the informer is behind and will catch up
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
    for (const p of pods) {
      try {
        await this.client.delete('pods', p.metadata.namespace, p.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } });
      } catch (err) {
        // Gone already, or replaced by a new pod of the same name: not ours to delete.
        if (!(err instanceof ApiError && (err.reason === 'NotFound' || err.reason === 'Conflict'))) throw err;
      }
    }
    return undefined;
  }
}
