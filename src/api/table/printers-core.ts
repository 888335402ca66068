/**
 * Row printers for the core/v1, discovery and coordination kinds (printNode, printService, ... in
 * k8s.io/kubernetes pkg/printers/internalversion/printers.go). kube-apiserver always prints the wide
 * form and lets kubectl drop priority-1 columns, so every row carries every column.
 */
import { ageSince, parseTimestamp } from './duration.js';
import { formatDiscoveryEndpoints, formatDiscoveryPorts, formatEndpoints, formatLabels, isObject, objects, part, type Obj } from './format.js';
import type { TableCell } from './types.js';

const meta = (o: Obj): Obj => part(o, 'metadata');

export type RowPrinter = (obj: Obj, now: number) => TableCell[];

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_NODE_ROLE_LABEL = 'kubernetes.io/role';

/** Sorted, de-duplicated roles from node-role.kubernetes.io/<role> and kubernetes.io/role=<role>. */
function nodeRoles(labels: unknown): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(isObject(labels) ? labels : {})) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === LEGACY_NODE_ROLE_LABEL && v) {
      roles.add(String(v));
    }
  }
  return [...roles].sort();
}

function nodeAddress(status: Obj, type: string): string {
  return objects(status.addresses).find((a) => a.type === type)?.address ?? '<none>';
}

const printNode: RowPrinter = (node, now) => {
  const status = part(node, 'status');
  const info = part(status, 'nodeInfo');
  // Only the Ready condition counts; the last one wins if it is listed twice.
  const ready = objects(status.conditions).filter((c) => c.type === 'Ready').pop();
  const states = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (part(node, 'spec').unschedulable === true) states.push('SchedulingDisabled');
  return [
    meta(node).name ?? '',
    states.join(','),
    nodeRoles(meta(node).labels).join(',') || '<none>',
    ageSince(meta(node).creationTimestamp, now),
    info.kubeletVersion ?? '',
    nodeAddress(status, 'InternalIP'),
    nodeAddress(status, 'ExternalIP'),
    info.osImage || '<unknown>',
    info.kernelVersion || '<unknown>',
    info.containerRuntimeVersion || '<unknown>',
  ];
};

/** loadBalancerStatusStringer in its wide form: sorted unique ingress IPs (or hostnames). */
function loadBalancerIngress(status: Obj): string[] {
  const ingress = objects(part(status, 'loadBalancer').ingress);
  return [...new Set(ingress.map((i) => i.ip || i.hostname).filter((v): v is string => Boolean(v)))].sort();
}

function serviceExternalIP(svc: Obj): string {
  const spec = part(svc, 'spec');
  const externalIPs: string[] = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ips = [...loadBalancerIngress(part(svc, 'status')), ...externalIPs];
      return ips.length > 0 ? ips.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** "80/TCP", or "80:30080/TCP" when a node port is allocated. */
function servicePorts(ports: unknown): string {
  const text = objects(ports)
    .map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`))
    .join(',');
  return text || '<none>';
}

const printService: RowPrinter = (svc, now) => {
  const spec = part(svc, 'spec');
  // clusterIPs[0] is what the printer reads; clusterIP stands in for objects stored without the plural.
  const clusterIP = (Array.isArray(spec.clusterIPs) ? spec.clusterIPs[0] : undefined) || spec.clusterIP || '<none>';
  return [
    meta(svc).name ?? '',
    spec.type ?? '',
    clusterIP,
    serviceExternalIP(svc),
    servicePorts(spec.ports),
    ageSince(meta(svc).creationTimestamp, now),
    formatLabels(spec.selector),
  ];
};

const printEndpoints: RowPrinter = (ep, now) => [meta(ep).name ?? '', formatEndpoints(ep.subsets), ageSince(meta(ep).creationTimestamp, now)];

const printEndpointSlice: RowPrinter = (slice, now) => [
  meta(slice).name ?? '',
  slice.addressType ?? '',
  formatDiscoveryPorts(slice.ports),
  formatDiscoveryEndpoints(slice.endpoints),
  ageSince(meta(slice).creationTimestamp, now),
];

const printNamespace: RowPrinter = (ns, now) => [meta(ns).name ?? '', part(ns, 'status').phase ?? '', ageSince(meta(ns).creationTimestamp, now)];

const printConfigMap: RowPrinter = (cm, now) => [
  meta(cm).name ?? '',
  Object.keys(part(cm, 'data')).length + Object.keys(part(cm, 'binaryData')).length,
  ageSince(meta(cm).creationTimestamp, now),
];

const printLease: RowPrinter = (lease, now) => [meta(lease).name ?? '', part(lease, 'spec').holderIdentity ?? '', ageSince(meta(lease).creationTimestamp, now)];

/** formatEventSource: component (or reportingComponent), then ", host" (or reportingInstance) if any. */
function eventSource(ev: Obj): string {
  const source = part(ev, 'source');
  const component = source.component || ev.reportingComponent || '';
  const instance = source.host || ev.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

const printEvent: RowPrinter = (ev, now) => {
  // New-style events (events.k8s.io) carry eventTime and series instead of the old timestamps.
  const firstSeen = ageSince(parseTimestamp(ev.firstTimestamp) !== undefined ? ev.firstTimestamp : ev.eventTime, now);
  let lastSeen = parseTimestamp(ev.lastTimestamp) !== undefined ? ageSince(ev.lastTimestamp, now) : firstSeen;
  let count: number = ev.count ?? 0;
  if (isObject(ev.series)) {
    lastSeen = ageSince(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const involved = part(ev, 'involvedObject');
  const kind = String(involved.kind ?? '').toLowerCase();
  return [
    lastSeen,
    ev.type ?? '',
    ev.reason ?? '',
    involved.name ? `${kind}/${involved.name}` : kind,
    involved.fieldPath ?? '',
    eventSource(ev),
    String(ev.message ?? '').trim(),
    firstSeen,
    count,
    meta(ev).name ?? '',
  ];
};

export const CORE_PRINTERS: Record<string, RowPrinter> = {
  nodes: printNode,
  services: printService,
  endpoints: printEndpoints,
  endpointslices: printEndpointSlice,
  namespaces: printNamespace,
  configmaps: printConfigMap,
  leases: printLease,
  events: printEvent,
};
