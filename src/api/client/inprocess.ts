/**
 * The in-process ApiClient: calls ApiService directly (no HTTP, no JSON), for the controllers and
 * agents of a cluster that run in kemu's own process. Objects returned are the store's frozen
 * objects: copy before changing them, as Kubernetes code DeepCopies informer objects.
 */
import type { ApiClient, DeleteOptions, ListOptions, PatchType, Watch, WatchHandlers, WatchOptions } from '../client.js';
import type { ApiService, ServiceWatchEvent } from '../service/service.js';
import { apiVersionOf } from '../resources.js';
import type { KubeList, KubeObject, WatchEvent } from '../types.js';
import { toApiError } from '../errors.js';

export class InProcessClient implements ApiClient {
  constructor(private readonly service: ApiService) {}

  async get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T> {
    return this.call(() => this.service.get(resource, namespace, name) as T);
  }

  async getSubresource<T extends KubeObject>(resource: string, namespace: string | undefined, name: string, sub: string): Promise<T> {
    return this.call(() => this.service.get(resource, namespace, name, sub) as T);
  }

  async list<T extends KubeObject>(resource: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.call(() => {
      const r = this.service.resource(resource);
      const page = this.service.list(resource, opts);
      const list: KubeList<T> = {
        apiVersion: apiVersionOf(r),
        kind: r.listKind,
        metadata: { resourceVersion: String(page.resourceVersion) },
        items: page.items.map((s) => s.object as T),
      };
      if (page.continue) {
        list.metadata.continue = page.continue;
        list.metadata.remainingItemCount = page.remainingItemCount;
      }
      return list;
    });
  }

  /**
   * Events are delivered asynchronously and in order, never inside the write that caused them, so
   * a handler cannot re-enter the writer's code (as with a real watch over a socket).
   */
  watch<T extends KubeObject>(resource: string, opts: WatchOptions, handlers: WatchHandlers<T>): Watch {
    // Events waiting, from `head` on (shift() is linear in the queue's length, and a burst of
    // writes queues thousands of events before the first flush).
    let queue: WatchEvent<T>[] = [];
    let head = 0;
    let scheduled = false;
    let stopped = false;
    const flush = (): void => {
      scheduled = false;
      while (head < queue.length && !stopped) handlers.onEvent(queue[head++]!);
      if (head >= queue.length) {
        queue = [];
        head = 0;
      }
    };
    const push = (ev: WatchEvent<T>): void => {
      queue.push(ev);
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    };
    let cancel: (() => void) | undefined;
    try {
      const handle = this.service.watch(resource, opts, (ev: ServiceWatchEvent) => push({ type: ev.type, object: ev.stored.object as T }));
      cancel = () => handle.cancel();
    } catch (err) {
      const e = toApiError(err);
      queueMicrotask(() => {
        if (!stopped) {
          stopped = true;
          handlers.onClose?.(e);
        }
      });
    }
    return {
      stop: () => {
        if (stopped) return;
        stopped = true;
        cancel?.();
        handlers.onClose?.();
      },
    };
  }

  async create<T extends KubeObject>(resource: string, obj: T, subresource?: string): Promise<T> {
    return this.call(() => this.service.create(resource, obj.metadata?.namespace, obj, { subresource }).object as T);
  }

  async update<T extends KubeObject>(resource: string, obj: T, subresource?: string): Promise<T> {
    return this.call(() => this.service.update(resource, obj.metadata.namespace, obj.metadata.name ?? '', obj, { subresource }).object as T);
  }

  async patch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    subresource?: string,
  ): Promise<T> {
    return this.call(() => this.service.patch(resource, namespace, name, type, patch, { subresource }).object as T);
  }

  async delete(resource: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject | undefined> {
    return this.call(() => this.service.delete(resource, namespace, name, opts).stored.object);
  }

  private call<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toApiError(err);
    }
  }
}
