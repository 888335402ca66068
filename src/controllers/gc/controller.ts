/**
 * The garbage collector (ownerReferences). It watches the kinds that are owners or dependents in
 * kemu and keeps an index owner uid → dependents. An object all of whose owners are gone is
 * deleted (background propagation: its own dependents follow when their turn comes, e.g.
 * Deployment → ReplicaSets → Pods). An object with some owners gone loses just those references.
 * "Gone" is checked with a live read when the owner is not in the caches, since informers of
 * different kinds lag each other (a fresh ReplicaSet may arrive before its Deployment).
 *
 * Owners being deleted with the `orphan` finalizer have the reference removed from their
 * dependents, then the finalizer; with `foregroundDeletion` their dependents are deleted first,
 * then the finalizer. (Those finalizers are what kube-apiserver adds for propagationPolicy Orphan
 * / Foreground; kemu's API server does not add them yet — see docs/control-plane.md.)
 */
import type { ApiClient } from '../../api/client.js';
import type { InformerFactory } from '../../api/client/factory.js';
import type { Informer } from '../../api/client/informer.js';
import { ApiError } from '../../api/errors.js';
import { jsonEqual } from '../../api/store/freeze.js';
import { resourceForKind } from '../../api/resources.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { Controller } from '../controller.js';

export const GC_RESOURCES = ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'pods', 'endpointslices', 'endpoints', 'services'];
export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export interface GarbageCollectorOptions {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  /** Resources to watch (default GC_RESOURCES). */
  resources?: string[];
  onError?(err: Error): void;
}

