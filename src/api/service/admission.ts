/**
 * Per-resource admission around create, update and delete: what kube-apiserver's registry
 * strategies and default admission plugins do for the resources kemu serves.
 */
import type { Clock } from '../../util/clock.js';
import { rfc3339 } from '../../util/time.js';
import type { ResourceInfo } from '../resources.js';
import type { KubeObject, Pod, Service } from '../types.js';
import type { Store } from '../store/store.js';
import { deepCopy } from '../store/freeze.js';
import { addDefaultTolerationsInPlace } from '../defaults/index.js';
import type { ServiceAddressing } from './service-ips.js';

export interface AdmissionContext {
  addressing: ServiceAddressing;
  store: Store;
  clock: Clock;
  serviceSubnet: string;
}

/** Kubernetes' DefaultTolerationSeconds admission plugin default. */
export const DEFAULT_TOLERATION_SECONDS = 300;

/**
 * Admission works on the request's own copy of the object (the service copied the body once), so it
 * changes it in place rather than copying again.
 */
export function admitCreate(r: ResourceInfo, obj: KubeObject, ctx: AdmissionContext): KubeObject {
  switch (r.plural) {
    case 'services': {
      ctx.addressing.allocateForCreate(obj as Service);
      return obj;
    }
    case 'pods': {
      const out = addDefaultTolerationsInPlace(obj as Pod, DEFAULT_TOLERATION_SECONDS);
      // A new pod is Pending until a kubelet reports otherwise; clients cannot create it Running.
      out.status = { phase: 'Pending', qosClass: qosClass(out) };
      return out;
    }
    case 'namespaces': {
      const ns = obj;
      ns.spec = { finalizers: ['kubernetes'], ...(ns.spec ?? {}) };
      ns.status = { phase: 'Active' };
      return ns;
    }
    default:
      return obj;
  }
}

export function admitUpdate(r: ResourceInfo, next: KubeObject, old: KubeObject, ctx: AdmissionContext, subresource?: string): KubeObject {
  if (r.plural === 'services' && !subresource) {
    ctx.addressing.reallocateForUpdate(next as Service, old as Service);
    return next;
  }
  if (r.plural === 'namespaces' && old.status?.phase === 'Terminating') {
    return { ...next, status: { ...(next.status ?? {}), phase: 'Terminating' } };
  }
  return next;
}

export type DeleteDecision = { kind: 'mark'; object: KubeObject } | { kind: 'remove' };

/**
 * Graceful deletion: a scheduled pod is marked (deletionTimestamp + grace period) and its kubelet
 * removes it; namespaces and objects with finalizers are marked and go when finalized.
 */
export function decideDelete(
  r: ResourceInfo,
  obj: KubeObject,
  gracePeriodSeconds: number | undefined,
  now: number,
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan',
): DeleteDecision {
  // Orphan and Foreground deletion are carried out by the garbage collector through these finalizers.
  const gcFinalizer = propagationPolicy === 'Orphan' ? 'orphan' : propagationPolicy === 'Foreground' ? 'foregroundDeletion' : undefined;
  if (gcFinalizer && !obj.metadata.finalizers?.includes(gcFinalizer) && r.plural !== 'namespaces') {
    obj = { ...obj, metadata: { ...obj.metadata, finalizers: [...(obj.metadata.finalizers ?? []), gcFinalizer] } };
  }
  if (r.plural === 'pods') {
    const pod = obj as Pod;
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    const grace = gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    if (!pod.spec.nodeName || finished || grace <= 0) {
      return obj.metadata.finalizers?.length ? mark(obj, now, 0) : { kind: 'remove' };
    }
    const current = obj.metadata.deletionGracePeriodSeconds;
    if (current !== undefined && current <= grace) return { kind: 'mark', object: obj };
    return mark(obj, now, grace);
  }
  if (r.plural === 'namespaces') {
    if (obj.status?.phase === 'Terminating') return { kind: 'mark', object: obj };
    const out = mark(obj, now, 0);
    out.object.status = { ...(out.object.status ?? {}), phase: 'Terminating' };
    return out;
  }
  if (obj.metadata.finalizers?.length) {
    return obj.metadata.deletionTimestamp ? { kind: 'mark', object: obj } : mark(obj, now, 0);
  }
  return { kind: 'remove' };
}

/** Gives back what an object held (ClusterIPs, NodePorts) once it is really gone. */
export function releaseOnDelete(r: ResourceInfo, obj: KubeObject, ctx: AdmissionContext): void {
  if (r.plural === 'services') ctx.addressing.release(obj as Service);
}

function mark(obj: KubeObject, now: number, graceSeconds: number): { kind: 'mark'; object: KubeObject } {
  const out = deepCopy(obj);
  out.metadata.deletionTimestamp = rfc3339(now + graceSeconds * 1000);
  out.metadata.deletionGracePeriodSeconds = graceSeconds;
  return { kind: 'mark', object: out };
}

function qosClass(pod: Pod): string {
  const containers = pod.spec.containers ?? [];
  const anyRequests = containers.some((c) => c.resources?.requests || c.resources?.limits);
  if (!anyRequests) return 'BestEffort';
  const guaranteed = containers.every((c) => {
    const l = c.resources?.limits ?? {};
    const q = c.resources?.requests ?? l;
    return l.cpu && l.memory && q.cpu === l.cpu && q.memory === l.memory;
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
