/**
 * ApiService: the verbs of the Kubernetes API over the store, with what kube-apiserver does around
 * them — naming, defaulting, validation, admission, optimistic concurrency, graceful deletion,
 * subresources. The HTTP server and the in-process client both call this, so they agree.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../util/clock.js';
import { timestamp } from '../timestamps.js';
import { isKemuError } from '../../util/errors.js';
import { resourceByPlural, apiVersionOf, type ResourceInfo } from '../resources.js';
import type { KubeObject, StatusCause } from '../types.js';
import type { Store, StoredObject, StoreEvent, StoreWatch } from '../store/store.js';
import { copyUnlessFrozen, deepCopy, jsonEqual } from '../store/freeze.js';
import { ApiError, alreadyExists, badRequest, conflict, invalid, notFound, toApiError } from '../errors.js';
import { applyDefaultsInPlace } from '../defaults/index.js';
import { fieldErrorBody, findTypeErrors, validateWrite, type FieldError } from '../validation/index.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../patch/index.js';
import type { PatchType } from '../client.js';
import { Paginator, type Page } from './paging.js';
import { buildFilter } from './filter.js';
import { randomSuffix } from './names.js';
import { WATCH_TRIGGERS } from '../store/triggers.js';
import { ServiceAddressing } from './service-ips.js';
import { admitCreate, admitUpdate, decideDelete, releaseOnDelete, type AdmissionContext } from './admission.js';
import { fromScale, toScale } from './scale.js';

export interface ApiServiceOptions {
  store: Store;
  clock: Clock;
  serviceSubnet: string;
  nodePortRange?: [number, number];
  loadBalancerPool?: string;
  random?: () => number;
}

export interface ListOpts {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOpts {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
}

export interface WriteOpts {
  subresource?: string;
  dryRun?: boolean;
}

export interface DeleteOpts {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type ServiceWatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; stored: StoredObject };

export class ApiService {
  readonly store: Store;
  readonly clock: Clock;
  readonly addressing: ServiceAddressing;
  private readonly paginator: Paginator;
  private readonly random: () => number;
  private readonly ctx: AdmissionContext;

  constructor(opts: ApiServiceOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.random = opts.random ?? Math.random;
    this.addressing = new ServiceAddressing({
      serviceSubnet: opts.serviceSubnet,
      nodePortRange: opts.nodePortRange,
      loadBalancerPool: opts.loadBalancerPool,
      random: this.random,
    });
    this.paginator = new Paginator(opts.clock);
    this.ctx = { addressing: this.addressing, store: this.store, clock: this.clock, serviceSubnet: opts.serviceSubnet };
  }

  resource(plural: string): ResourceInfo {
    const r = resourceByPlural(plural);
    if (!r) throw new ApiError('NotFound', 'the server could not find the requested resource');
    return r;
  }

  // ---- reads ---------------------------------------------------------------------------------

  get(plural: string, namespace: string | undefined, name: string, subresource?: string): KubeObject {
    const r = this.resource(plural);
    const stored = this.getStored(r, namespace, name);
    if (subresource === 'scale') return toScale(r, stored.object);
    if (subresource && subresource !== 'status') throw this.noSubresource(r, subresource);
    return stored.object;
  }

  getStored(r: ResourceInfo, namespace: string | undefined, name: string): StoredObject {
    const stored = this.store.get(r.plural, r.namespaced ? namespace ?? '' : '', name);
    if (!stored) throw notFound(r, name);
    return stored;
  }

  list(plural: string, opts: ListOpts = {}): Page {
    const r = this.resource(plural);
    if (opts.continue) return this.paginator.nextPage(opts.continue, opts.limit);
    const namespace = r.namespaced ? opts.namespace ?? '' : '';
    const filter = buildFilter(r.plural, namespace, opts.labelSelector, opts.fieldSelector);
    const all = this.store.list(r.plural, namespace);
    const items = filter.everything ? all.items : all.items.filter((s) => filter.matches(s.object));
    return this.paginator.firstPage(items, all.resourceVersion, opts.limit);
  }

  /**
   * Streams changes. Without a resourceVersion (or "0") the current objects arrive first as ADDED,
   * as kube-apiserver does; with one, events after it are replayed (ERR 410 Expired when too old).
   */
  watch(plural: string, opts: WatchOpts, listener: (event: ServiceWatchEvent) => void): StoreWatch {
    const r = this.resource(plural);
    const namespace = r.namespaced ? opts.namespace ?? '' : '';
    const filter = buildFilter(r.plural, namespace, opts.labelSelector, opts.fieldSelector);
    let from: number;
    if (opts.resourceVersion === undefined || opts.resourceVersion === '' || opts.resourceVersion === '0') {
      const current = this.store.list(r.plural, namespace);
      for (const stored of current.items) if (filter.matches(stored.object)) listener({ type: 'ADDED', stored });
      from = current.resourceVersion;
    } else {
      from = parseResourceVersion(opts.resourceVersion);
    }
    const onEvent = (ev: StoreEvent): void => {
      const out = translate(ev, filter.matches);
      if (out) listener(out);
    };
    const trigger = WATCH_TRIGGERS[r.plural];
    const triggerValue = trigger ? filter.requiredField(trigger.field) : undefined;
    try {
      return this.store.watch(r.plural, from, onEvent, triggerValue !== undefined ? { trigger: triggerValue } : {});
    } catch (err) {
      if (isKemuError(err, 'ERR_GONE')) throw new ApiError('Expired', err.message);
      throw err;
    }
  }

  // ---- writes --------------------------------------------------------------------------------

  create(plural: string, namespace: string | undefined, body: unknown, opts: WriteOpts = {}): StoredObject {
    const r = this.resource(plural);
    if (opts.subresource === 'binding' && r.plural === 'pods') return this.bind(r, namespace, body);
    if (opts.subresource) throw this.noSubresource(r, opts.subresource);
    const obj = this.checkBody(r, body, namespace);
    const ns = r.namespaced ? obj.metadata.namespace! : '';
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + randomSuffix(this.random);
    if (r.namespaced) this.requireActiveNamespace(ns);
    const name = obj.metadata.name ?? '';
    if (name && this.store.get(r.plural, ns, name)) throw alreadyExists(r, name);
    delete obj.metadata.resourceVersion;
    delete obj.metadata.deletionTimestamp;
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = timestamp(this.clock.now());
    if (obj.spec !== undefined) obj.metadata.generation = 1;
    // checkBody made `obj` this request's own copy: defaults go straight into it.
    let next = applyDefaultsInPlace(obj);
    this.validate(r, next, undefined);
    next = admitCreate(r, next, this.ctx);
    if (opts.dryRun) return { object: next, json: JSON.stringify(next), resourceVersion: 0 };
    try {
      return this.store.create(r.plural, next);
    } catch (err) {
      releaseOnDelete(r, next, this.ctx); // give back what admission allocated
      if (isKemuError(err, 'ERR_ALREADY_EXISTS')) throw alreadyExists(r, name);
      throw err;
    }
  }

  update(plural: string, namespace: string | undefined, name: string, body: unknown, opts: WriteOpts = {}): StoredObject {
    const r = this.resource(plural);
    if (opts.subresource === 'scale') return this.updateScale(r, namespace, name, body);
    if (opts.subresource && opts.subresource !== 'status' && opts.subresource !== 'finalize') throw this.noSubresource(r, opts.subresource);
    const obj = this.checkBody(r, body, namespace, false, opts.subresource);
    if (obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    const current = this.getStored(r, namespace, name);
    const expected = obj.metadata.resourceVersion ? parseResourceVersion(obj.metadata.resourceVersion) : undefined;
    if (expected !== undefined && expected !== current.resourceVersion) {
      throw conflict(r, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return this.replace(r, current, obj, opts);
  }

  patch(plural: string, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOpts = {}): StoredObject {
    const r = this.resource(plural);
    // Patches are applied to the latest state; a concurrent write just means trying again.
    for (let attempt = 0; ; attempt++) {
      const current = this.getStored(r, namespace, name);
      const base = opts.subresource === 'scale' ? toScale(r, current.object) : current.object;
      const kind = opts.subresource === 'scale' ? 'Scale' : r.kind;
      let patched: unknown;
      try {
        if (type === 'merge') patched = applyMergePatch(base, patch);
        else if (type === 'json') patched = applyJsonPatch(base, patch as never);
        else patched = applyStrategicMergePatch(base, patch, kind);
      } catch (err) {
        throw toApiError(err);
      }
      if (!isObject(patched)) throw badRequest('the patch did not produce an object');
      const obj = patched as KubeObject;
      if (obj.metadata?.resourceVersion !== current.object.metadata.resourceVersion && obj.metadata?.resourceVersion) {
        // A patch that sets resourceVersion is a precondition, as in Kubernetes.
        throw conflict(r, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      try {
        if (opts.subresource === 'scale') return this.updateScale(r, namespace, name, obj);
        // Patch functions return fresh objects, so the result is already this request's own.
        return this.replace(r, current, this.checkBody(r, obj, namespace, true), opts);
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'Conflict' && attempt < 5) continue;
        throw err;
      }
    }
  }

  delete(plural: string, namespace: string | undefined, name: string, opts: DeleteOpts = {}): { stored: StoredObject; gone: boolean } {
    const r = this.resource(plural);
    const current = this.getStored(r, namespace, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== current.object.metadata.uid) {
      throw conflict(r, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.object.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.object.metadata.resourceVersion) {
      throw conflict(r, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.object.metadata.resourceVersion}`);
    }
    const decision = decideDelete(r, current.object, opts.gracePeriodSeconds, this.clock.now(), opts.propagationPolicy);
    if (decision.kind === 'mark') {
      const stored = this.store.update(r.plural, decision.object, current.resourceVersion);
      return { stored, gone: false };
    }
    const stored = this.store.delete(r.plural, current.object.metadata.namespace ?? '', name, current.resourceVersion);
    releaseOnDelete(r, current.object, this.ctx);
    return { stored, gone: true };
  }

  // ---- helpers -------------------------------------------------------------------------------

  private replace(r: ResourceInfo, current: StoredObject, incoming: KubeObject, opts: WriteOpts): StoredObject {
    const old = current.object;
    let next: KubeObject;
    // `incoming` is this request's own copy (checkBody made it); `old` is frozen and only shared.
    if (opts.subresource === 'status') {
      next = { ...old, status: incoming.status };
    } else if (opts.subresource === 'finalize') {
      next = { ...old, spec: incoming.spec };
    } else {
      next = incoming;
      // Fields the server owns survive whatever the client sent.
      next.metadata = {
        ...next.metadata,
        uid: old.metadata.uid,
        creationTimestamp: old.metadata.creationTimestamp,
        namespace: old.metadata.namespace,
        deletionTimestamp: old.metadata.deletionTimestamp,
        deletionGracePeriodSeconds: old.metadata.deletionGracePeriodSeconds,
        generation: old.metadata.generation,
      };
      if (next.metadata.deletionTimestamp === undefined) delete next.metadata.deletionTimestamp;
      if (next.metadata.deletionGracePeriodSeconds === undefined) delete next.metadata.deletionGracePeriodSeconds;
      if (next.metadata.generation === undefined) delete next.metadata.generation;
      if (r.subresources.includes('status')) {
        // A copy: defaulting may complete it (a Service's load-balancer ingress ipMode).
        if (old.status === undefined) delete next.status;
        else next.status = deepCopy(old.status);
      }
      next = applyDefaultsInPlace(next);
      // Semantic equality, as Kubernetes' strategies compare specs: key order does not count.
      if (next.spec !== undefined && !jsonEqual(next.spec, old.spec)) {
        next.metadata.generation = (old.metadata.generation ?? 0) + 1;
      }
    }
    if (opts.subresource === 'finalize') {
      this.reportInvalid(r, next, findTypeErrors({ apiVersion: next.apiVersion, kind: next.kind, metadata: {}, spec: next.spec }));
    } else if (opts.subresource === 'status') {
      // Only .status came from the client; spec and metadata are the stored, already validated
      // ones. kemu has no status validation rules (docs/api-server.md), so nothing is re-checked.
    } else {
      this.validate(r, next, old);
    }
    next = admitUpdate(r, next, old, this.ctx, opts.subresource);
    if (opts.dryRun) return { object: next, json: JSON.stringify(next), resourceVersion: current.resourceVersion };
    // An object being deleted goes once its last finalizer is removed (for a namespace, also the
    // `kubernetes` finalizer in spec.finalizers that the namespace controller removes via /finalize).
    const finalized = !next.metadata.finalizers?.length && !(r.plural === 'namespaces' && next.spec?.finalizers?.length);
    if (next.metadata.deletionTimestamp && finalized && r.plural !== 'pods') {
      const stored = this.store.delete(r.plural, next.metadata.namespace ?? '', next.metadata.name ?? '', current.resourceVersion);
      releaseOnDelete(r, old, this.ctx);
      return stored;
    }
    try {
      return this.store.update(r.plural, next, current.resourceVersion);
    } catch (err) {
      if (isKemuError(err, 'ERR_CONFLICT')) {
        throw conflict(r, old.metadata.name ?? '', 'the object has been modified; please apply your changes to the latest version and try again');
      }
      throw err;
    }
  }

  private bind(r: ResourceInfo, namespace: string | undefined, body: unknown): StoredObject {
    if (!isObject(body)) throw badRequest('binding body must be an object');
    const binding = body as { metadata?: { name?: string }; target?: { kind?: string; name?: string } };
    const podName = binding.metadata?.name ?? '';
    const nodeName = binding.target?.name;
    if (!nodeName) throw invalid({ ...r, kind: 'Binding' }, podName, [{ field: 'target.name', reason: 'FieldValueRequired', message: 'Required value' }]);
    const current = this.getStored(r, namespace, podName);
    const pod = current.object;
    if (pod.metadata.deletionTimestamp) throw conflict(r, podName, 'pod is being deleted, cannot be assigned to a host');
    if (pod.spec?.nodeName) throw conflict(r, podName, `pod ${podName} is already assigned to node "${pod.spec.nodeName}"`);
    // Only spec.nodeName and the PodScheduled condition change; the rest stays shared (and frozen).
    const conditions = (pod.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(this.clock.now()) });
    const next: KubeObject = { ...pod, spec: { ...pod.spec, nodeName }, status: { ...(pod.status ?? {}), conditions } };
    return this.store.update(r.plural, next, current.resourceVersion);
  }

  private updateScale(r: ResourceInfo, namespace: string | undefined, name: string, body: unknown): StoredObject {
    if (!r.subresources.includes('scale')) throw this.noSubresource(r, 'scale');
    if (!isObject(body)) throw badRequest('Scale body must be an object');
    const current = this.getStored(r, namespace, name);
    const next = fromScale(r, current.object, body as KubeObject);
    const stored = this.replace(r, current, next, {});
    return { object: toScale(r, stored.object), json: JSON.stringify(toScale(r, stored.object)), resourceVersion: stored.resourceVersion };
  }

  private validate(r: ResourceInfo, obj: KubeObject, old: KubeObject | undefined): void {
    this.reportInvalid(r, obj, validateWrite(obj, old, { serviceSubnet: this.ctx.serviceSubnet }));
  }

  private reportInvalid(r: ResourceInfo, obj: KubeObject, errors: FieldError[]): void {
    if (errors.length === 0) return;
    const causes: StatusCause[] = errors.map((e) => ({
      reason: e.type,
      message: fieldErrorBody(e),
      field: e.field,
    }));
    throw invalid(r, obj.metadata.name ?? '', causes);
  }

  /** Parses and checks a request body: kind, apiVersion and namespace must fit the URL. */
  private checkBody(r: ResourceInfo, body: unknown, namespace: string | undefined, owned = false, subresource?: string): KubeObject {
    if (!isObject(body)) throw badRequest(`the body of the request was not a JSON object`);
    // Callers' objects may be frozen informer objects or reused by them: copy unless already ours.
    // A status (or finalize) write takes only .status (.spec) from the body, as it is (no
    // defaulting touches it): only that is copied, and frozen parts of it are shared, not copied.
    let obj: KubeObject;
    if (owned) obj = body as KubeObject;
    else if (subresource === 'status' || subresource === 'finalize') {
      const part = subresource === 'status' ? 'status' : 'spec';
      obj = { ...(body as KubeObject), metadata: { ...((body as KubeObject).metadata ?? {}) }, [part]: copyUnlessFrozen(body[part]) };
    } else obj = deepCopy(body) as KubeObject;
    const expected = apiVersionOf(r);
    if (obj.kind === undefined) obj.kind = r.kind;
    if (obj.apiVersion === undefined) obj.apiVersion = expected;
    if (obj.kind !== r.kind || obj.apiVersion !== expected) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected}) or kind (${obj.kind} != ${r.kind})`);
    }
    if (!isObject(obj.metadata)) obj.metadata = {};
    if (r.namespaced) {
      const ns = namespace ?? obj.metadata.namespace ?? 'default';
      if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = ns;
    } else {
      delete obj.metadata.namespace;
    }
    return obj;
  }

  private requireActiveNamespace(ns: string): void {
    const nsObj = this.store.get('namespaces', '', ns);
    if (!nsObj) throw notFound(resourceByPlural('namespaces')!, ns);
    if (nsObj.object.status?.phase === 'Terminating') {
      throw new ApiError('Forbidden', `unable to create new content in namespace ${ns} because it is being terminated`, {
        name: ns,
        kind: 'namespaces',
        group: '',
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }

  private noSubresource(r: ResourceInfo, sub: string): ApiError {
    return new ApiError('NotFound', `the server could not find the requested resource (${r.plural}/${sub})`);
  }
}

function translate(ev: StoreEvent, matches: (o: KubeObject) => boolean): ServiceWatchEvent | undefined {
  const now = ev.type !== 'DELETED' && matches(ev.stored.object);
  const before = ev.previous !== undefined && matches(ev.previous.object);
  if (ev.type === 'ADDED') return now ? { type: 'ADDED', stored: ev.stored } : undefined;
  if (ev.type === 'DELETED') return before ? { type: 'DELETED', stored: ev.stored } : undefined;
  if (now && before) return { type: 'MODIFIED', stored: ev.stored };
  if (now) return { type: 'ADDED', stored: ev.stored };
  if (before) return { type: 'DELETED', stored: ev.stored };
  return undefined;
}

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return Number(rv);
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

