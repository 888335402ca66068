/**
 * validateObject, table-driven: each row is an object (a valid one from helpers.ts with one change)
 * and the exact messages Kubernetes prints for it (formatFieldError).
 */
import { expect } from 'chai';
import { formatFieldError, validateObject } from '../../../src/api/validation/index.js';
import type { ValidateOptions } from '../../../src/api/validation/index.js';
import type { KubeObject } from '../../../src/api/types.js';
import { set, VALID } from './helpers.js';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QNAME =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const NIL_SELECTOR = 'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}';
const MISMATCH = 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`';

const { Pod, Service, Deployment, ReplicaSet, StatefulSet, DaemonSet, EndpointSlice, Endpoints, Namespace, ConfigMap, Node, Lease, Event } = VALID as Record<string, KubeObject>;
const svc = (path: string, v: unknown) => set(Service!, path, v);
const pod = (path: string, v: unknown) => set(Pod!, path, v);
const ctr = (path: string, v: unknown) => set(Pod!, `spec.containers[0].${path}`, v);
const two = (a: unknown, b: unknown) => svc('spec.ports', [a, b]);

interface Row {
  name: string;
  obj: KubeObject;
  opts?: ValidateOptions;
  want: string[];
}

const rows: Row[] = [
  // ---- valid objects --------------------------------------------------------------------------
  ...Object.entries(VALID).map(([kind, obj]) => ({ name: `valid ${kind}`, obj, want: [] })),
  { name: 'headless Service needs no ports', obj: set(svc('spec.ports', undefined), 'spec.clusterIP', 'None'), want: [] },
  { name: 'ExternalName Service needs no ports', obj: set(svc('spec.ports', undefined), 'spec', { type: 'ExternalName', externalName: 'example.com.' }), want: [] },
  { name: 'NodePort inside the range', obj: set(svc('spec.type', 'NodePort'), 'spec.ports[0].nodePort', 30080), want: [] },
  { name: 'clusterIP inside serviceSubnet', obj: svc('spec.clusterIP', '10.96.0.20'), opts: { serviceSubnet: '10.96.0.0/12' }, want: [] },
  { name: 'NodePort with externalTrafficPolicy Local', obj: set(svc('spec.type', 'NodePort'), 'spec.externalTrafficPolicy', 'Local'), want: [] },
  { name: 'same port number for TCP and UDP', obj: two({ name: 'dns', port: 53 }, { name: 'dns-udp', port: 53, protocol: 'UDP' }), want: [] },
  { name: 'pod with generateName only', obj: set(pod('metadata.name', undefined), 'metadata.generateName', 'web-'), want: [] },
  { name: 'hostNetwork with matching hostPort', obj: set(ctr('ports[0].hostPort', 8080), 'spec.hostNetwork', true), want: [] },
  { name: 'Recreate strategy', obj: set(Deployment!, 'spec.strategy', { type: 'Recreate' }), want: [] },
  { name: 'empty DaemonSet selector selects everything', obj: set(DaemonSet!, 'spec.selector', {}), want: [`spec.selector: Invalid value: ${NIL_SELECTOR}: empty selector is invalid for daemonset`] },

  // ---- metadata -------------------------------------------------------------------------------
  { name: 'name missing', obj: pod('metadata.name', undefined), want: ['metadata.name: Required value: name or generateName is required'] },
  { name: 'pod name not a subdomain', obj: pod('metadata.name', 'Web_0'), want: [`metadata.name: Invalid value: "Web_0": ${SUBDOMAIN}`] },
  { name: 'service name starting with a digit', obj: svc('metadata.name', '1web'), want: [`metadata.name: Invalid value: "1web": ${DNS1035}`] },
  { name: 'service name with a dot', obj: svc('metadata.name', 'web.v2'), want: [`metadata.name: Invalid value: "web.v2": ${DNS1035}`] },
  { name: 'namespace name with a dot', obj: set(Namespace!, 'metadata.name', 'team.a'), want: ['metadata.name: Invalid value: "team.a": must not contain dots'] },
  { name: 'namespace name too long', obj: set(Namespace!, 'metadata.name', 'a'.repeat(64)), want: [`metadata.name: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`] },
  { name: 'namespace missing on a namespaced kind', obj: pod('metadata.namespace', undefined), want: ['metadata.namespace: Required value'] },
  { name: 'namespace on a cluster-scoped kind', obj: set(Node!, 'metadata.namespace', 'default'), want: ['metadata.namespace: Forbidden: not allowed on this type'] },
  { name: 'label key with a space', obj: pod('metadata.labels', { 'bad key': 'x' }), want: [`metadata.labels: Invalid value: "bad key": ${QNAME}`] },
  { name: 'label key with a bad prefix', obj: pod('metadata.labels', { 'Example.com/app': 'x' }), want: [`metadata.labels: Invalid value: "Example.com/app": prefix part ${SUBDOMAIN}`] },
  { name: 'label value starting with a dash', obj: pod('metadata.labels', { app: '-web' }), want: [`metadata.labels: Invalid value: "-web": ${LABEL_VALUE}`] },

  // ---- Pod ------------------------------------------------------------------------------------
  { name: 'containers missing', obj: pod('spec.containers', []), want: ['spec.containers: Required value'] },
  { name: 'container name duplicated', obj: pod('spec.containers[1]', { name: 'app', image: 'x' }), want: ['spec.containers[1].name: Duplicate value: "app"'] },
  { name: 'container name not a label', obj: ctr('name', 'App'), want: [`spec.containers[0].name: Invalid value: "App": ${LABEL}`] },
  { name: 'container image missing', obj: ctr('image', undefined), want: ['spec.containers[0].image: Required value'] },
  { name: 'containerPort out of range', obj: ctr('ports[0].containerPort', 70000), want: [`spec.containers[0].ports[0].containerPort: Invalid value: 70000: ${PORT_RANGE}`] },
  { name: 'containerPort missing', obj: ctr('ports[0].containerPort', undefined), want: ['spec.containers[0].ports[0].containerPort: Required value'] },
  { name: 'container port protocol', obj: ctr('ports[0].protocol', 'HTTP'), want: ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'] },
  { name: 'port name too long', obj: ctr('ports[0].name', 'http-metrics-port'), want: ['spec.containers[0].ports[0].name: Invalid value: "http-metrics-port": must be no more than 15 characters'] },
  { name: 'port name without letters', obj: ctr('ports[0].name', '8080'), want: ['spec.containers[0].ports[0].name: Invalid value: "8080": must contain at least one letter (a-z)'] },
  { name: 'port name with double hyphen', obj: ctr('ports[0].name', 'web--x'), want: ['spec.containers[0].ports[0].name: Invalid value: "web--x": must not contain consecutive hyphens'] },
  { name: 'port names duplicated', obj: ctr('ports[1]', { name: 'http', containerPort: 9090 }), want: ['spec.containers[0].ports[1].name: Duplicate value: "http"'] },
  { name: 'restartPolicy', obj: pod('spec.restartPolicy', 'Sometimes'), want: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'] },
  { name: 'hostNetwork hostPort differs', obj: set(ctr('ports[0].hostPort', 9090), 'spec.hostNetwork', true), want: ['spec.containers[0].ports[0].hostPort: Invalid value: 9090: must match `containerPort` when `hostNetwork` is true'] },
  { name: 'dnsPolicy None without dnsConfig', obj: pod('spec.dnsPolicy', 'None'), want: ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None'] },
  { name: 'dnsConfig nameserver', obj: pod('spec.dnsConfig', { nameservers: ['dns.local'] }), want: ['spec.dnsConfig.nameservers[0]: Invalid value: "dns.local": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'] },
  { name: 'toleration operator', obj: pod('spec.tolerations', [{ key: 'k', operator: 'Equals', value: 'v' }]), want: ['spec.tolerations[0].operator: Unsupported value: "Equals": supported values: "Equal", "Exists"'] },
  { name: 'nodeName not a subdomain', obj: pod('spec.nodeName', 'Worker_1'), want: [`spec.nodeName: Invalid value: "Worker_1": ${SUBDOMAIN}`] },

  // ---- Service --------------------------------------------------------------------------------
  { name: 'ports missing', obj: svc('spec.ports', []), want: ['spec.ports: Required value'] },
  { name: 'port out of range', obj: svc('spec.ports[0].port', 70000), want: [`spec.ports[0].port: Invalid value: 70000: ${PORT_RANGE}`] },
  { name: 'port missing', obj: svc('spec.ports[0].port', undefined), want: [`spec.ports[0].port: Invalid value: 0: ${PORT_RANGE}`] },
  { name: 'nodePort outside the range', obj: set(svc('spec.type', 'NodePort'), 'spec.ports[0].nodePort', 80), want: ['spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767'] },
  { name: 'nodePort with type ClusterIP', obj: svc('spec.ports[0].nodePort', 30080), want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"] },
  { name: 'second port without a name', obj: two({ name: 'http', port: 80 }, { port: 81 }), want: ['spec.ports[1].name: Required value'] },
  { name: 'port names duplicated', obj: two({ name: 'http', port: 80 }, { name: 'http', port: 81 }), want: ['spec.ports[1].name: Duplicate value: "http"'] },
  {
    name: 'port and protocol duplicated',
    obj: two({ name: 'a', port: 80 }, { name: 'b', port: 80 }),
    want: ['spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'],
  },
  { name: 'targetPort number out of range', obj: svc('spec.ports[0].targetPort', 70000), want: [`spec.ports[0].targetPort: Invalid value: 70000: ${PORT_RANGE}`] },
  { name: 'targetPort name with underscore', obj: svc('spec.ports[0].targetPort', 'web_port'), want: ['spec.ports[0].targetPort: Invalid value: "web_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'] },
  { name: 'type', obj: svc('spec.type', 'Foo'), want: ['spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'] },
  { name: 'clusterIP not an IP', obj: svc('spec.clusterIP', '10.96.0.300'), want: ['spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'] },
  {
    name: 'clusterIP outside serviceSubnet',
    obj: svc('spec.clusterIP', '10.0.0.5'),
    opts: { serviceSubnet: '10.96.0.0/12' },
    want: ['spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12'],
  },
  { name: 'ExternalName without externalName', obj: svc('spec.type', 'ExternalName'), want: ['spec.externalName: Required value'] },
  { name: 'sessionAffinity', obj: svc('spec.sessionAffinity', 'Sticky'), want: ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'] },
  { name: 'externalTrafficPolicy on ClusterIP', obj: svc('spec.externalTrafficPolicy', 'Local'), want: ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'] },
  { name: 'headless NodePort', obj: set(svc('spec.type', 'NodePort'), 'spec.clusterIP', 'None'), want: ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"] },
  { name: 'selector label value', obj: svc('spec.selector', { app: 'web app' }), want: [`spec.selector: Invalid value: "web app": ${LABEL_VALUE}`] },

  // ---- workloads ------------------------------------------------------------------------------
  { name: 'Deployment selector missing', obj: set(Deployment!, 'spec.selector', undefined), want: ['spec.selector: Required value', MISMATCH] },
  { name: 'Deployment selector does not match', obj: set(Deployment!, 'spec.selector.matchLabels', { app: 'api' }), want: [MISMATCH] },
  { name: 'Deployment empty selector', obj: set(Deployment!, 'spec.selector', {}), want: [`spec.selector: Invalid value: ${NIL_SELECTOR}: empty selector is invalid for deployment`] },
  { name: 'Deployment negative replicas', obj: set(Deployment!, 'spec.replicas', -1), want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'Deployment template restartPolicy', obj: set(Deployment!, 'spec.template.spec.restartPolicy', 'Never'), want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'] },
  { name: 'Deployment template containers', obj: set(Deployment!, 'spec.template.spec.containers', []), want: ['spec.template.spec.containers: Required value'] },
  {
    name: 'Deployment selector operator',
    obj: set(Deployment!, 'spec.selector', { matchExpressions: [{ key: 'app', operator: 'Has' }] }),
    want: [
      'spec.selector.matchExpressions[0].operator: Invalid value: "Has": not a valid selector operator',
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Has", Values:[]string(nil)}}}: invalid label selector',
    ],
  },
  { name: 'Deployment maxSurge and maxUnavailable both 0', obj: set(Deployment!, 'spec.strategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }), want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'] },
  { name: 'ReplicaSet empty selector (Deployment wording)', obj: set(ReplicaSet!, 'spec.selector', { matchLabels: {} }), want: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'] },
  { name: 'StatefulSet selector does not match', obj: set(StatefulSet!, 'spec.template.metadata.labels', { app: 'db' }), want: ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"db"}: `selector` does not match template `labels`'] },
  { name: 'StatefulSet podManagementPolicy', obj: set(StatefulSet!, 'spec.podManagementPolicy', 'Random'), want: ['spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\''] },
  { name: 'DaemonSet selector missing', obj: set(DaemonSet!, 'spec.selector', undefined), want: ['spec.selector: Required value', MISMATCH] },

  // ---- discovery, core ------------------------------------------------------------------------
  { name: 'EndpointSlice addressType', obj: set(EndpointSlice!, 'addressType', 'IP'), want: ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"'] },
  {
    name: 'EndpointSlice address not IPv4',
    obj: set(EndpointSlice!, 'endpoints[0].addresses[0]', '10.0.0.256'),
    want: ['endpoints[0].addresses[0]: Invalid value: "10.0.0.256": must be a valid IPv4 address', 'endpoints[0].addresses[0]: Invalid value: "10.0.0.256": must be a valid IP address'],
  },
  { name: 'EndpointSlice loopback address', obj: set(EndpointSlice!, 'endpoints[0].addresses[0]', '127.0.0.1'), want: ['endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'] },
  { name: 'EndpointSlice endpoint without addresses', obj: set(EndpointSlice!, 'endpoints[0].addresses', []), want: ['endpoints[0].addresses: Required value: must contain at least 1 address'] },
  { name: 'Endpoints empty subset', obj: set(Endpoints!, 'subsets[0]', { ports: [{ port: 80 }] }), want: ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`'] },
  {
    name: 'ConfigMap key',
    obj: set(ConfigMap!, 'data', { 'bad key': 'x' }),
    want: ["data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"],
  },
  { name: 'Node taint effect', obj: set(Node!, 'spec.taints[0].effect', 'NoSchedul'), want: ['spec.taints[0].effect: Unsupported value: "NoSchedul": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'] },
  {
    name: 'Node duplicate taint',
    obj: set(Node!, 'spec.taints[1]', { key: 'dedicated', value: 'web', effect: 'NoSchedule' }),
    want: ['spec.taints[1]: Duplicate value: core.Taint{Key:"dedicated", Value:"web", Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair'],
  },
  { name: 'Node podCIDR', obj: set(Node!, 'spec.podCIDRs[0]', '10.244.1.0'), want: ['spec.podCIDRs[0]: Invalid value: "10.244.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'] },
  { name: 'Lease duration', obj: set(Lease!, 'spec.leaseDurationSeconds', 0), want: ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'] },
  { name: 'Event namespace mismatch', obj: set(Event!, 'involvedObject.namespace', 'other'), want: ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'] },

  // ---- types (decoding), reported alone ---------------------------------------------------------
  { name: 'replicas as a string', obj: set(set(Deployment!, 'spec.replicas', '3'), 'spec.selector', undefined), want: ['spec.replicas: Invalid value: "3": must be of type integer'] },
  { name: 'label value as a number', obj: pod('metadata.labels', { version: 1.5 }), want: ['metadata.labels[version]: Invalid value: 1.5: must be of type string'] },
  { name: 'ports as a mapping', obj: svc('spec.ports', { port: 80 }), want: ['spec.ports: Invalid value: "object": must be of type array'] },
];

describe('api/validation validateObject', () => {
  for (const row of rows) {
    it(row.name, () => {
      expect(validateObject(row.obj, row.opts).map(formatFieldError)).to.deep.equal(row.want);
    });
  }

  it('accepts kinds it does not know', () => {
    expect(validateObject({ apiVersion: 'v1', kind: 'Secret', metadata: {} })).to.deep.equal([]);
  });

  it('returns structured errors the API server can turn into causes', () => {
    const [e] = validateObject(svc('spec.ports[0].port', 70000));
    expect(e).to.include({ field: 'spec.ports[0].port', type: 'FieldValueInvalid', message: PORT_RANGE, value: 70000 });
  });
});
