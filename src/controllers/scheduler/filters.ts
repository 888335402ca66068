/**
 * kube-scheduler's default Filter plugins, as pure functions of (pod, NodeInfo). Each returns
 * undefined when the node fits, or the plugin's failure with kube-scheduler's own reason strings,
 * which the FailedScheduling message counts per node. The DaemonSet controller reuses the taint
 * and node-affinity predicates to decide where daemon pods should run.
 */
import type { Node, Pod, Taint, Toleration } from '../../api/types.js';
import { podHostPorts, podRequests, type HostPort, type NodeInfo } from './nodeinfo.js';

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

/**
 * What the filters need to know about the pod, computed once per scheduling cycle rather than once
 * per node (kube-scheduler's PreFilter results in the CycleState). Pods are immutable, so the
 * state is remembered per pod object.
 */
export interface PodFilterState {
  readonly pod: Pod;
  readonly toleratesUnschedulable: boolean;
  readonly nodeSelector: readonly (readonly [string, string])[];
  readonly requiredTerms: NodeSelectorTerm[] | undefined;
  readonly hostPorts: readonly HostPort[];
  readonly requests: Readonly<Record<string, number>>;
  /** Resource names NodeResourcesFit checks, in its order: cpu, memory, ephemeral-storage, sorted scalars. */
  readonly fitNames: readonly string[];
  /** The pod's positive requests among fitNames, in that order. */
  readonly wants: readonly (readonly [string, number])[];
  /** No node selector, required affinity or host ports: on an untainted node only resources can fail. */
  readonly plain: boolean;
}

const filterStates = new WeakMap<Pod, PodFilterState>();

export function podFilterState(pod: Pod): PodFilterState {
  let state = filterStates.get(pod);
  if (!state) filterStates.set(pod, (state = computeFilterState(pod)));
  return state;
}

