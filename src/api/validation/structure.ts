/**
 * The structural schema of the kinds kemu serves, as data: which fields exist and their JSON
 * types. It backs strict field validation (kube-apiserver's `unknown field "spec.foo"`) and the
 * type errors that Kubernetes raises while decoding (a label value written as 1.0, a port as "80").
 *
 * Strict where the field list below is complete (top-level keys of every kind, ObjectMeta, the
 * Service spec and ports, Container and PodSpec top-level keys, workload specs); `any` marks fields
 * kemu does not model, below which everything is accepted. Lists follow Kubernetes v1.34, so no
 * field a real cluster accepts is refused.
 */
import type { FieldError } from './field-error.js';
import { child, index, invalid } from './field-error.js';
import { isObj } from './util.js';

export type Shape =
  | 'string'
  | 'integer'
  | 'boolean'
  | 'number'
  | 'intOrString'
  | 'any'
  | { fields: Record<string, Shape> }
  | { list: Shape }
  | { map: Shape };

const S = 'string';
const I = 'integer';
const B = 'boolean';
const ANY = 'any';
const fields = (f: Record<string, Shape>): Shape => ({ fields: f });
const list = (s: Shape): Shape => ({ list: s });
const map = (s: Shape): Shape => ({ map: s });

const objectMeta = fields({
  name: S, generateName: S, namespace: S, selfLink: S, uid: S, resourceVersion: S, generation: I,
  creationTimestamp: S, deletionTimestamp: S, deletionGracePeriodSeconds: I, labels: map(S),
  annotations: map(S), ownerReferences: list(ANY), finalizers: list(S), managedFields: list(ANY),
});

const containerFields: Record<string, Shape> = {
  name: S, image: S, command: list(S), args: list(S), workingDir: S,
  ports: list(fields({ name: S, hostPort: I, containerPort: I, protocol: S, hostIP: S })),
  envFrom: list(ANY), env: list(fields({ name: S, value: S, valueFrom: ANY })), resources: ANY, resizePolicy: ANY,
  restartPolicy: S, restartPolicyRules: ANY, volumeMounts: ANY, volumeDevices: ANY, livenessProbe: ANY,
  readinessProbe: ANY, startupProbe: ANY, lifecycle: ANY, terminationMessagePath: S, terminationMessagePolicy: S,
  imagePullPolicy: S, securityContext: ANY, stdin: B, stdinOnce: B, tty: B,
};

const podSpec = fields({
  volumes: ANY, initContainers: list(fields(containerFields)), containers: list(fields(containerFields)),
  ephemeralContainers: list(fields({ ...containerFields, targetContainerName: S })), restartPolicy: S,
  terminationGracePeriodSeconds: I, activeDeadlineSeconds: I, dnsPolicy: S, nodeSelector: map(S),
  serviceAccountName: S, serviceAccount: S, automountServiceAccountToken: B, nodeName: S, hostNetwork: B,
  hostPID: B, hostIPC: B, shareProcessNamespace: B, securityContext: ANY, imagePullSecrets: ANY, hostname: S,
  subdomain: S, affinity: ANY, schedulerName: S,
  tolerations: list(fields({ key: S, operator: S, value: S, effect: S, tolerationSeconds: I })),
  hostAliases: ANY, priorityClassName: S, priority: I,
  dnsConfig: fields({ nameservers: list(S), searches: list(S), options: list(fields({ name: S, value: S })) }),
  readinessGates: ANY, runtimeClassName: S, enableServiceLinks: B, preemptionPolicy: S, overhead: ANY,
  topologySpreadConstraints: ANY, setHostnameAsFQDN: B, os: ANY, hostUsers: B, schedulingGates: ANY,
  resourceClaims: ANY, resources: ANY, hostnameOverride: S,
});

const podTemplate = fields({ metadata: objectMeta, spec: podSpec });
const labelSelector = fields({
  matchLabels: map(S),
  matchExpressions: list(fields({ key: S, operator: S, values: list(S) })),
});

