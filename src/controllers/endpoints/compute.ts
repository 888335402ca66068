/**
 * The Endpoints a Service should have, computed as a pure value from the Service and the pods its
 * selector matches (Kubernetes' endpoints controller syncService + RepackSubsets), and the write
 * needed to get there from the current object, if any.
 */
import type { EndpointAddress, EndpointPort, Endpoints, Pod, Service } from '../../api/types.js';
import { deepCopy, jsonEqual } from '../../api/store/freeze.js';
import {
  LABEL_HEADLESS,
  findPort,
  isPodReady,
  isServiceIPSet,
  podIPv4,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './pods.js';

type Subset = NonNullable<Endpoints['subsets']>[number];

/** Endpoints hold at most this many addresses; beyond it they are truncated and annotated. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
export const ANNOTATION_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';

interface Member {
  address: EndpointAddress;
  port: EndpointPort | undefined;
  ready: boolean;
}

/** The subsets for a service: one per distinct (addresses, readiness) set, ports grouped. */
export function desiredSubsets(svc: Service, pods: Pod[]): Subset[] {
  const tolerate = svc.spec.publishNotReadyAddresses === true;
  const members: Member[] = [];
  for (const pod of pods) {
    // Terminating pods leave Endpoints at once, unless the service publishes not-ready addresses.
    if (!shouldPodBeInEndpoints(pod, tolerate)) continue;
    const ip = podIPv4(pod);
    if (!ip) continue;
    const address: EndpointAddress = { ip };
    if (shouldSetHostname(pod, svc)) address.hostname = pod.spec.hostname;
    if (pod.spec.nodeName) address.nodeName = pod.spec.nodeName;
    address.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name ?? '', uid: pod.metadata.uid };
    const ready = tolerate || isPodReady(pod);
    const ports = svc.spec.ports ?? [];
    if (ports.length === 0) {
      // Only headless services may go without ports; their addresses get a port-less subset.
      if (svc.spec.clusterIP === 'None') members.push({ address, port: undefined, ready });
      continue;
    }
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue; // this pod lacks the named port: left out for this port only
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      members.push({ address, port: ep, ready });
    }
  }
  return repack(members, svc);
}

/** One key per distinct port (name and protocol cannot hold "|"; appProtocol comes last). */
function portKey(p: EndpointPort): string {
  return `${p.port}|${p.protocol ?? ''}|${p.name ?? ''}|${p.appProtocol ?? ''}`;
}

/**
 * RepackSubsets: every port maps to its set of (address, ready) pairs, where not-ready wins over
 * ready for the same address; ports with identical sets share a subset.
 */
function repack(members: Member[], svc: Service): Subset[] {
  const byPort = new Map<string, { port: EndpointPort | undefined; addrs: Map<string, { address: EndpointAddress; ready: boolean }> }>();
  for (const m of members) {
    const pk = m.port ? portKey(m.port) : '';
    let entry = byPort.get(pk);
    if (!entry) byPort.set(pk, (entry = { port: m.port, addrs: new Map() }));
    const ak = `${m.address.ip}/${m.address.targetRef?.uid ?? ''}`;
    const prior = entry.addrs.get(ak);
    if (!prior || prior.ready) entry.addrs.set(ak, { address: prior?.address ?? m.address, ready: m.ready });
  }
  const groups = new Map<string, { addrs: { address: EndpointAddress; ready: boolean }[]; ports: EndpointPort[] }>();
  for (const { port, addrs } of byPort.values()) {
    const list = [...addrs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = list.map(([k, v]) => `${k}:${v.ready}`).join(',');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { addrs: list.map(([, v]) => v), ports: [] }));
    if (port) g.ports.push(port);
  }
  // Ports in service order; subsets ordered by their first port so the output is stable.
  const order = (p: EndpointPort) => (svc.spec.ports ?? []).findIndex((sp) => (sp.name ?? '') === (p.name ?? '') && (sp.protocol ?? 'TCP') === p.protocol);
  const subsets = [...groups.values()].map((g) => {
    g.ports.sort((a, b) => order(a) - order(b) || a.port - b.port);
    const ready = g.addrs.filter((a) => a.ready).map((a) => a.address).sort(lessAddress);
    const notReady = g.addrs.filter((a) => !a.ready).map((a) => a.address).sort(lessAddress);
    const s: Subset = {};
    if (ready.length) s.addresses = ready;
    if (notReady.length) s.notReadyAddresses = notReady;
    if (g.ports.length) s.ports = g.ports;
    return s;
  });
  const first = (s: Subset) => (s.ports?.[0] ? order(s.ports[0]) * 65536 + s.ports[0].port : -1);
  return subsets.sort((a, b) => first(a) - first(b) || lessAddress(firstAddr(a), firstAddr(b)));
}

