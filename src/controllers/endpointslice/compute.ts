/**
 * The endpoints a Service's EndpointSlices should hold, as pure values: one group per distinct set
 * of resolved ports (pods resolving a named targetPort differently land in different slices), each
 * endpoint with the conditions Kubernetes computes (k8s.io/endpointslice podToEndpoint).
 * ./reconcile.ts then packs the groups into slices with as few writes as possible.
 */
import type { Endpoint, EndpointPort, EndpointSlice, Node, Pod, Service } from '../../api/types.js';
import { LABEL_HEADLESS, compareIPv4, findPort, isPodReady, isServiceIPSet, podIPv4, shouldPodBeInEndpoints, shouldSetHostname } from '../endpoints/pods.js';

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
/** The controller's --max-endpoints-per-slice default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export interface EndpointGroup {
  ports: EndpointPort[];
  /** Keyed by endpointKey, ordered by IP. */
  endpoints: Map<string, Endpoint>;
}

export interface DesiredEndpoints {
  groups: EndpointGroup[];
  /** Pods skipped because their Node is not known yet (retried later, as in Kubernetes). */
  missingNodes: string[];
}

/** Endpoint identity (hashEndpoint): addresses, hostname and the pod it stands for. */
export function endpointKey(e: Endpoint): string {
  // None of the parts can hold "|" or "," (IP addresses, a DNS label, object names).
  const addresses = e.addresses.length === 1 ? e.addresses[0] : [...e.addresses].sort().join(',');
  return `${addresses}|${e.hostname ?? ''}|${e.targetRef?.namespace ?? ''}|${e.targetRef?.name ?? ''}`;
}

/** NewPortMapKey: the same ports in any order give the same key. */
export function portMapKey(ports: readonly EndpointPort[] | null | undefined): string {
  if (!ports || ports.length === 0) return '';
  // name, protocol and port cannot hold "/" or ";" ; appProtocol comes last.
  const key = (p: EndpointPort) => `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}/${p.appProtocol || ''}`;
  return ports.length === 1 ? key(ports[0]!) : ports.map(key).sort().join(';');
}

function portView(p: EndpointPort): EndpointPort {
  const v: EndpointPort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
  if (p.appProtocol) v.appProtocol = p.appProtocol;
  return v;
}

/** getEndpointPorts: the service ports this pod serves, named targetPorts resolved per pod. */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push(portView({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', appProtocol: sp.appProtocol }));
  }
  return out;
}

/**
 * podToEndpoint: serving is the pod's readiness (kept while it terminates, so load balancers can
 * drain to it); ready is serving and not terminating, unless the service publishes not-ready
 * addresses.
 */
export function podToEndpoint(pod: Pod, node: Node | undefined, svc: Service, ip: string): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = svc.spec.publishNotReadyAddresses === true || (serving && !terminating);
  const e: Endpoint = { addresses: [ip], conditions: { ready, serving, terminating } };
  if (shouldSetHostname(pod, svc)) e.hostname = pod.spec.hostname;
  e.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name ?? '', uid: pod.metadata.uid };
  if (pod.spec.nodeName) e.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[LABEL_ZONE];
  if (zone) e.zone = zone;
  return e;
}

export function desiredEndpoints(svc: Service, pods: Pod[], nodeByName: (name: string) => Node | undefined): DesiredEndpoints {
  const byPorts = new Map<string, { ports: EndpointPort[]; items: Endpoint[] }>();
  const missingNodes: string[] = [];
  for (const pod of pods) {
    // Terminating pods stay, marked terminating, so consumers can drain them.
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podIPv4(pod);
    if (!ip) continue;
    const node = nodeByName(pod.spec.nodeName ?? '');
    if (!node && !svc.spec.publishNotReadyAddresses) {
      missingNodes.push(`${pod.metadata.namespace}/${pod.metadata.name}`);
      continue;
    }
    const ports = endpointPorts(svc, pod);
    const key = portMapKey(ports);
    let g = byPorts.get(key);
    if (!g) byPorts.set(key, (g = { ports, items: [] }));
    g.items.push(podToEndpoint(pod, node, svc, ip));
  }
  const groups = [...byPorts.values()].map(({ ports, items }) => {
    items.sort((a, b) => compareIPv4(a.addresses[0]!, b.addresses[0]!) || (a.targetRef?.name ?? '').localeCompare(b.targetRef?.name ?? ''));
    return { ports, endpoints: new Map(items.map((e) => [endpointKey(e), e])) };
  });
  return { groups, missingNodes };
}

/**
 * setEndpointSliceLabels: the service's labels (minus the reserved ones) plus service-name,
 * managed-by and the headless marker. `changed` reflects only the copied service labels, as in
 * Kubernetes (the reserved ones never change for a given slice).
 */
export function sliceLabels(slice: EndpointSlice | undefined, svc: Service): { labels: Record<string, string>; changed: boolean } {
  const reserved = (k: string) => k === LABEL_SERVICE_NAME || k === LABEL_MANAGED_BY || k === LABEL_HEADLESS;
  const current = Object.entries(slice?.metadata.labels ?? {}).filter(([k]) => !reserved(k));
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!reserved(k)) labels[k] = v;
  const changed = current.length !== Object.keys(labels).length || current.some(([k, v]) => labels[k] !== v);
  if (!isServiceIPSet(svc)) labels[LABEL_HEADLESS] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata.name ?? '';
  labels[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  return { labels, changed };
}

/** A new, unnamed slice for the service (named by the API server from generateName). */
export function newSlice(svc: Service, ports: EndpointPort[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace,
      labels: sliceLabels(undefined, svc).labels,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name ?? '', uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: [],
    ports: ports.map((p) => ({ ...p })),
  };
}

export function ownedBy(slice: EndpointSlice, svc: Service): boolean {
  return (slice.metadata.ownerReferences ?? []).some((r) => r.kind === 'Service' && r.uid === svc.metadata.uid);
}