/** Queue keys are "resource|namespace/name" (namespace empty for cluster-scoped objects). */
const keyOf = (resource: string, o: KubeObject): string => `${resource}|${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class GarbageCollector extends Controller {
  private readonly infs = new Map<string, Informer<KubeObject>>();
  /** uid → queue key of every watched object. */
  private readonly byUid = new Map<string, string>();
  /** owner uid → queue keys of its dependents. */
  private readonly dependents = new Map<string, Set<string>>();

  constructor(private readonly o: GarbageCollectorOptions) {
    super({ name: 'garbage-collector', clock: o.clock, workers: 2, onError: (_k, err) => o.onError?.(err) });
    for (const resource of o.resources ?? GC_RESOURCES) {
      const inf = o.factory.informer<KubeObject>(resource);
      this.infs.set(resource, inf);
      inf.addHandlers({
        onAdd: (obj) => this.observe(resource, undefined, obj),
        onUpdate: (old, obj) => this.observe(resource, old, obj),
        onDelete: (obj) => this.forget(resource, obj),
      });
    }
  }

  protected informers(): Informer<any>[] {
    return [...this.infs.values()];
  }

  private observe(resource: string, old: KubeObject | undefined, obj: KubeObject): void {
    // Status writes are frequent and change nothing the collector decides on (nor its indexes).
    if (old && sameForGc(old, obj)) return;
    const key = keyOf(resource, obj);
    if (old) this.unindex(key, old);
    if (obj.metadata.uid) this.byUid.set(obj.metadata.uid, key);
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (!set) this.dependents.set(ref.uid, (set = new Set()));
      set.add(key);
    }
    if (obj.metadata.ownerReferences?.length || hasGcFinalizer(obj)) this.enqueue(key);
  }

  private forget(resource: string, obj: KubeObject): void {
    const key = keyOf(resource, obj);
    this.unindex(key, obj);
    const uid = obj.metadata.uid ?? '';
    if (this.byUid.get(uid) === key) this.byUid.delete(uid);
    // Its dependents may now be orphans.
    for (const dep of this.dependents.get(uid) ?? []) this.enqueue(dep);
    // Owners waiting in foreground for their dependents to go may now finish.
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const owner = this.byUid.get(ref.uid);
      if (owner) this.enqueue(owner);
    }
  }

  private unindex(key: string, obj: KubeObject): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const set = this.dependents.get(ref.uid);
      set?.delete(key);
      if (set?.size === 0) this.dependents.delete(ref.uid);
    }
  }

  private lookup(key: string): { resource: string; obj: KubeObject | undefined } {
    const bar = key.indexOf('|');
    const resource = key.slice(0, bar);
    const rest = key.slice(bar + 1);
    const slash = rest.indexOf('/');
    const ns = rest.slice(0, slash);
    return { resource, obj: this.infs.get(resource)?.get(ns || undefined, rest.slice(slash + 1)) };
  }

  protected async sync(key: string): Promise<void> {
    const { resource, obj } = this.lookup(key);
    if (!obj) return;
    if (obj.metadata.deletionTimestamp && hasGcFinalizer(obj)) return this.finishOwner(resource, obj);
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0 || obj.metadata.deletionTimestamp) return;
    const dangling: OwnerReference[] = [];
    let solid = 0;
    for (const ref of refs) {
      const state = await this.ownerState(ref, obj.metadata.namespace);
      if (state === 'present') solid++;
      else if (state === 'gone') dangling.push(ref);
      else solid++; // unknown kind: never delete on a guess
    }
    if (solid === 0) {
      await this.ignoreNotFound(
        this.o.client.delete(resource, obj.metadata.namespace, obj.metadata.name!, {
          propagationPolicy: 'Background',
          preconditions: { uid: obj.metadata.uid },
        }),
      );
    } else if (dangling.length) {
      await this.removeOwnerRefs(resource, obj, new Set(dangling.map((d) => d.uid)));
    }
  }

  /**
   * 'present' when the owner exists with the referenced uid and is not being deleted in the
   * foreground; 'gone' otherwise; 'unknown' for a kind kemu does not serve.
   */
  private async ownerState(ref: OwnerReference, namespace: string | undefined): Promise<'present' | 'gone' | 'unknown'> {
    const cachedKey = this.byUid.get(ref.uid);
    if (cachedKey) {
      const owner = this.lookup(cachedKey).obj;
      if (owner?.metadata.uid === ref.uid) return isForegroundDeleting(owner) ? 'gone' : 'present';
    }
    const r = resourceForKind(ref.apiVersion, ref.kind);
    if (!r) return 'unknown';
    try {
      const owner = await this.o.client.get(r.plural, r.namespaced ? namespace : undefined, ref.name);
      if (owner.metadata.uid !== ref.uid) return 'gone';
      return isForegroundDeleting(owner) ? 'gone' : 'present';
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return 'gone';
      throw err;
    }
  }

  /** An owner with the orphan or foregroundDeletion finalizer: settle its dependents, then drop the finalizer. */
  private async finishOwner(resource: string, owner: KubeObject): Promise<void> {
    const uid = owner.metadata.uid ?? '';
    const deps = [...(this.dependents.get(uid) ?? [])].map((k) => ({ k, ...this.lookup(k) }));
    const finalizers = owner.metadata.finalizers ?? [];
    let drop: string;
    if (finalizers.includes(FINALIZER_ORPHAN)) {
      for (const d of deps) if (d.obj) await this.removeOwnerRefs(d.resource, d.obj, new Set([uid]));
      drop = FINALIZER_ORPHAN;
    } else {
      const alive = deps.filter((d) => d.obj);
      for (const d of alive) {
        if (d.obj!.metadata.deletionTimestamp) continue;
        await this.ignoreNotFound(this.o.client.delete(d.resource, d.obj!.metadata.namespace, d.obj!.metadata.name!, { propagationPolicy: 'Foreground' }));
      }
      if (alive.length) return; // their deletion events bring us back
      drop = FINALIZER_FOREGROUND;
    }
    const fresh = await this.ignoreNotFound(this.o.client.get(resource, owner.metadata.namespace, owner.metadata.name!));
    if (!fresh || fresh.metadata.uid !== uid) return;
    const rest = (fresh.metadata.finalizers ?? []).filter((f) => f !== drop);
    await this.ignoreNotFound(this.o.client.update(resource, { ...fresh, metadata: { ...fresh.metadata, finalizers: rest } }));
  }

  private async removeOwnerRefs(resource: string, obj: KubeObject, uids: Set<string>): Promise<void> {
    const fresh = await this.ignoreNotFound(this.o.client.get(resource, obj.metadata.namespace, obj.metadata.name!));
    if (!fresh || fresh.metadata.uid !== obj.metadata.uid) return;
    const refs = (fresh.metadata.ownerReferences ?? []).filter((r) => !uids.has(r.uid));
    if (refs.length === (fresh.metadata.ownerReferences ?? []).length) return;
    const metadata = { ...fresh.metadata, ownerReferences: refs };
    if (refs.length === 0) delete (metadata as { ownerReferences?: unknown }).ownerReferences;
    // update (not patch) carries resourceVersion: a concurrent change makes this retry, not clobber.
    await this.ignoreNotFound(this.o.client.update(resource, { ...fresh, metadata }));
  }

  private async ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
      throw err;
    }
  }
}

/** Same uid, owner references, finalizers and deletion mark: nothing for the collector to redo. */
function sameForGc(a: KubeObject, b: KubeObject): boolean {
  const x = a.metadata;
  const y = b.metadata;
  return (
    x.uid === y.uid &&
    x.deletionTimestamp === y.deletionTimestamp &&
    jsonEqual(x.ownerReferences, y.ownerReferences) &&
    jsonEqual(x.finalizers, y.finalizers)
  );
}

function hasGcFinalizer(o: KubeObject): boolean {
  const f = o.metadata.finalizers ?? [];
  return f.includes(FINALIZER_ORPHAN) || f.includes(FINALIZER_FOREGROUND);
}

function isForegroundDeleting(o: KubeObject): boolean {
  return !!o.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).includes(FINALIZER_FOREGROUND);
}
