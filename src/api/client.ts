/**
 * ApiClient: the one way every kemu component reaches the cluster. Two implementations share these
 * semantics: in-process (calls the API service directly, no HTTP, for speed at scale) and HTTP+ws
 * (for remote agents and the CLI). Resources are named by plural ("pods", "deployments").
 */
import type { KubeList, KubeObject, WatchEvent } from './types.js';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Resume after this resourceVersion; absent = start from now. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** A live watch. Events arrive through `onEvent`; `onClose` fires once, with an error if it failed. */
export interface Watch {
  stop(): void;
}

export interface WatchHandlers<T extends KubeObject = KubeObject> {
  onEvent(event: WatchEvent<T>): void;
  onClose?(err?: Error): void;
}

export interface ApiClient {
  get<T extends KubeObject = KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(resource: string, opts?: ListOptions): Promise<KubeList<T>>;
  watch<T extends KubeObject = KubeObject>(resource: string, opts: WatchOptions, handlers: WatchHandlers<T>): Watch;
  create<T extends KubeObject = KubeObject>(resource: string, obj: T, subresource?: string): Promise<T>;
  update<T extends KubeObject = KubeObject>(resource: string, obj: T, subresource?: string): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    subresource?: string,
  ): Promise<T>;
  delete(resource: string, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject | undefined>;
}
