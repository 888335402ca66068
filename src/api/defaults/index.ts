/**
 * Kubernetes defaulting: what kube-apiserver's SetDefaults_* functions (and the few REST-storage steps
 * clients cannot tell apart from them) fill in on create and update, so objects read back from kemu
 * look like objects read back from a real cluster. Pure: the input (possibly deeply frozen) is never
 * touched; a defaulted deep copy is returned. Applying defaults twice changes nothing.
 */
import type { KubeObject } from '../types.js';
import { defaultDaemonSetSpec, defaultDeploymentSpec, defaultReplicaSetSpec, defaultStatefulSetSpec } from './apps.js';
import { defaultEndpointSlice, defaultEndpoints, defaultNamespace, defaultNode } from './core.js';
import { isObject, type Obj } from './json.js';
import { deepCopy } from '../store/freeze.js';
import { defaultPodSpec } from './podspec.js';
import { defaultServiceSpec } from './service.js';

export { addDefaultTolerations, addDefaultTolerationsInPlace, DEFAULT_TOLERATION_SECONDS, TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from './tolerations.js';
export { defaultImagePullPolicy, imageTag } from './image.js';

type Defaulter = (obj: Obj) => void;

/** Runs `fn` on obj.spec, creating an empty spec first: Go's non-pointer spec structs always exist. */
const onSpec = (fn: (spec: Obj) => void): Defaulter => (obj) => {
  if (!isObject(obj.spec)) obj.spec = {};
  fn(obj.spec);
};

// Keyed by "group/Kind"; kinds not listed (ConfigMap, Event, Lease) have no defaults.
const DEFAULTERS: Record<string, Defaulter> = {
  '/Pod': onSpec((spec) => defaultPodSpec(spec, true)),
  // The status is read too: load-balancer ingress points get their ipMode.
  '/Service': (obj) => onSpec((spec) => defaultServiceSpec(spec, obj.status))(obj),
  '/Namespace': defaultNamespace,
  '/Node': defaultNode,
  '/Endpoints': defaultEndpoints,
  'discovery.k8s.io/EndpointSlice': defaultEndpointSlice,
  'apps/Deployment': onSpec(defaultDeploymentSpec),
  'apps/ReplicaSet': onSpec(defaultReplicaSetSpec),
  'apps/StatefulSet': onSpec(defaultStatefulSetSpec),
  'apps/DaemonSet': onSpec(defaultDaemonSetSpec),
};

function groupOf(apiVersion: string | undefined): string {
  const slash = (apiVersion ?? '').indexOf('/');
  return slash < 0 ? '' : apiVersion!.slice(0, slash);
}

/** Returns a defaulted deep copy of `obj`; kinds without defaults come back as a plain copy. */
export function applyDefaults<T extends KubeObject>(obj: T): T {
  return applyDefaultsInPlace(deepCopy(obj));
}

/**
 * Defaults `obj` itself and returns it: for a caller that owns a private, mutable copy (the API
 * service copies each request body once), so no second copy is made.
 */
export function applyDefaultsInPlace<T extends KubeObject>(obj: T): T {
  DEFAULTERS[`${groupOf(obj.apiVersion)}/${obj.kind}`]?.(obj as Obj);
  return obj;
}
