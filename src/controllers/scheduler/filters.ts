/**
 * kube-scheduler's default Filter plugins, as pure functions of (pod, NodeInfo). Each returns
 * undefined when the node fits, or the plugin's failure with kube-scheduler's own reason strings,
 * which the FailedScheduling message counts per node. The DaemonSet controller reuses the taint
 * and node-affinity predicates to decide where daemon pods should run.
 */
import type { Node, Pod, Taint, Toleration } from '../../api/types.js';
import { podHostPorts, podRequests, type NodeInfo } from './nodeinfo.js';

export interface FilterFailure {
  plugin: string;
  reasons: string[];
  /**
   * UnschedulableAndUnresolvable in kube-scheduler: evicting pods would not help, so preemption
   * reports "Preemption is not helpful for scheduling" for the node.
   */
  unresolvable: boolean;
}

export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

// ---- tolerations ---------------------------------------------------------------------------

/** v1.Toleration.ToleratesTaint: an empty effect or key is a wildcard; Exists ignores the value. */
export function toleratesTaint(t: Toleration, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerate(tolerations: Toleration[] | undefined, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

/** The first taint with one of `effects` that no toleration tolerates (FindMatchingUntoleratedTaint). */
export function findUntoleratedTaint(taints: Taint[] | undefined, tolerations: Toleration[] | undefined, effects: Taint['effect'][]): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !tolerationsTolerate(tolerations, taint));
}

// ---- node affinity -------------------------------------------------------------------------

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

function toInt(s: string | undefined): bigint | undefined {
  return s !== undefined && /^[+-]?\d+$/.test(s) ? BigInt(s) : undefined;
}

function matchesRequirement(value: string | undefined, r: NodeSelectorRequirement): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      // Exactly one integer value, and the label must be an integer too; anything else never matches.
      const have = toInt(value);
      const bound = values.length === 1 ? toInt(values[0]) : undefined;
      if (have === undefined || bound === undefined) return false;
      return r.operator === 'Gt' ? have > bound : have < bound;
    }
    default:
      return false;
  }
}

/** One term: every expression (on labels) and field (only metadata.name, In/NotIn) must match. */
function matchesTerm(node: Node, term: NodeSelectorTerm): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  // An empty term selects nothing (nodeaffinity.NewNodeSelector skips it).
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const e of exprs) {
    if (!matchesRequirement(Object.hasOwn(labels, e.key) ? labels[e.key] : undefined, e)) return false;
  }
  for (const f of fields) {
    if (f.key !== 'metadata.name' || (f.operator !== 'In' && f.operator !== 'NotIn')) return false;
    if (!matchesRequirement(node.metadata.name, f)) return false;
  }
  return true;
}

/** NodeSelectorTerms are ORed. */
export function matchesNodeSelectorTerms(node: Node, terms: NodeSelectorTerm[] | undefined): boolean {
  return (terms ?? []).some((t) => matchesTerm(node, t));
}

/** spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution, both of which must hold. */
export function matchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) return matchesNodeSelectorTerms(node, required.nodeSelectorTerms);
  return true;
}

// ---- the filters ---------------------------------------------------------------------------

export type Filter = (pod: Pod, info: NodeInfo) => FilterFailure | undefined;

const fail = (plugin: string, unresolvable: boolean, ...reasons: string[]): FilterFailure => ({ plugin, reasons, unresolvable });

export const nodeUnschedulable: Filter = (pod, { node }) => {
  if (!node.spec?.unschedulable) return undefined;
  if (tolerationsTolerate(pod.spec.tolerations, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' })) return undefined;
  return fail('NodeUnschedulable', true, REASON_UNSCHEDULABLE);
};

/**
 * NoSchedule and NoExecute taints must be tolerated. This is also how NotReady and unreachable
 * nodes are avoided: the node lifecycle controller taints them node.kubernetes.io/not-ready or
 * unreachable with NoSchedule (TaintNodesByCondition), which ordinary pods do not tolerate.
 */
export const taintToleration: Filter = (pod, { node }) => {
  const taint = findUntoleratedTaint(node.spec?.taints, pod.spec.tolerations, ['NoSchedule', 'NoExecute']);
  if (!taint) return undefined;
  return fail('TaintToleration', true, `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
};

export const nodeAffinity: Filter = (pod, { node }) =>
  matchesNodeSelectorAndAffinity(pod, node) ? undefined : fail('NodeAffinity', true, REASON_NODE_AFFINITY);

/** A host port conflicts on the same protocol and port when either side binds 0.0.0.0 or both bind the same IP. */
export const nodePorts: Filter = (pod, info) => {
  for (const want of podHostPorts(pod)) {
    for (const used of info.usedPorts) {
      if (used.protocol !== want.protocol || used.port !== want.port) continue;
      if (used.ip === want.ip || used.ip === '0.0.0.0' || want.ip === '0.0.0.0') return fail('NodePorts', false, REASON_NODE_PORTS);
    }
  }
  return undefined;
};

/** Extended resources (vendor.example/gpu) and hugepages are checked too; unknown core names are not. */
function isScalarResource(name: string): boolean {
  return name.includes('/') || name.startsWith('hugepages-');
}

/** NodeResourcesFit: pod count, then cpu, memory, ephemeral-storage, then scalar resources. */
export const nodeResourcesFit: Filter = (pod, info) => {
  const reasons: string[] = [];
  if (info.pods.length + 1 > (info.allocatable.pods ?? 0)) reasons.push('Too many pods');
  const want = podRequests(pod);
  const names = ['cpu', 'memory', 'ephemeral-storage', ...Object.keys(want).filter(isScalarResource).sort()];
  for (const name of names) {
    const w = want[name] ?? 0;
    if (w <= 0) continue;
    if (w > (info.allocatable[name] ?? 0) - (info.requested[name] ?? 0)) reasons.push(`Insufficient ${name}`);
  }
  return reasons.length ? fail('NodeResourcesFit', false, ...reasons) : undefined;
};

/** kube-scheduler's default filter order; a node fails at its first failing plugin. */
export const DEFAULT_FILTERS: readonly Filter[] = [nodeUnschedulable, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit];

export function runFilters(pod: Pod, info: NodeInfo, filters: readonly Filter[] = DEFAULT_FILTERS): FilterFailure | undefined {
  for (const f of filters) {
    const failure = f(pod, info);
    if (failure) return failure;
  }
  return undefined;
}
