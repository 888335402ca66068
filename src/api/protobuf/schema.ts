/**
 * The Kubernetes protobuf messages kemu decodes, as data. Field numbers come from the generated.proto
 * files of k8s.io/api (core/v1, apps/v1) and k8s.io/apimachinery (meta/v1, runtime, intstr,
 * resource); the JSON names, their order and their omitempty/pointer nature come from the Go types,
 * because the decoder must produce what kubectl's JSON encoder would have written for the same
 * object.
 *
 * The set is what kubectl's imperative generators send (create deployment/namespace/configmap/
 * service) and what those messages nest, plus Pod. Go's generated marshallers write every
 * non-pointer scalar even when it is zero, so every scalar field of a listed message is listed;
 * message-typed fields kemu does not model (volumes, probes, securityContext, affinity…) are left
 * out on purpose, and a body that carries one is refused instead of losing it.
 *
 * Spec syntax: `NUMBER jsonName:TYPE[FLAGS]`
 *   TYPE  s | i32 | i64 | b | bytes                   scalars (bytes → base64 in JSON)
 *         map | bmap | qmap                           map<string,string|bytes|Quantity>
 *         time | ios | qty                            metav1.Time, IntOrString, Quantity
 *         Name                                        another message below
 *   FLAGS []  repeated
 *         ?   Go pointer: emitted exactly when present on the wire (even if zero)
 *         !   no omitempty: emitted even when zero/absent (zero value, or null for lists/pointers)
 *   Without flags a scalar/list/map is omitempty, and a message or time is a Go struct value, which
 *   encoding/json always writes (`{}`, or `null` for a zero Time) — hence `"strategy": {}`.
 */

const SPECS: Record<string, string[]> = {
  // k8s.io/apimachinery/pkg/apis/meta/v1
  ObjectMeta: [
    '1 name:s', '2 generateName:s', '3 namespace:s', '4 selfLink:s', '5 uid:s', '6 resourceVersion:s',
    '7 generation:i64', '8 creationTimestamp:time', '9 deletionTimestamp:time?', '10 deletionGracePeriodSeconds:i64?',
    '11 labels:map', '12 annotations:map', '13 ownerReferences:OwnerReference[]', '14 finalizers:s[]',
    // Removed in Kubernetes 1.25; kubectl up to 1.24 still writes it (empty), so it is accepted.
    '15 clusterName:s',
  ],
  OwnerReference: ['5 apiVersion:s!', '1 kind:s!', '3 name:s!', '4 uid:s!', '6 controller:b?', '7 blockOwnerDeletion:b?'],
  LabelSelector: ['1 matchLabels:map', '2 matchExpressions:LabelSelectorRequirement[]'],
  LabelSelectorRequirement: ['1 key:s!', '2 operator:s!', '3 values:s[]'],

  // k8s.io/api/core/v1
  Namespace: ['1 metadata:ObjectMeta', '2 spec:NamespaceSpec', '3 status:NamespaceStatus'],
  NamespaceSpec: ['1 finalizers:s[]'],
  NamespaceStatus: ['1 phase:s'],
  ConfigMap: ['1 metadata:ObjectMeta', '4 immutable:b?', '2 data:map', '3 binaryData:bmap'],
  Service: ['1 metadata:ObjectMeta', '2 spec:ServiceSpec', '3 status:ServiceStatus'],
  ServiceSpec: [
    '1 ports:ServicePort[]', '2 selector:map', '3 clusterIP:s', '18 clusterIPs:s[]', '4 type:s', '5 externalIPs:s[]',
    '7 sessionAffinity:s', '8 loadBalancerIP:s', '9 loadBalancerSourceRanges:s[]', '10 externalName:s',
    '11 externalTrafficPolicy:s', '12 healthCheckNodePort:i32', '13 publishNotReadyAddresses:b',
    '14 sessionAffinityConfig:SessionAffinityConfig?', '19 ipFamilies:s[]', '17 ipFamilyPolicy:s?',
    '20 allocateLoadBalancerNodePorts:b?', '21 loadBalancerClass:s?', '22 internalTrafficPolicy:s?',
    '23 trafficDistribution:s?',
  ],
  ServicePort: ['1 name:s', '2 protocol:s', '6 appProtocol:s?', '3 port:i32!', '4 targetPort:ios', '5 nodePort:i32'],
  SessionAffinityConfig: ['1 clientIP:ClientIPConfig?'],
  ClientIPConfig: ['1 timeoutSeconds:i32?'],
  ServiceStatus: ['1 loadBalancer:LoadBalancerStatus'],
  LoadBalancerStatus: ['1 ingress:LoadBalancerIngress[]'],
  LoadBalancerIngress: ['1 ip:s', '2 hostname:s', '3 ipMode:s?', '4 ports:PortStatus[]'],
  PortStatus: ['1 port:i32!', '2 protocol:s!', '3 error:s?'],
  Pod: ['1 metadata:ObjectMeta', '2 spec:PodSpec', '3 status:PodStatus'],
  PodTemplateSpec: ['1 metadata:ObjectMeta', '2 spec:PodSpec'],
  PodSpec: [
    '20 initContainers:Container[]', '2 containers:Container[]!', '3 restartPolicy:s',
    '4 terminationGracePeriodSeconds:i64?', '5 activeDeadlineSeconds:i64?', '6 dnsPolicy:s', '7 nodeSelector:map',
    '8 serviceAccountName:s', '9 serviceAccount:s', '21 automountServiceAccountToken:b?', '10 nodeName:s',
    '11 hostNetwork:b', '12 hostPID:b', '13 hostIPC:b', '27 shareProcessNamespace:b?',
    '15 imagePullSecrets:LocalObjectReference[]', '16 hostname:s', '17 subdomain:s', '19 schedulerName:s',
    '22 tolerations:Toleration[]', '24 priorityClassName:s', '25 priority:i32?', '28 readinessGates:PodReadinessGate[]',
    '29 runtimeClassName:s?', '30 enableServiceLinks:b?', '31 preemptionPolicy:s?', '32 overhead:qmap',
    '35 setHostnameAsFQDN:b?', '36 os:PodOS?', '37 hostUsers:b?', '38 schedulingGates:PodSchedulingGate[]',
    '40 resources:ResourceRequirements?', '41 hostnameOverride:s?',
  ],
  Container: [
    '1 name:s!', '2 image:s', '3 command:s[]', '4 args:s[]', '5 workingDir:s', '6 ports:ContainerPort[]',
    '7 env:EnvVar[]', '8 resources:ResourceRequirements', '23 resizePolicy:ContainerResizePolicy[]',
    '24 restartPolicy:s?', '13 terminationMessagePath:s', '20 terminationMessagePolicy:s', '14 imagePullPolicy:s',
    '16 stdin:b', '17 stdinOnce:b', '18 tty:b',
  ],
  ContainerPort: ['1 name:s', '2 hostPort:i32', '3 containerPort:i32!', '4 protocol:s', '5 hostIP:s'],
  EnvVar: ['1 name:s!', '2 value:s'],
  ResourceRequirements: ['1 limits:qmap', '2 requests:qmap', '3 claims:ResourceClaim[]'],
  ResourceClaim: ['1 name:s!', '2 request:s'],
  ContainerResizePolicy: ['1 resourceName:s!', '2 restartPolicy:s!'],
  LocalObjectReference: ['1 name:s'],
  Toleration: ['1 key:s', '2 operator:s', '3 value:s', '4 effect:s', '5 tolerationSeconds:i64?'],
  PodReadinessGate: ['1 conditionType:s!'],
  PodSchedulingGate: ['1 name:s!'],
  PodOS: ['1 name:s!'],
  PodStatus: [
    '17 observedGeneration:i64', '1 phase:s', '3 message:s', '4 reason:s', '11 nominatedNodeName:s', '5 hostIP:s',
    '16 hostIPs:HostIP[]', '6 podIP:s', '12 podIPs:PodIP[]', '7 startTime:time?', '9 qosClass:s', '14 resize:s',
  ],
  HostIP: ['1 ip:s!'],
  PodIP: ['1 ip:s!'],

  // k8s.io/api/apps/v1
  Deployment: ['1 metadata:ObjectMeta', '2 spec:DeploymentSpec', '3 status:DeploymentStatus'],
  DeploymentSpec: [
    '1 replicas:i32?', '2 selector:LabelSelector?!', '3 template:PodTemplateSpec', '4 strategy:DeploymentStrategy',
    '5 minReadySeconds:i32', '6 revisionHistoryLimit:i32?', '7 paused:b', '9 progressDeadlineSeconds:i32?',
    '10 podReplacementPolicy:s?',
  ],
  DeploymentStrategy: ['1 type:s', '2 rollingUpdate:RollingUpdateDeployment?'],
  RollingUpdateDeployment: ['1 maxUnavailable:ios?', '2 maxSurge:ios?'],
  DeploymentStatus: [
    '1 observedGeneration:i64', '2 replicas:i32', '3 updatedReplicas:i32', '7 readyReplicas:i32',
    '4 availableReplicas:i32', '5 unavailableReplicas:i32', '9 terminatingReplicas:i32?', '8 collisionCount:i32?',
  ],
};

