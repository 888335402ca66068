/**
 * The storage interface behind the API service: memory now, etcd later. Objects are stored
 * deep-frozen together with their JSON text, so a LIST or a watch fan-out reuses the bytes
 * serialized once (on first need, then kept) instead of stringifying per reader.
 */
import type { KubeObject } from '../types.js';

export interface StoredObject {
  readonly object: KubeObject;
  /** JSON.stringify(object), computed at most once. */
  readonly json: string;
  readonly resourceVersion: number;
}

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly type: StoreEventType;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  /** For DELETED: the last state, stamped with the deletion's resourceVersion. */
  readonly stored: StoredObject;
  /** The state before this event (MODIFIED/DELETED), so watchers with selectors can see transitions. */
  readonly previous: StoredObject | undefined;
  readonly resourceVersion: number;
}

export type StoreListener = (event: StoreEvent) => void;

export interface StoreWatch {
  cancel(): void;
}

export interface Store {
  /** The newest resourceVersion handed out. */
  currentResourceVersion(): number;
  /** The oldest resourceVersion a watch may still resume from. */
  oldestWatchableResourceVersion(): number;
  get(resource: string, namespace: string, name: string): StoredObject | undefined;
  /** Objects in key order (namespace, then name). namespace '' = all namespaces. */
  list(resource: string, namespace: string): { items: StoredObject[]; resourceVersion: number };
  count(resource: string): number;
  /** Inserts; the object's metadata.resourceVersion is set by the store. Throws ERR_ALREADY_EXISTS. */
  create(resource: string, object: KubeObject): StoredObject;
  /** Replaces; throws ERR_NOT_FOUND, or ERR_CONFLICT when expectedResourceVersion is stale. */
  update(resource: string, object: KubeObject, expectedResourceVersion?: number): StoredObject;
  /** Removes; throws ERR_NOT_FOUND or ERR_CONFLICT. Returns the removed object. */
  delete(resource: string, namespace: string, name: string, expectedResourceVersion?: number): StoredObject;
  /**
   * Subscribes to changes of one resource after `fromResourceVersion` (replaying history first).
   * Throws ERR_GONE when that version is older than the kept history. With `trigger`, the listener
   * may be called only for events whose old or new object has that value of the resource's indexed
   * trigger field (see triggers.ts); stores without trigger support simply call it for every event.
   */
  watch(resource: string, fromResourceVersion: number, listener: StoreListener, opts?: { trigger?: string }): StoreWatch;
}
