/**
 * Informer: list + watch into a local cache with add/update/delete handlers, as client-go's shared
 * informer. A watch that ends is resumed from the last seen resourceVersion; a 410 (history too
 * old) triggers a relist whose differences are delivered as ordinary events.
 */
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { ApiClient, Watch } from '../client.js';
import type { KubeObject, WatchEvent } from '../types.js';
import { ApiError } from '../errors.js';

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  clock: Clock;
  /** Delay before re-establishing a failed list or watch. */
  retryMs?: number;
  onError?(err: Error): void;
}

export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name ?? '';
}

export type IndexFunc<T> = (obj: T) => string[];

/** Built-in index of every informer: objects by namespace (client-go's NamespaceIndex). */
export const NAMESPACE_INDEX = 'namespace';

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>([[NAMESPACE_INDEX, namespaceValues]]);
  /** index name → index value → object keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>([[NAMESPACE_INDEX, new Map()]]);
  /** The index values each cached object is filed under, one list per indexer in indexers' order. */
  private readonly filed = new Map<string, string[][]>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private synced = false;
  private stopped = true;
  private watchHandle: Watch | undefined;
  private retry: TimerHandle | undefined;
  private lastResourceVersion = '';
  private syncWaiters: (() => void)[] = [];

  constructor(
    private readonly client: ApiClient,
    readonly resource: string,
    private readonly opts: InformerOptions,
  ) {}

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    // Late subscribers see the current state, as with client-go's AddEventHandler.
    if (this.synced) for (const obj of this.cache.values()) h.onAdd?.(obj);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.retry?.cancel();
    this.watchHandle?.stop();
    this.watchHandle = undefined;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /**
   * Adds an index (client-go's Indexer): `fn` maps an object to the values it is found under.
   * Add indexes before start(); adding one later indexes the current cache.
   */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) return;
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.cache) {
      const values = fn(obj);
      this.filed.get(key)?.push(values);
      for (const v of values) addTo(index, v, key);
    }
  }

  /** Objects whose index `name` contains `value`, e.g. byIndex('namespace', 'default'). */
  byIndex(name: string, value: string): T[] {
    const keys = this.indices.get(name)?.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) out.push(this.cache.get(k)!);
    return out;
  }

  /** Objects in one namespace, without scanning the others. */
  listNamespace(namespace: string): T[] {
    return this.byIndex(NAMESPACE_INDEX, namespace);
  }

  /**
   * Files `obj` (undefined: removes the key) in the cache and every index. The values `old` was
   * filed under are remembered, so an update computes each index once and touches an index only
   * when the object's values there changed (a status write changes none of them).
   */
  private store(key: string, obj: T | undefined): void {
    const before = this.filed.get(key);
    // A new list of filed values only when some index changed (not for a status write).
    let after: string[][] | undefined = obj && !before ? [] : undefined;
    let i = 0;
    for (const [name, fn] of this.indexers) {
      const was = before?.[i] ?? NONE;
      const now = obj ? fn(obj) : NONE;
      if (!sameValues(was, now)) {
        if (obj && !after) after = before!.slice(0, i);
        const index = this.indices.get(name)!;
        for (const v of was) removeFrom(index, v, key);
        for (const v of now) addTo(index, v, key);
      }
      after?.push(now);
      i++;
    }
    if (obj) {
      this.cache.set(key, obj);
      if (after) this.filed.set(key, after);
    } else {
      this.cache.delete(key);
      this.filed.delete(key);
    }
  }

  size(): number {
    return this.cache.size;
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      const list = await this.client.list<T>(this.resource, {
        namespace: this.opts.namespace,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
      });
      if (this.stopped) return;
      this.replace(list.items);
      this.lastResourceVersion = list.metadata.resourceVersion;
      if (!this.synced) {
        this.synced = true;
        for (const w of this.syncWaiters.splice(0)) w();
      }
      this.startWatch();
    } catch (err) {
      this.opts.onError?.(err as Error);
      this.scheduleRetry(() => void this.relist());
    }
  }

  private startWatch(): void {
    if (this.stopped) return;
    this.watchHandle = this.client.watch<T>(
      this.resource,
      {
        namespace: this.opts.namespace,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        resourceVersion: this.lastResourceVersion,
        allowWatchBookmarks: true,
      },
      {
        onEvent: (ev) => this.apply(ev),
        onClose: (err) => {
          this.watchHandle = undefined;
          if (this.stopped) return;
          if (err instanceof ApiError && (err.reason === 'Expired' || err.reason === 'Gone')) {
            void this.relist();
          } else {
            if (err) this.opts.onError?.(err);
            this.scheduleRetry(() => this.startWatch());
          }
        },
      },
    );
  }

  private apply(ev: WatchEvent<T>): void {
    const rv = ev.object.metadata?.resourceVersion;
    if (rv) this.lastResourceVersion = rv;
    if (ev.type === 'BOOKMARK') return;
    const key = objectKey(ev.object);
    const old = this.cache.get(key);
    if (ev.type === 'DELETED') {
      this.store(key, undefined);
      for (const h of this.handlers) h.onDelete?.(ev.object);
      return;
    }
    this.store(key, ev.object);
    if (old) for (const h of this.handlers) h.onUpdate?.(old, ev.object);
    else for (const h of this.handlers) h.onAdd?.(ev.object);
  }

  /** Makes the cache equal to `items`, telling handlers about each difference. */
  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      this.store(key, obj);
      if (!old) for (const h of this.handlers) h.onAdd?.(obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) for (const h of this.handlers) h.onUpdate?.(old, obj);
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.store(key, undefined);
      for (const h of this.handlers) h.onDelete?.(old);
    }
  }

  private scheduleRetry(fn: () => void): void {
    if (this.stopped) return;
    this.retry?.cancel();
    this.retry = this.opts.clock.setTimeout(fn, this.opts.retryMs ?? 1000);
  }
}

const NONE: string[] = [];

/** One shared (never changed) value list per namespace, rather than a new array per event. */
const namespaceLists = new Map<string, string[]>();
function namespaceValues(o: KubeObject): string[] {
  const ns = o.metadata.namespace ?? '';
  let values = namespaceLists.get(ns);
  if (!values) namespaceLists.set(ns, (values = [ns]));
  return values;
}

function sameValues(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (!set) index.set(value, (set = new Set()));
  set.add(key);
}

function removeFrom(index: Map<string, Set<string>>, value: string, key: string): void {
  const set = index.get(value);
  if (!set) return;
  set.delete(key);
  if (set.size === 0) index.delete(value);
}
