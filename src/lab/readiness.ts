/**
 * When is a cluster "up"? Every node Ready with a podCIDR, every pod that can be scheduled Running
 * and Ready, and every selector Service's endpoints published for its ready pods. Pure: takes the
 * objects, returns what is still missing, so `kemu up` can show it and tests can table it.
 */
import type { EndpointSlice, KubeObject, Node, Pod, Service } from '../api/types.js';
import { selectorFromSet } from '../api/selectors/index.js';

export interface Readiness {
  ready: boolean;
  nodesReady: number;
  nodesTotal: number;
  podsReady: number;
  podsTotal: number;
  servicesReady: number;
  servicesTotal: number;
  /** Human-readable reasons, the first few of each kind. */
  waitingFor: string[];
}

const isTrue = (conds: { type: string; status: string }[] | undefined, type: string) => conds?.some((c) => c.type === type && c.status === 'True') ?? false;

export function unschedulable(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable') ?? false;
}

/** A workload (Deployment, ReplicaSet, StatefulSet, DaemonSet) with its kind for messages. */
export interface Workload {
  kind: string;
  object: KubeObject;
}

/**
 * A workload is satisfied when its controller has seen its latest spec and its ready replicas reach
 * the desired count — or when the missing ones are pods that cannot be scheduled anywhere.
 */
function workloadWaiting(w: Workload, unschedulablePods: Pod[]): string | undefined {
  const o = w.object;
  const observed = (o.status?.observedGeneration ?? 0) >= (o.metadata.generation ?? 0);
  const desired = w.kind === 'DaemonSet' ? o.status?.desiredNumberScheduled ?? 0 : o.spec?.replicas ?? 1;
  const ready = w.kind === 'DaemonSet' ? o.status?.numberReady ?? 0 : o.status?.readyReplicas ?? 0;
  if (observed && ready >= desired) return undefined;
  const labels = o.spec?.selector?.matchLabels as Record<string, string> | undefined;
  const stuck = unschedulablePods.filter(
    (p) => p.metadata.namespace === o.metadata.namespace && labels && selectorFromSet(labels).matches(p.metadata.labels),
  ).length;
  if (observed && ready + stuck >= desired) return undefined;
  return `${w.kind.toLowerCase()} ${o.metadata.namespace}/${o.metadata.name}: ${ready}/${desired} ready`;
}

export function evaluateReadiness(
  expectedNodes: string[],
  nodes: Node[],
  pods: Pod[],
  services: Service[],
  slices: EndpointSlice[],
  workloads: Workload[] = [],
): Readiness {
  const waiting: string[] = [];
  // Few pods are unschedulable: find them once, not once per unready workload (30,000 pods × 5,000).
  const unschedulablePods = workloads.length > 0 ? pods.filter(unschedulable) : [];
  for (const w of workloads) {
    const why = workloadWaiting(w, unschedulablePods);
    if (why) waiting.push(why);
  }
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  let nodesReady = 0;
  for (const name of expectedNodes) {
    const n = byName.get(name);
    if (!n) waiting.push(`node ${name}: not registered`);
    else if (!isTrue(n.status?.conditions, 'Ready')) waiting.push(`node ${name}: not Ready`);
    else if (!n.spec?.podCIDR) waiting.push(`node ${name}: no podCIDR`);
    else nodesReady++;
  }
  // Pods that can never run here do not hold the cluster back: unschedulable or finished ones.
  const relevant = pods.filter((p) => !unschedulable(p) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp);
  let podsReady = 0;
  for (const p of relevant) {
    if (p.status?.phase === 'Running' && isTrue(p.status.conditions, 'Ready')) podsReady++;
    else waiting.push(`pod ${p.metadata.namespace}/${p.metadata.name}: ${p.spec.nodeName ? (p.status?.phase ?? 'Pending') : 'not scheduled'}`);
  }
  // Index ready pods by "namespace|label=value" so each Service looks only at candidates.
  const byLabel = new Map<string, Pod[]>();
  for (const p of relevant) {
    if (!p.status?.podIP || !isTrue(p.status.conditions, 'Ready')) continue;
    for (const [k, v] of Object.entries(p.metadata.labels ?? {})) {
      const key = `${p.metadata.namespace}|${k}=${v}`;
      let list = byLabel.get(key);
      if (!list) byLabel.set(key, (list = []));
      list.push(p);
    }
  }
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const key = `${s.metadata.namespace}/${s.metadata.labels?.['kubernetes.io/service-name'] ?? ''}`;
    let list = slicesByService.get(key);
    if (!list) slicesByService.set(key, (list = []));
    list.push(s);
  }
  const withSelector = services.filter((s) => s.spec.selector && Object.keys(s.spec.selector).length > 0 && s.spec.type !== 'ExternalName');
  let servicesReady = 0;
  for (const svc of withSelector) {
    const sel = selectorFromSet(svc.spec.selector);
    const [firstKey, firstValue] = Object.entries(svc.spec.selector!)[0]!;
    const candidates = byLabel.get(`${svc.metadata.namespace}|${firstKey}=${firstValue}`) ?? [];
    const want = new Set(candidates.filter((p) => sel.matches(p.metadata.labels)).map((p) => p.status!.podIP!));
    const have = new Set<string>();
    for (const s of slicesByService.get(`${svc.metadata.namespace}/${svc.metadata.name}`) ?? []) {
      for (const e of s.endpoints ?? []) if (e.conditions?.ready !== false) for (const a of e.addresses) have.add(a);
    }
    const missing = [...want].filter((ip) => !have.has(ip));
    if (missing.length === 0) servicesReady++;
    else waiting.push(`service ${svc.metadata.namespace}/${svc.metadata.name}: ${missing.length} ready pod(s) not in its EndpointSlices`);
  }
  return {
    ready: waiting.length === 0,
    nodesReady,
    nodesTotal: expectedNodes.length,
    podsReady,
    podsTotal: relevant.length,
    servicesReady,
    servicesTotal: withSelector.length,
    waitingFor: waiting.slice(0, 8),
  };
}

export function describeReadiness(r: Readiness): string {
  return `nodes ${r.nodesReady}/${r.nodesTotal}, pods ${r.podsReady}/${r.podsTotal}, services ${r.servicesReady}/${r.servicesTotal}`;
}
