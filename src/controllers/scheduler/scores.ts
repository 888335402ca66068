/**
 * Score plugins, pure: each gives every feasible node a raw score, normalized to 0..100 across the
 * nodes, then weighted and summed as kube-scheduler's framework does. Plugins and weights:
 *   TaintToleration (3)          fewer untolerated PreferNoSchedule taints is better
 *   NodeAffinity (2)             preferred node affinity terms, by weight
 *   OwnerSpread (2)              fewer pods of the same controller on the node is better (the old
 *                                SelectorSpread; today's default is PodTopologySpread's system
 *                                constraints with the same weight, node level only here)
 *   NodeResourcesLeastAllocated (1)  more free cpu and memory is better
 * Ties go to the lowest node name (kube-scheduler picks one at random) so runs are reproducible.
 */
import type { Pod, Toleration } from '../../api/types.js';
import { matchesNodeSelectorTerms, tolerationsTolerate, type NodeSelectorTerm } from './filters.js';
import { controllerUid, ownerId, podNonZeroRequests, type NodeInfo } from './nodeinfo.js';

export const MAX_NODE_SCORE = 100;

export interface ScorePlugin {
  name: string;
  weight: number;
  score(pod: Pod, info: NodeInfo): number;
  /** Maps raw scores to 0..MAX_NODE_SCORE; absent when the raw score is already in range. */
  normalize?(scores: number[]): number[];
}

/** framework's DefaultNormalizeScore: scale to the maximum, optionally reversed (lower raw is better). */
export function defaultNormalize(scores: number[], reverse: boolean): number[] {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  const out = new Array<number>(scores.length);
  for (let i = 0; i < scores.length; i++) {
    if (max === 0) out[i] = reverse ? MAX_NODE_SCORE : scores[i]!;
    else {
      const v = Math.floor((MAX_NODE_SCORE * scores[i]!) / max);
      out[i] = reverse ? MAX_NODE_SCORE - v : v;
    }
  }
  return out;
}

/** (allocatable - requested) * 100 / allocatable per resource, averaged over cpu and memory. */
export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesLeastAllocated',
  weight: 1,
  score: (pod, info) => leastAllocatedScore(podNonZeroRequests(pod), info),
};

function leastAllocatedScore(want: { cpu: number; memory: number }, info: NodeInfo): number {
  return Math.floor((freeShare(info.allocatableCpu, info.nonZeroRequested.cpu + want.cpu) + freeShare(info.allocatableMemory, info.nonZeroRequested.memory + want.memory)) / 2);
}

function freeShare(alloc: number, req: number): number {
  return alloc === 0 || req > alloc ? 0 : Math.floor(((alloc - req) * MAX_NODE_SCORE) / alloc);
}

export const taintTolerationScore: ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  score(pod, info) {
    const taints = info.node.spec?.taints;
    if (!taints?.length) return 0; // the common case: nothing to count, nothing to allocate
    // Only tolerations that apply to PreferNoSchedule (or to every effect) count here.
    const tolerations = (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    return taints.filter((t) => t.effect === 'PreferNoSchedule' && !tolerationsTolerate(tolerations, t)).length;
  },
  normalize: (scores) => defaultNormalize(scores, true),
};

export const nodeAffinityScore: ScorePlugin = {
  name: 'NodeAffinity',
  weight: 2,
  score(pod, info) {
    const preferred: { weight: number; preference: NodeSelectorTerm }[] =
      pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    let sum = 0;
    for (const p of preferred) if (matchesNodeSelectorTerms(info.node, [p.preference])) sum += p.weight;
    return sum;
  },
  normalize: (scores) => defaultNormalize(scores, false),
};

export const ownerSpread: ScorePlugin = {
  name: 'OwnerSpread',
  weight: 2,
  score(pod, info) {
    const owner = controllerUid(pod);
    return owner ? info.ownerCounts.get(owner) ?? 0 : 0;
  },
  normalize: (scores) => defaultNormalize(scores, true),
};

export const DEFAULT_SCORES: readonly ScorePlugin[] = [taintTolerationScore, nodeAffinityScore, ownerSpread, leastAllocated];

export interface NodeScore {
  name: string;
  score: number;
}

export function scoreNodes(pod: Pod, infos: NodeInfo[], plugins: readonly ScorePlugin[] = DEFAULT_SCORES): NodeScore[] {
  if (plugins === DEFAULT_SCORES) return scoreDefault(pod, infos);
  const totals = infos.map((i) => ({ name: i.node.metadata.name ?? '', score: 0 }));
  for (const p of plugins) {
    const raw = infos.map((i) => p.score(pod, i));
    const normalized = p.normalize ? p.normalize(raw) : raw;
    normalized.forEach((s, idx) => (totals[idx]!.score += s * p.weight));
  }
  return totals;
}

/**
 * DEFAULT_SCORES in one pass, with what depends only on the pod computed once per cycle (as
 * kube-scheduler's PreScore does) instead of once per node and plugin. Same raw scores, the same
 * normalization and weights as the plugins above, so the same totals.
 */
