/**
 * The namespace controller: a Namespace being deleted (deletionTimestamp set, phase Terminating,
 * spec.finalizers ["kubernetes"] from the API server) has every namespaced object in it deleted;
 * once nothing is left its `kubernetes` finalizer is removed through the finalize subresource and
 * the API server removes the Namespace. Gracefully terminating pods keep it Terminating until
 * they are gone, as in Kubernetes; the controller looks again when a pod of a terminating
 * namespace disappears, and after the longest remaining grace period otherwise.
 */
import type { ApiClient } from '../../api/client.js';
import type { InformerFactory } from '../../api/client/factory.js';
import type { Informer } from '../../api/client/informer.js';
import { ApiError } from '../../api/errors.js';
import { RESOURCES } from '../../api/resources.js';
import type { KubeObject, Pod } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { Controller } from '../controller.js';

export interface NamespaceControllerOptions {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  /** Re-check period while content remains and no better estimate exists (Kubernetes polls too). */
  recheckMs?: number;
  onError?(err: Error): void;
}

export const FINALIZER_KUBERNETES = 'kubernetes';

export class NamespaceController extends Controller {
  private readonly namespaces: Informer<KubeObject>;
  private readonly pods: Informer<Pod>;

  constructor(private readonly o: NamespaceControllerOptions) {
    super({ name: 'namespace-controller', clock: o.clock, onError: (_k, err) => o.onError?.(err) });
    this.namespaces = o.factory.informer<KubeObject>('namespaces');
    this.pods = o.factory.informer<Pod>('pods');
    const maybe = (ns: KubeObject): void => {
      if (ns.metadata.deletionTimestamp) this.enqueue(ns.metadata.name!);
    };
    this.namespaces.addHandlers({ onAdd: maybe, onUpdate: (_old, ns) => maybe(ns) });
    this.pods.addHandlers({
      onDelete: (p) => {
        const ns = this.namespaces.get(undefined, p.metadata.namespace ?? '');
        if (ns) maybe(ns);
      },
    });
  }

  protected informers(): Informer<any>[] {
    return [this.namespaces, this.pods];
  }

  protected async sync(name: string): Promise<void> {
    const ns = this.namespaces.get(undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    const { remaining, waitMs } = await this.deleteAllContent(name);
    if (remaining > 0) {
      this.queue.addAfter(name, Math.max(waitMs, this.o.recheckMs ?? 1000));
      return;
    }
    await this.finalize(name);
  }

  /** Deletes every namespaced object; returns how many are still there and how long to wait. */
  private async deleteAllContent(ns: string): Promise<{ remaining: number; waitMs: number }> {
    let remaining = 0;
    let waitMs = 0;
    const now = this.clock.now();
    for (const r of RESOURCES) {
      if (!r.namespaced || !r.verbs.includes('delete')) continue;
      const list = await this.o.client.list(r.plural, { namespace: ns });
      for (const obj of list.items) {
        let left: KubeObject | undefined = obj;
        if (!obj.metadata.deletionTimestamp) {
          try {
            // Default options: pods get their grace period, owners cascade in the background.
            left = await this.o.client.delete(r.plural, ns, obj.metadata.name!, { preconditions: { uid: obj.metadata.uid } });
          } catch (err) {
            if (err instanceof ApiError && (err.reason === 'NotFound' || err.reason === 'Conflict')) continue;
            throw err;
          }
        }
        if (!left?.metadata.deletionTimestamp) continue; // gone at once
        remaining++;
        const due = Date.parse(left.metadata.deletionTimestamp);
        if (!Number.isNaN(due)) waitMs = Math.max(waitMs, due - now);
      }
    }
    return { remaining, waitMs };
  }

  /** PUT namespaces/NAME/finalize without our finalizer; the API server then removes the Namespace. */
  private async finalize(name: string): Promise<void> {
    let ns: KubeObject;
    try {
      ns = await this.o.client.get('namespaces', undefined, name);
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return;
      throw err;
    }
    const finalizers: string[] = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(FINALIZER_KUBERNETES)) return;
    try {
      await this.o.client.update('namespaces', { ...ns, spec: { ...ns.spec, finalizers: finalizers.filter((f) => f !== FINALIZER_KUBERNETES) } }, 'finalize');
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return;
      throw err;
    }
  }
}