const serviceSpec = fields({
  ports: list(fields({ name: S, protocol: S, appProtocol: S, port: I, targetPort: 'intOrString', nodePort: I })),
  selector: map(S), clusterIP: S, clusterIPs: list(S), type: S, externalIPs: list(S), sessionAffinity: S,
  loadBalancerIP: S, loadBalancerSourceRanges: list(S), externalName: S, externalTrafficPolicy: S,
  healthCheckNodePort: I, publishNotReadyAddresses: B,
  sessionAffinityConfig: fields({ clientIP: fields({ timeoutSeconds: I }) }), ipFamilies: list(S),
  ipFamilyPolicy: S, allocateLoadBalancerNodePorts: B, loadBalancerClass: S, internalTrafficPolicy: S,
  trafficDistribution: S,
});

const endpointAddress = fields({ ip: S, hostname: S, nodeName: S, targetRef: ANY });
const endpointPort = fields({ name: S, port: I, protocol: S, appProtocol: S });

const top = (f: Record<string, Shape>): Shape => fields({ apiVersion: S, kind: S, metadata: objectMeta, ...f });

/** Shapes by kind (kinds are unique across kemu's resources). */
export const KIND_SHAPES: Record<string, Shape> = {
  Namespace: top({ spec: fields({ finalizers: list(S) }), status: ANY }),
  Node: top({
    spec: fields({
      podCIDR: S, podCIDRs: list(S), providerID: S, unschedulable: B,
      taints: list(fields({ key: S, value: S, effect: S, timeAdded: S })), configSource: ANY, externalID: S,
    }),
    status: ANY,
  }),
  Pod: top({ spec: podSpec, status: ANY }),
  Service: top({ spec: serviceSpec, status: ANY }),
  Endpoints: top({ subsets: list(fields({ addresses: list(endpointAddress), notReadyAddresses: list(endpointAddress), ports: list(endpointPort) })) }),
  Event: top({
    involvedObject: ANY, reason: S, message: S, source: ANY, firstTimestamp: S, lastTimestamp: S, count: I, type: S,
    eventTime: S, series: ANY, action: S, related: ANY, reportingComponent: S, reportingInstance: S,
  }),
  ConfigMap: top({ data: map(S), binaryData: map(S), immutable: B }),
  Deployment: top({
    spec: fields({
      replicas: I, selector: labelSelector, template: podTemplate,
      strategy: fields({ type: S, rollingUpdate: fields({ maxUnavailable: 'intOrString', maxSurge: 'intOrString' }) }),
      minReadySeconds: I, revisionHistoryLimit: I, paused: B, progressDeadlineSeconds: I,
    }),
    status: ANY,
  }),
  ReplicaSet: top({ spec: fields({ replicas: I, minReadySeconds: I, selector: labelSelector, template: podTemplate }), status: ANY }),
  StatefulSet: top({
    spec: fields({
      replicas: I, selector: labelSelector, template: podTemplate, volumeClaimTemplates: ANY, serviceName: S,
      podManagementPolicy: S, updateStrategy: ANY, revisionHistoryLimit: I, minReadySeconds: I,
      persistentVolumeClaimRetentionPolicy: ANY, ordinals: ANY,
    }),
    status: ANY,
  }),
  DaemonSet: top({
    spec: fields({ selector: labelSelector, template: podTemplate, updateStrategy: ANY, minReadySeconds: I, revisionHistoryLimit: I }),
    status: ANY,
  }),
  EndpointSlice: top({
    addressType: S,
    endpoints: list(
      fields({
        addresses: list(S), conditions: fields({ ready: B, serving: B, terminating: B }), hostname: S, targetRef: ANY,
        nodeName: S, zone: S, hints: ANY, deprecatedTopology: map(S),
      }),
    ),
    ports: list(endpointPort),
  }),
  Lease: top({
    spec: fields({
      holderIdentity: S, leaseDurationSeconds: I, acquireTime: S, renewTime: S, leaseTransitions: I, strategy: S,
      preferredHolder: S,
    }),
  }),
};