function scoreDefault(pod: Pod, infos: NodeInfo[]): NodeScore[] {
  const n = infos.length;
  const taintRaw = new Array<number>(n);
  const affinityRaw = new Array<number>(n);
  const spreadRaw = new Array<number>(n);
  const leastRaw = new Array<number>(n);
  const owner = controllerUid(pod);
  const want = podNonZeroRequests(pod);
  const preferred: { weight: number; preference: NodeSelectorTerm }[] = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  let preferTolerations: Toleration[] | undefined;
  for (let i = 0; i < n; i++) {
    const info = infos[i]!;
    const taints = info.node.spec?.taints;
    if (taints?.length) {
      preferTolerations ??= (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
      let count = 0;
      for (const t of taints) if (t.effect === 'PreferNoSchedule' && !tolerationsTolerate(preferTolerations, t)) count++;
      taintRaw[i] = count;
    } else taintRaw[i] = 0;
    let sum = 0;
    for (const p of preferred) if (matchesNodeSelectorTerms(info.node, [p.preference])) sum += p.weight;
    affinityRaw[i] = sum;
    spreadRaw[i] = owner ? info.ownerCounts.get(owner) ?? 0 : 0;
    leastRaw[i] = leastAllocatedScore(want, info);
  }
  const taint = defaultNormalize(taintRaw, true);
  const affinity = defaultNormalize(affinityRaw, false);
  const spread = defaultNormalize(spreadRaw, true);
  const totals = new Array<NodeScore>(n);
  for (let i = 0; i < n; i++) {
    const score = taint[i]! * taintTolerationScore.weight + affinity[i]! * nodeAffinityScore.weight + spread[i]! * ownerSpread.weight + leastRaw[i]! * leastAllocated.weight;
    totals[i] = { name: infos[i]!.node.metadata.name ?? '', score };
  }
  return totals;
}

// Scratch space for selectBestHost, grown as needed and reused by every cycle.
let taintScratch = new Float64Array(1024);
let affinityScratch = new Float64Array(1024);
let spreadScratch = new Float64Array(1024);
let leastScratch = new Float64Array(1024);

/** DefaultNormalize of one score given the maximum raw score among the nodes. */
function normalizeOne(raw: number, max: number, reverse: boolean): number {
  if (max === 0) return reverse ? MAX_NODE_SCORE : raw;
  const v = Math.floor((MAX_NODE_SCORE * raw) / max);
  return reverse ? MAX_NODE_SCORE - v : v;
}

/**
 * selectHost(scoreNodes(pod, infos)) with the default plugins, without building a score list: a
 * scheduling cycle needs only the winner. The same raw scores, normalization, weights and
 * tie-break as scoreNodes, so the same node.
 */
export function selectBestHost(pod: Pod, infos: NodeInfo[]): string | undefined {
  const n = infos.length;
  if (n === 0) return undefined;
  if (taintScratch.length < n) {
    const size = Math.max(n, taintScratch.length * 2);
    taintScratch = new Float64Array(size);
    affinityScratch = new Float64Array(size);
    spreadScratch = new Float64Array(size);
    leastScratch = new Float64Array(size);
  }
  const taintRaw = taintScratch;
  const affinityRaw = affinityScratch;
  const spreadRaw = spreadScratch;
  const leastRaw = leastScratch;
  const uid = controllerUid(pod);
  const owner = uid ? ownerId(uid) : 0;
  const want = podNonZeroRequests(pod);
  const preferred: { weight: number; preference: NodeSelectorTerm }[] = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  let preferTolerations: Toleration[] | undefined;
  let maxTaint = 0;
  let maxAffinity = 0;
  let maxSpread = 0;
  for (let i = 0; i < n; i++) {
    const info = infos[i]!;
    let taint = 0;
    const taints = info.preferNoSchedule;
    if (taints.length) {
      preferTolerations ??= (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
      for (const t of taints) if (!tolerationsTolerate(preferTolerations, t)) taint++;
    }
    let affinity = 0;
    if (preferred.length) for (const p of preferred) if (matchesNodeSelectorTerms(info.node, [p.preference])) affinity += p.weight;
    const spread = owner ? info.ownerIdCounts.get(owner) ?? 0 : 0;
    taintRaw[i] = taint;
    affinityRaw[i] = affinity;
    spreadRaw[i] = spread;
    leastRaw[i] = leastAllocatedScore(want, info);
    if (taint > maxTaint) maxTaint = taint;
    if (affinity > maxAffinity) maxAffinity = affinity;
    if (spread > maxSpread) maxSpread = spread;
  }
  let bestName: string | undefined;
  let bestScore = -Infinity;
  for (let i = 0; i < n; i++) {
    const score =
      normalizeOne(taintRaw[i]!, maxTaint, true) * taintTolerationScore.weight +
      normalizeOne(affinityRaw[i]!, maxAffinity, false) * nodeAffinityScore.weight +
      normalizeOne(spreadRaw[i]!, maxSpread, true) * ownerSpread.weight +
      leastRaw[i]! * leastAllocated.weight;
    const name = infos[i]!.name;
    if (bestName === undefined || score > bestScore || (score === bestScore && name < bestName)) {
      bestName = name;
      bestScore = score;
    }
  }
  return bestName;
}

/** The highest total; among equals the lowest name. */
export function selectHost(scores: NodeScore[]): string | undefined {
  let best: NodeScore | undefined;
  for (const s of scores) if (!best || s.score > best.score || (s.score === best.score && s.name < best.name)) best = s;
  return best?.name;
}
