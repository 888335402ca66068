/**
 * Defaulting of a PodSpec and everything inside it (containers, probes, volumes), as the generated
 * defaulters of k8s.io/kubernetes pkg/apis/core/v1 apply them. The same code serves a Pod and the pod
 * template of a workload; the few Pod-only defaults (SetDefaults_Pod) are behind `isPod`, because
 * Kubernetes deliberately keeps them out of templates (adding one there changes every template hash).
 *
 * Every function here mutates its argument: callers hand in a private deep copy.
 */
import { defaultImagePullPolicy } from './image.js';
import { isObject, objects, setDefault, setIfZero, type Obj } from './json.js';

export function defaultPodSpec(spec: Obj, isPod: boolean): void {
  setIfZero(spec, 'dnsPolicy', 'ClusterFirst');
  setIfZero(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setIfZero(spec, 'schedulerName', 'default-scheduler');

  for (const c of objects(spec.containers)) defaultContainer(c);
  for (const c of objects(spec.initContainers)) defaultContainer(c);
  for (const c of objects(spec.ephemeralContainers)) defaultContainer(c);
  for (const v of objects(spec.volumes)) defaultVolume(v);

  if (!isPod) return;
  setDefault(spec, 'enableServiceLinks', true);
  for (const c of [...objects(spec.containers), ...objects(spec.initContainers)]) {
    defaultRequestsToLimits(c);
    // A host-network pod's ports are host ports.
    if (spec.hostNetwork === true) {
      for (const p of objects(c.ports)) setIfZero(p, 'hostPort', p.containerPort);
    }
  }
}

function defaultContainer(c: Obj): void {
  setIfZero(c, 'imagePullPolicy', defaultImagePullPolicy(c.image));
  setIfZero(c, 'terminationMessagePath', '/dev/termination-log');
  setIfZero(c, 'terminationMessagePolicy', 'File');
  // Go serializes the non-pointer ResourceRequirements struct even when empty; clients see `resources: {}`.
  setDefault(c, 'resources', {});
  for (const p of objects(c.ports)) setIfZero(p, 'protocol', 'TCP');
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (isObject(probe)) defaultProbe(probe);
  }
  if (isObject(c.lifecycle)) {
    for (const handler of [c.lifecycle.postStart, c.lifecycle.preStop]) {
      if (isObject(handler)) defaultHandler(handler);
    }
  }
  for (const e of objects(c.env)) {
    if (isObject(e.valueFrom) && isObject(e.valueFrom.fieldRef)) setIfZero(e.valueFrom.fieldRef, 'apiVersion', 'v1');
  }
}

function defaultProbe(probe: Obj): void {
  setIfZero(probe, 'timeoutSeconds', 1);
  setIfZero(probe, 'periodSeconds', 10);
  setIfZero(probe, 'successThreshold', 1);
  setIfZero(probe, 'failureThreshold', 3);
  defaultHandler(probe);
}

/** The action part shared by probes and lifecycle hooks. */
function defaultHandler(handler: Obj): void {
  if (isObject(handler.httpGet)) {
    setIfZero(handler.httpGet, 'path', '/');
    setIfZero(handler.httpGet, 'scheme', 'HTTP');
  }
  // GRPCAction.service is `+default=""` and serialized without omitempty.
  if (isObject(handler.grpc)) setDefault(handler.grpc, 'service', '');
}

/** SetDefaults_Pod: a resource with a limit but no request gets the limit as its request. */
function defaultRequestsToLimits(c: Obj): void {
  const resources = c.resources;
  if (!isObject(resources) || !isObject(resources.limits)) return;
  if (!isObject(resources.requests)) resources.requests = {};
  for (const [name, quantity] of Object.entries(resources.limits)) {
    if (!(name in resources.requests)) resources.requests[name] = quantity;
  }
}

const FILE_MODE_0644 = 420;

function defaultVolume(v: Obj): void {
  // A volume that names no source at all is an emptyDir.
  if (Object.keys(v).every((k) => k === 'name')) v.emptyDir = {};
  if (isObject(v.secret)) setDefault(v.secret, 'defaultMode', FILE_MODE_0644);
  if (isObject(v.configMap)) setDefault(v.configMap, 'defaultMode', FILE_MODE_0644);
  if (isObject(v.hostPath)) setDefault(v.hostPath, 'type', '');
  if (isObject(v.downwardAPI)) {
    setDefault(v.downwardAPI, 'defaultMode', FILE_MODE_0644);
    defaultDownwardAPIItems(v.downwardAPI.items);
  }
  if (isObject(v.projected)) {
    setDefault(v.projected, 'defaultMode', FILE_MODE_0644);
    for (const source of objects(v.projected.sources)) {
      if (isObject(source.serviceAccountToken)) setDefault(source.serviceAccountToken, 'expirationSeconds', 3600);
      if (isObject(source.downwardAPI)) defaultDownwardAPIItems(source.downwardAPI.items);
    }
  }
  if (isObject(v.ephemeral) && isObject(v.ephemeral.volumeClaimTemplate) && isObject(v.ephemeral.volumeClaimTemplate.spec)) {
    defaultPersistentVolumeClaimSpec(v.ephemeral.volumeClaimTemplate.spec);
  }
}

function defaultDownwardAPIItems(items: unknown): void {
  for (const item of objects(items)) {
    if (isObject(item.fieldRef)) setIfZero(item.fieldRef, 'apiVersion', 'v1');
  }
}

export function defaultPersistentVolumeClaimSpec(spec: Obj): void {
  setDefault(spec, 'volumeMode', 'Filesystem');
}
