/**
 * NodeInfo: what the filters and scores need to know about one node — the Node, the pods already on
 * it (bound or assumed) and their summed requests, host ports and owners. Built as a pure value
 * (kube-scheduler's framework.NodeInfo), so filters and scores stay pure functions of (pod, node).
 */
import type { Container, Node, Pod } from '../../api/types.js';
import { resourceAmount } from './quantity.js';

/** kube-scheduler scores a container without requests as if it asked for 100m CPU and 200Mi memory. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export type Resources = Record<string, number>;

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export interface NodeInfo {
  node: Node;
  pods: Pod[];
  allocatable: Resources;
  /** Summed effective requests of the pods on the node (cpu in millicores). */
  requested: Resources;
  /** As `requested` for cpu and memory, with the scoring defaults for containers that ask nothing. */
  nonZeroRequested: { cpu: number; memory: number };
  usedPorts: HostPort[];
  /** Pods on the node per controller ownerReference uid, for spreading. */
  ownerCounts: Map<string, number>;
}

function addInto(into: Resources, r: Resources): void {
  for (const [k, v] of Object.entries(r)) into[k] = (into[k] ?? 0) + v;
}

function maxInto(into: Resources, r: Resources): void {
  for (const [k, v] of Object.entries(r)) into[k] = Math.max(into[k] ?? 0, v);
}

function containerRequests(c: Container): Resources {
  const out: Resources = {};
  for (const [name, q] of Object.entries(c.resources?.requests ?? {})) out[name] = resourceAmount(name, q);
  return out;
}

function nonZero(c: Container): Resources {
  const req = c.resources?.requests ?? {};
  // Only an absent request gets the default; an explicit "0" stays 0 (as GetNonzeroRequestForResource).
  return {
    cpu: 'cpu' in req ? resourceAmount('cpu', req.cpu) : DEFAULT_MILLI_CPU_REQUEST,
    memory: 'memory' in req ? resourceAmount('memory', req.memory) : DEFAULT_MEMORY_REQUEST,
  };
}

/**
 * The pod's effective request (resourcehelper.PodRequests): containers plus sidecars (restartable
 * init containers) run together; each ordinary init container runs alone after the sidecars
 * started before it; the pod needs the larger of the two, plus spec.overhead.
 */
function combine(pod: Pod, per: (c: Container) => Resources): Resources {
  const reqs: Resources = {};
  for (const c of pod.spec.containers ?? []) addInto(reqs, per(c));
  const sidecars: Resources = {};
  const initMax: Resources = {};
  for (const c of pod.spec.initContainers ?? []) {
    const r = per(c);
    if (c.restartPolicy === 'Always') {
      addInto(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      const alone = { ...sidecars };
      addInto(alone, r);
      maxInto(initMax, alone);
    }
  }
  addInto(reqs, sidecars);
  maxInto(reqs, initMax);
  return reqs;
}

// Pods from the informer are immutable, so their parsed requests can be remembered per object: a
// scheduling cycle asks for them once per candidate node (kube-scheduler computes them in PreFilter).
const requestsCache = new WeakMap<Pod, Resources>();
const nonZeroCache = new WeakMap<Pod, { cpu: number; memory: number }>();

export function podRequests(pod: Pod): Resources {
  let r = requestsCache.get(pod);
  if (!r) requestsCache.set(pod, (r = Object.freeze(computePodRequests(pod))));
  return r;
}

function computePodRequests(pod: Pod): Resources {
  const reqs = combine(pod, containerRequests);
  const overhead = (pod.spec.overhead ?? {}) as Record<string, string>;
  for (const [name, q] of Object.entries(overhead)) reqs[name] = (reqs[name] ?? 0) + resourceAmount(name, q);
  return reqs;
}

export function podNonZeroRequests(pod: Pod): { cpu: number; memory: number } {
  let v = nonZeroCache.get(pod);
  if (!v) {
    const r = combine(pod, nonZero);
    nonZeroCache.set(pod, (v = Object.freeze({ cpu: r.cpu ?? 0, memory: r.memory ?? 0 })));
  }
  return v;
}

/** Host ports the pod asks for; hostIP defaults to 0.0.0.0 (all addresses) and protocol to TCP. */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const containers = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

export function controllerUid(pod: Pod): string | undefined {
  return pod.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

export function buildNodeInfo(node: Node, pods: Pod[]): NodeInfo {
  const allocatable: Resources = {};
  for (const [name, q] of Object.entries(node.status?.allocatable ?? {})) allocatable[name] = resourceAmount(name, q);
  const requested: Resources = {};
  const nonZeroRequested = { cpu: 0, memory: 0 };
  const usedPorts: HostPort[] = [];
  const ownerCounts = new Map<string, number>();
  for (const pod of pods) {
    addInto(requested, podRequests(pod));
    const nz = podNonZeroRequests(pod);
    nonZeroRequested.cpu += nz.cpu;
    nonZeroRequested.memory += nz.memory;
    usedPorts.push(...podHostPorts(pod));
    const owner = controllerUid(pod);
    if (owner) ownerCounts.set(owner, (ownerCounts.get(owner) ?? 0) + 1);
  }
  return { node, pods, allocatable, requested, nonZeroRequested, usedPorts, ownerCounts };
}