function firstAddr(s: Subset): EndpointAddress {
  return s.addresses?.[0] ?? s.notReadyAddresses?.[0] ?? { ip: '' };
}

/** LessEndpointAddress: IPs compared as strings (as Kubernetes does), then by pod UID. */
function lessAddress(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? '';
  const ub = b.targetRef?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

export type EndpointsPlan = { action: 'none' } | { action: 'create' | 'update'; endpoints: Endpoints };

/**
 * The write that makes `current` (absent when none exists) match the service: nothing when the
 * subsets, labels and capacity annotation already agree, so resyncs cost no writes.
 */
export function planEndpoints(svc: Service, pods: Pod[], current: Endpoints | undefined): EndpointsPlan {
  // Truncated before comparing (Kubernetes compares the untruncated list and so rewrites an
  // over-capacity Endpoints on every sync; the result is the same object).
  const subsets = desiredSubsets(svc, pods);
  const truncated = truncate(subsets);
  const wanted = subsets.filter((s) => s.addresses || s.notReadyAddresses); // validation refuses empty ones
  const svcLabels = svc.metadata.labels ?? {};
  if (current) {
    const { [LABEL_HEADLESS]: _headless, ...compareLabels } = current.metadata.labels ?? {};
    const annotated = (current.metadata.annotations ?? {})[ANNOTATION_OVER_CAPACITY] !== undefined;
    if (jsonEqual(current.subsets ?? [], wanted) && jsonEqual(compareLabels, svcLabels) && annotated === truncated) {
      return { action: 'none' };
    }
  }
  const labels: Record<string, string> = { ...svcLabels };
  if (isServiceIPSet(svc)) delete labels[LABEL_HEADLESS];
  else labels[LABEL_HEADLESS] = '';
  const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
  delete annotations[ANNOTATION_OVER_CAPACITY];
  if (truncated) annotations[ANNOTATION_OVER_CAPACITY] = 'truncated';
  const base: Endpoints = current
    ? deepCopy(current)
    : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace } };
  base.metadata.labels = labels;
  if (Object.keys(annotations).length) base.metadata.annotations = annotations;
  else delete base.metadata.annotations;
  base.subsets = wanted;
  return { action: current ? 'update' : 'create', endpoints: base };
}

/**
 * truncateEndpoints: keeps MAX_ENDPOINTS_CAPACITY addresses, ready ones first, spread over the
 * subsets in proportion to their size. Mutates `subsets`; returns whether anything was dropped.
 */
function truncate(subsets: Subset[]): boolean {
  const totalReady = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const totalNotReady = subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  if (totalReady + totalNotReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = totalReady > MAX_ENDPOINTS_CAPACITY;
  const max = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const s of subsets) {
    const inSubset = truncateReady ? (s.addresses?.length ?? 0) : (s.notReadyAddresses?.length ?? 0);
    const toBeAdded = Math.min(Math.ceil((inSubset / numTotal) * max), canBeAdded);
    if (truncateReady) {
      s.addresses = s.addresses?.slice(0, toBeAdded);
      delete s.notReadyAddresses;
    } else {
      s.notReadyAddresses = s.notReadyAddresses?.slice(0, toBeAdded);
    }
    canBeAdded -= toBeAdded;
  }
  for (const s of subsets) {
    if (!s.addresses?.length) delete s.addresses;
    if (!s.notReadyAddresses?.length) delete s.notReadyAddresses;
  }
  return true;
}
