/**
 * NodeInfo: what the filters and scores need to know about one node — the Node, the pods already on
 * it (bound or assumed) and their summed requests, host ports and owners. Built as a pure value
 * (kube-scheduler's framework.NodeInfo), so filters and scores stay pure functions of (pod, node).
 */
import type { Container, Node, Pod, Taint } from '../../api/types.js';
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
  /** The same counts keyed by ownerId(uid): a number key is found several times faster. */
  ownerIdCounts: Map<number, number>;
  /** Neither cordoned nor tainted: the unschedulable and taint filters pass for every pod. */
  untainted: boolean;
  /**
   * Copies of what the per-node loops of a scheduling cycle read, as plain fields of this one
   * object shape (Node objects come in many shapes, which makes every read of them slower).
   */
  name: string;
  allocatablePods: number;
  allocatableCpu: number;
  allocatableMemory: number;
  /** The node's PreferNoSchedule taints (TaintToleration scoring); empty for most nodes. */
  preferNoSchedule: Taint[];
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

const hostPortsCache = new WeakMap<Pod, readonly HostPort[]>();
const NO_PORTS: readonly HostPort[] = Object.freeze([]);

/** Host ports the pod asks for; hostIP defaults to 0.0.0.0 (all addresses) and protocol to TCP. */
export function podHostPorts(pod: Pod): readonly HostPort[] {
  let ports = hostPortsCache.get(pod);
  if (!ports) hostPortsCache.set(pod, (ports = computeHostPorts(pod)));
  return ports;
}

function computeHostPorts(pod: Pod): readonly HostPort[] {
  const out: HostPort[] = [];
  const containers = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out.length ? Object.freeze(out) : NO_PORTS;
}

/**
 * Owner uids as small numbers, for the spreading score's per-node lookups. The table keeps every
 * controller uid the scheduler has seen (tens of bytes each: one per ReplicaSet ever scheduled for).
 */
const ownerIds = new Map<string, number>();

export function ownerId(uid: string): number {
  let id = ownerIds.get(uid);
  if (id === undefined) ownerIds.set(uid, (id = ownerIds.size + 1));
  return id;
}

export function controllerUid(pod: Pod): string | undefined {
  const refs = pod.metadata.ownerReferences;
  if (!refs) return undefined;
  for (const r of refs) if (r.controller) return r.uid;
  return undefined;
}

/**
 * Whether two versions of a pod weigh the same on a node: same requests, host ports and owner.
 * A status write keeps all of these, so the node's NodeInfo need not be rebuilt for it.
 */
export function sameFootprint(a: Pod, b: Pod): boolean {
  if (a === b) return true;
  if (controllerUid(a) !== controllerUid(b)) return false;
  if (a.spec !== b.spec) {
    if (!sameResources(podRequests(a), podRequests(b))) return false;
    const na = podNonZeroRequests(a);
    const nb = podNonZeroRequests(b);
    if (na.cpu !== nb.cpu || na.memory !== nb.memory) return false;
    const pa = podHostPorts(a);
    const pb = podHostPorts(b);
    if (pa.length !== pb.length) return false;
    for (let i = 0; i < pa.length; i++) if (pa[i]!.ip !== pb[i]!.ip || pa[i]!.protocol !== pb[i]!.protocol || pa[i]!.port !== pb[i]!.port) return false;
  }
  return true;
}

function sameResources(a: Resources, b: Resources): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

// A Node object is immutable too: its parsed allocatable is remembered while the object lives.
const allocatableCache = new WeakMap<Node, Resources>();

function nodeAllocatable(node: Node): Resources {
  let r = allocatableCache.get(node);
  if (!r) {
    r = {};
    for (const [name, q] of Object.entries(node.status?.allocatable ?? {})) r[name] = resourceAmount(name, q);
    allocatableCache.set(node, Object.freeze(r));
  }
  return r;
}

/**
 * Adds one pod to a NodeInfo in place: what buildNodeInfo(node, [...pods, pod]) would give, in
 * O(1) instead of O(pods on the node). For the scheduler's own cache, whose NodeInfos are rebuilt
 * or updated between scheduling cycles, never during one.
 */
export function addPodToNodeInfo(info: NodeInfo, pod: Pod): void {
  info.pods.push(pod);
  addInto(info.requested, podRequests(pod));
  const nz = podNonZeroRequests(pod);
  info.nonZeroRequested.cpu += nz.cpu;
  info.nonZeroRequested.memory += nz.memory;
  const ports = podHostPorts(pod);
  if (ports.length) info.usedPorts.push(...ports);
  const owner = controllerUid(pod);
  if (owner) {
    info.ownerCounts.set(owner, (info.ownerCounts.get(owner) ?? 0) + 1);
    const id = ownerId(owner);
    info.ownerIdCounts.set(id, (info.ownerIdCounts.get(id) ?? 0) + 1);
  }
}

export function buildNodeInfo(node: Node, pods: Pod[]): NodeInfo {
  const allocatable = nodeAllocatable(node);
  const requested: Resources = {};
  const nonZeroRequested = { cpu: 0, memory: 0 };
  const usedPorts: HostPort[] = [];
  const ownerCounts = new Map<string, number>();
  const ownerIdCounts = new Map<number, number>();
  for (const pod of pods) {
    addInto(requested, podRequests(pod));
    const nz = podNonZeroRequests(pod);
    nonZeroRequested.cpu += nz.cpu;
    nonZeroRequested.memory += nz.memory;
    const ports = podHostPorts(pod);
    if (ports.length) usedPorts.push(...ports);
    const owner = controllerUid(pod);
    if (owner) {
      ownerCounts.set(owner, (ownerCounts.get(owner) ?? 0) + 1);
      const id = ownerId(owner);
      ownerIdCounts.set(id, (ownerIdCounts.get(id) ?? 0) + 1);
    }
  }
  const taints = node.spec?.taints ?? [];
  return {
    node,
    pods,
    allocatable,
    requested,
    nonZeroRequested,
    usedPorts,
    ownerCounts,
    ownerIdCounts,
    untainted: !node.spec?.unschedulable && taints.length === 0,
    name: node.metadata.name ?? '',
    allocatablePods: allocatable.pods ?? 0,
    allocatableCpu: allocatable.cpu ?? 0,
    allocatableMemory: allocatable.memory ?? 0,
    preferNoSchedule: taints.filter((t) => t.effect === 'PreferNoSchedule'),
  };
}