function computeFilterState(pod: Pod): PodFilterState {
  const requests = podRequests(pod);
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const nodeSelector = Object.entries(pod.spec.nodeSelector ?? {});
  const requiredTerms = required ? required.nodeSelectorTerms ?? [] : undefined;
  const hostPorts = podHostPorts(pod);
  const fitNames = ['cpu', 'memory', 'ephemeral-storage', ...Object.keys(requests).filter(isScalarResource).sort()];
  return {
    pod,
    toleratesUnschedulable: tolerationsTolerate(pod.spec.tolerations, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' }),
    nodeSelector,
    requiredTerms,
    hostPorts,
    requests,
    fitNames,
    wants: fitNames.filter((n) => (requests[n] ?? 0) > 0).map((n) => [n, requests[n]!] as const),
    plain: nodeSelector.length === 0 && requiredTerms === undefined && hostPorts.length === 0,
  };
}

function unschedulableWith(s: PodFilterState, { node }: NodeInfo): FilterFailure | undefined {
  if (!node.spec?.unschedulable || s.toleratesUnschedulable) return undefined;
  return fail('NodeUnschedulable', true, REASON_UNSCHEDULABLE);
}

function taintTolerationWith(s: PodFilterState, { node }: NodeInfo): FilterFailure | undefined {
  const taints = node.spec?.taints;
  if (!taints || taints.length === 0) return undefined; // most nodes: nothing to tolerate
  const taint = findUntoleratedTaint(taints, s.pod.spec.tolerations, ['NoSchedule', 'NoExecute']);
  if (!taint) return undefined;
  return fail('TaintToleration', true, `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
}

function nodeAffinityWith(s: PodFilterState, { node }: NodeInfo): FilterFailure | undefined {
  if (s.nodeSelector.length === 0 && !s.requiredTerms) return undefined;
  const labels = node.metadata.labels ?? {};
  let ok = true;
  for (const [k, v] of s.nodeSelector) if (labels[k] !== v) ok = false;
  if (ok && s.requiredTerms) ok = matchesNodeSelectorTerms(node, s.requiredTerms);
  return ok ? undefined : fail('NodeAffinity', true, REASON_NODE_AFFINITY);
}

function nodePortsWith(s: PodFilterState, info: NodeInfo): FilterFailure | undefined {
  for (const want of s.hostPorts) {
    for (const used of info.usedPorts) {
      if (used.protocol !== want.protocol || used.port !== want.port) continue;
      if (used.ip === want.ip || used.ip === '0.0.0.0' || want.ip === '0.0.0.0') return fail('NodePorts', false, REASON_NODE_PORTS);
    }
  }
  return undefined;
}

function resourcesFitWith(s: PodFilterState, info: NodeInfo): FilterFailure | undefined {
  let reasons: string[] | undefined;
  if (info.pods.length + 1 > (info.allocatable.pods ?? 0)) (reasons ??= []).push('Too many pods');
  for (const name of s.fitNames) {
    const w = s.requests[name] ?? 0;
    if (w <= 0) continue;
    if (w > (info.allocatable[name] ?? 0) - (info.requested[name] ?? 0)) (reasons ??= []).push(`Insufficient ${name}`);
  }
  return reasons ? fail('NodeResourcesFit', false, ...reasons) : undefined;
}

export const nodeUnschedulable: Filter = (pod, info) => unschedulableWith(podFilterState(pod), info);

/**
 * NoSchedule and NoExecute taints must be tolerated. This is also how NotReady and unreachable
 * nodes are avoided: the node lifecycle controller taints them node.kubernetes.io/not-ready or
 * unreachable with NoSchedule (TaintNodesByCondition), which ordinary pods do not tolerate.
 */
export const taintToleration: Filter = (pod, info) => taintTolerationWith(podFilterState(pod), info);

export const nodeAffinity: Filter = (pod, info) => nodeAffinityWith(podFilterState(pod), info);

/** A host port conflicts on the same protocol and port when either side binds 0.0.0.0 or both bind the same IP. */
export const nodePorts: Filter = (pod, info) => nodePortsWith(podFilterState(pod), info);

/** Extended resources (vendor.example/gpu) and hugepages are checked too; unknown core names are not. */
function isScalarResource(name: string): boolean {
  return name.includes('/') || name.startsWith('hugepages-');
}

/** NodeResourcesFit: pod count, then cpu, memory, ephemeral-storage, then scalar resources. */
export const nodeResourcesFit: Filter = (pod, info) => resourcesFitWith(podFilterState(pod), info);

/** kube-scheduler's default filter order; a node fails at its first failing plugin. */
export const DEFAULT_FILTERS: readonly Filter[] = [nodeUnschedulable, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit];

/** The default filters against a pod's precomputed state: what a scheduling cycle runs per node. */
export function runDefaultFilters(s: PodFilterState, info: NodeInfo): FilterFailure | undefined {
  if (s.plain && info.untainted && fitsPlainly(s, info)) return undefined; // the common case, decided in a few comparisons
  return unschedulableWith(s, info) ?? taintTolerationWith(s, info) ?? nodeAffinityWith(s, info) ?? nodePortsWith(s, info) ?? resourcesFitWith(s, info);
}

/** True when NodeResourcesFit passes; false means "run the full filters" (which then report why). */
function fitsPlainly(s: PodFilterState, info: NodeInfo): boolean {
  if (info.pods.length + 1 > info.allocatablePods) return false;
  const wants = s.wants;
  for (let i = 0; i < wants.length; i++) {
    const [name, w] = wants[i]!;
    if (w > (info.allocatable[name] ?? 0) - (info.requested[name] ?? 0)) return false;
  }
  return true;
}

export function runFilters(pod: Pod, info: NodeInfo, filters: readonly Filter[] = DEFAULT_FILTERS): FilterFailure | undefined {
  if (filters === DEFAULT_FILTERS) return runDefaultFilters(podFilterState(pod), info);
  for (const f of filters) {
    const failure = f(pod, info);
    if (failure) return failure;
  }
  return undefined;
}
