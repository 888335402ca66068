/**
 * In-memory Store: one map per resource, one monotonic resourceVersion for the whole store (as
 * etcd's revision), and a bounded ring of recent events so watches can resume.
 */
import { KemuError } from '../../util/errors.js';
import type { KubeObject } from '../types.js';
import { deepFreeze } from './freeze.js';
import { WATCH_TRIGGERS } from './triggers.js';
import type { Store, StoreEvent, StoreListener, StoreWatch, StoredObject } from './store.js';

interface ResourceTable {
  objects: Map<string, StoredObject>;
  listeners: Set<StoreListener>;
  /** Listeners that asked for one value of the resource's trigger field, by that value. */
  triggered: Map<string, Set<StoreListener>>;
  /** Keys in list order, rebuilt lazily after a create or delete (updates keep the order). */
  sortedKeys: string[] | undefined;
}

export interface MemoryStoreOptions {
  /** How many events are kept for watch resumption (kube-apiserver's watch cache default is in the same range). */
  historySize?: number;
}

export class MemoryStore implements Store {
  private rv = 1;
  private readonly tables = new Map<string, ResourceTable>();
  private readonly history: StoreEvent[] = [];
  private historyStart = 0;
  private readonly historySize: number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.historySize = opts.historySize ?? 10_000;
  }

  currentResourceVersion(): number {
    return this.rv;
  }

  oldestWatchableResourceVersion(): number {
    const first = this.history[this.historyStart];
    // Every version from (first event - 1) on can be resumed: the history holds all later events.
    return first ? first.resourceVersion - 1 : this.rv;
  }

  get(resource: string, namespace: string, name: string): StoredObject | undefined {
    return this.tables.get(resource)?.objects.get(key(namespace, name));
  }

  list(resource: string, namespace: string): { items: StoredObject[]; resourceVersion: number } {
    const table = this.tables.get(resource);
    if (!table) return { items: [], resourceVersion: this.rv };
    table.sortedKeys ??= [...table.objects.keys()].sort();
    const items: StoredObject[] = [];
    const prefix = namespace ? namespace + '/' : '';
    for (const k of table.sortedKeys) if (!prefix || k.startsWith(prefix)) items.push(table.objects.get(k)!);
    return { items, resourceVersion: this.rv };
  }

  count(resource: string): number {
    return this.tables.get(resource)?.objects.size ?? 0;
  }

  create(resource: string, object: KubeObject): StoredObject {
    const table = this.table(resource);
    const k = keyOf(object);
    if (table.objects.has(k)) {
      throw new KemuError('ERR_ALREADY_EXISTS', `${resource} "${object.metadata.name}" already exists`);
    }
    const stored = this.stamp(object);
    table.objects.set(k, stored);
    table.sortedKeys = undefined;
    this.emit(table, { type: 'ADDED', resource, stored, previous: undefined, object });
    return stored;
  }

  update(resource: string, object: KubeObject, expectedResourceVersion?: number): StoredObject {
    const table = this.table(resource);
    const k = keyOf(object);
    const previous = table.objects.get(k);
    if (!previous) throw new KemuError('ERR_NOT_FOUND', `${resource} "${object.metadata.name}" not found`);
    checkVersion(resource, object.metadata.name ?? '', previous, expectedResourceVersion);
    const stored = this.stamp(object);
    table.objects.set(k, stored);
    this.emit(table, { type: 'MODIFIED', resource, stored, previous, object });
    return stored;
  }

  delete(resource: string, namespace: string, name: string, expectedResourceVersion?: number): StoredObject {
    const table = this.table(resource);
    const k = key(namespace, name);
    const previous = table.objects.get(k);
    if (!previous) throw new KemuError('ERR_NOT_FOUND', `${resource} "${name}" not found`);
    checkVersion(resource, name, previous, expectedResourceVersion);
    table.objects.delete(k);
    table.sortedKeys = undefined;
    // The DELETED event carries the last state with the deletion's own resourceVersion, as etcd3 does.
    const stored = this.stamp(previous.object);
    this.emit(table, { type: 'DELETED', resource, stored, previous, object: previous.object });
    return stored;
  }

  watch(resource: string, fromResourceVersion: number, listener: StoreListener, opts: { trigger?: string } = {}): StoreWatch {
    if (fromResourceVersion < this.oldestWatchableResourceVersion()) {
      throw new KemuError(
        'ERR_GONE',
        `too old resource version: ${fromResourceVersion} (${this.oldestWatchableResourceVersion() + 1})`,
      );
    }
    for (let i = this.historyStart; i < this.history.length; i++) {
      const ev = this.history[i]!;
      if (ev.resourceVersion > fromResourceVersion && ev.resource === resource) listener(ev);
    }
    const table = this.table(resource);
    const trigger = opts.trigger !== undefined && WATCH_TRIGGERS[resource] ? opts.trigger : undefined;
    if (trigger === undefined) {
      table.listeners.add(listener);
      return { cancel: () => table.listeners.delete(listener) };
    }
    let set = table.triggered.get(trigger);
    if (!set) table.triggered.set(trigger, (set = new Set()));
    set.add(listener);
    return {
      cancel: () => {
        set!.delete(listener);
        if (set!.size === 0 && table.triggered.get(trigger) === set) table.triggered.delete(trigger);
      },
    };
  }

  private table(resource: string): ResourceTable {
    let t = this.tables.get(resource);
    if (!t) {
      t = { objects: new Map(), listeners: new Set(), triggered: new Map(), sortedKeys: undefined };
      this.tables.set(resource, t);
    }
    return t;
  }

  private stamp(object: KubeObject): StoredObject {
    const resourceVersion = ++this.rv;
    const stamped: KubeObject = {
      ...object,
      metadata: { ...object.metadata, resourceVersion: String(resourceVersion) },
    };
    deepFreeze(stamped);
    return new Stored(stamped, resourceVersion);
  }

  private emit(
    table: ResourceTable,
    e: { type: StoreEvent['type']; resource: string; stored: StoredObject; previous: StoredObject | undefined; object: KubeObject },
  ): void {
    const event: StoreEvent = {
      type: e.type,
      resource: e.resource,
      namespace: e.object.metadata.namespace ?? '',
      name: e.object.metadata.name ?? '',
      stored: e.stored,
      previous: e.previous,
      resourceVersion: e.stored.resourceVersion,
    };
    this.history.push(event);
    if (this.history.length - this.historyStart > this.historySize) {
      this.historyStart++;
      // Compact occasionally rather than shifting on every write.
      if (this.historyStart > this.historySize) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const listener of [...table.listeners]) listener(event);
    if (table.triggered.size > 0) {
      const trigger = WATCH_TRIGGERS[e.resource]!;
      const now = trigger.value(e.stored.object);
      const before = e.previous ? trigger.value(e.previous.object) : undefined;
      if (now !== undefined) for (const l of [...(table.triggered.get(now) ?? [])]) l(event);
      if (before !== undefined && before !== now) for (const l of [...(table.triggered.get(before) ?? [])]) l(event);
    }
  }
}

/**
 * A stored version. Its JSON is made the first time a reader needs it (a LIST or watch over HTTP)
 * and kept: the object is frozen, so the text can never go stale, and in-process readers, which
 * never need it, pay nothing for it.
 */
class Stored implements StoredObject {
  private text: string | undefined;

  constructor(
    readonly object: KubeObject,
    readonly resourceVersion: number,
  ) {}

  get json(): string {
    return (this.text ??= JSON.stringify(this.object));
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function keyOf(object: KubeObject): string {
  return key(object.metadata.namespace ?? '', object.metadata.name ?? '');
}

function checkVersion(resource: string, name: string, current: StoredObject, expected: number | undefined): void {
  if (expected !== undefined && expected !== current.resourceVersion) {
    throw new KemuError(
      'ERR_CONFLICT',
      `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    );
  }
}