/** The top-level kinds: `apiVersion/kind` of the runtime.Unknown envelope → message. */
export const KINDS: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Service': 'Service',
  'v1/Pod': 'Pod',
  'apps/v1/Deployment': 'Deployment',
};

export type ScalarType = 's' | 'i32' | 'i64' | 'b' | 'bytes';
export type SpecialType = 'map' | 'bmap' | 'qmap' | 'time' | 'ios' | 'qty';

export interface FieldSchema {
  num: number;
  json: string;
  /** A scalar or special type, or the name of a message in this table. */
  type: ScalarType | SpecialType | string;
  repeated: boolean;
  pointer: boolean;
  always: boolean;
}

export interface MessageSchema {
  name: string;
  /** In Go declaration order, which is the order encoding/json writes them in. */
  fields: FieldSchema[];
  byNumber: Map<number, FieldSchema>;
}

const BUILTIN = new Set(['s', 'i32', 'i64', 'b', 'bytes', 'map', 'bmap', 'qmap', 'time', 'ios', 'qty']);

function parse(name: string, specs: string[]): MessageSchema {
  const fields = specs.map((spec): FieldSchema => {
    const m = /^(\d+) (\w+):(\w+)(\[\])?(\?)?(!)?$/.exec(spec);
    if (!m) throw new Error(`bad protobuf schema entry ${name}: ${spec}`);
    const type = m[3]!;
    if (!BUILTIN.has(type) && !(type in SPECS)) throw new Error(`protobuf schema ${name}.${m[2]} names unknown message ${type}`);
    return { num: Number(m[1]), json: m[2]!, type, repeated: !!m[4], pointer: !!m[5], always: !!m[6] };
  });
  const byNumber = new Map(fields.map((f) => [f.num, f]));
  if (byNumber.size !== fields.length) throw new Error(`protobuf schema ${name} repeats a field number`);
  return { name, fields, byNumber };
}

/** Parsed once at load; a typo in the table fails the first import (and every test) loudly. */
export const MESSAGES: ReadonlyMap<string, MessageSchema> = new Map(
  Object.entries(SPECS).map(([name, specs]) => [name, parse(name, specs)]),
);

export function isMessageType(type: string): boolean {
  return !BUILTIN.has(type);
}