// ---- the walker ------------------------------------------------------------------------------------

interface Found {
  unknown: FieldError[];
  types: FieldError[];
}

function typeName(v: unknown): string {
  return Array.isArray(v) ? 'array' : isObj(v) ? 'object' : typeof v;
}

function typeError(path: string, v: unknown, expected: string): FieldError {
  // Compound values are shown by their type, as Kubernetes' OpenAPI validation words it.
  const compound = typeof v === 'object';
  return invalid(path, v, `must be of type ${expected}`, compound ? `"${typeName(v)}"` : undefined);
}

/**
 * Where the walk is: field names, list indexes and map keys from the top. Paths are only spelled
 * out when a value is wrong, so a valid object (nearly every write) costs no strings.
 */
const FIELD = 0;
const INDEX = 1;
const MAP_KEY = 2;
const segments: (string | number)[] = [];
const segmentKinds: number[] = [];

function currentPath(): string {
  let path = '';
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const k = segmentKinds[i];
    path = k === FIELD ? child(path, s as string) : k === INDEX ? index(path, s as number) : `${path}[${s}]`;
  }
  return path;
}

function walk(v: unknown, shape: Shape, out: Found): void {
  // JSON null decodes to the zero value of any Go type, so it is accepted everywhere.
  if (v === null || v === undefined || shape === 'any') return;
  if (typeof shape === 'string') {
    const ok =
      shape === 'string' ? typeof v === 'string'
      : shape === 'integer' ? Number.isInteger(v)
      : shape === 'number' ? typeof v === 'number'
      : shape === 'boolean' ? typeof v === 'boolean'
      : typeof v === 'string' || Number.isInteger(v);
    if (!ok) out.types.push(typeError(currentPath(), v, shape === 'intOrString' ? 'integer or string' : shape));
    return;
  }
  if ('list' in shape) {
    if (!Array.isArray(v)) {
      out.types.push(typeError(currentPath(), v, 'array'));
      return;
    }
    for (let i = 0; i < v.length; i++) {
      segments.push(i);
      segmentKinds.push(INDEX);
      walk(v[i], shape.list, out);
      segments.pop();
      segmentKinds.pop();
    }
    return;
  }
  if (!isObj(v)) {
    out.types.push(typeError(currentPath(), v, 'object'));
    return;
  }
  const isMap = 'map' in shape;
  for (const k in v) {
    // Own properties only: a key such as "constructor" is not a field.
    if (!Object.hasOwn(v, k)) continue;
    const sub = isMap ? shape.map : Object.hasOwn(shape.fields, k) ? shape.fields[k] : undefined;
    segments.push(k);
    segmentKinds.push(isMap ? MAP_KEY : FIELD);
    if (sub === undefined) {
      const p = currentPath();
      out.unknown.push({ field: p, type: 'FieldValueInvalid', message: `unknown field "${p}"` });
    } else walk(v[k], sub, out);
    segments.pop();
    segmentKinds.pop();
  }
}

function check(obj: Record<string, unknown>): Found {
  const out: Found = { unknown: [], types: [] };
  const shape = Object.hasOwn(KIND_SHAPES, String(obj.kind)) ? KIND_SHAPES[String(obj.kind)] : undefined;
  segments.length = 0;
  segmentKinds.length = 0;
  if (shape) walk(obj, shape, out);
  return out;
}

/** Fields the kind does not have, in document order: `unknown field "spec.ports[0].foo"`. */
export function findUnknownFields(obj: Record<string, unknown>): FieldError[] {
  return check(obj).unknown;
}

/** Values of the wrong JSON type, which Kubernetes would fail to decode. */
export function findTypeErrors(obj: Record<string, unknown>): FieldError[] {
  return check(obj).types;
}
