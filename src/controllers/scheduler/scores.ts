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
import type { Pod } from '../../api/types.js';
import { matchesNodeSelectorTerms, tolerationsTolerate, type NodeSelectorTerm } from './filters.js';
import { controllerUid, podNonZeroRequests, type NodeInfo } from './nodeinfo.js';

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
  const max = Math.max(0, ...scores);
  if (max === 0) return scores.map((s) => (reverse ? MAX_NODE_SCORE : s));
  return scores.map((s) => {
    const v = Math.floor((MAX_NODE_SCORE * s) / max);
    return reverse ? MAX_NODE_SCORE - v : v;
  });
}

/** (allocatable - requested) * 100 / allocatable per resource, averaged over cpu and memory. */
export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesLeastAllocated',
  weight: 1,
  score(pod, info) {
    const want = podNonZeroRequests(pod);
    let total = 0;
    for (const r of ['cpu', 'memory'] as const) {
      const alloc = info.allocatable[r] ?? 0;
      const req = info.nonZeroRequested[r] + want[r];
      total += alloc === 0 || req > alloc ? 0 : Math.floor(((alloc - req) * MAX_NODE_SCORE) / alloc);
    }
    return Math.floor(total / 2);
  },
};

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
  const totals = infos.map((i) => ({ name: i.node.metadata.name ?? '', score: 0 }));
  for (const p of plugins) {
    const raw = infos.map((i) => p.score(pod, i));
    const normalized = p.normalize ? p.normalize(raw) : raw;
    normalized.forEach((s, idx) => (totals[idx]!.score += s * p.weight));
  }
  return totals;
}

/** The highest total; among equals the lowest name. */
export function selectHost(scores: NodeScore[]): string | undefined {
  let best: NodeScore | undefined;
  for (const s of scores) if (!best || s.score > best.score || (s.score === best.score && s.name < best.name)) best = s;
  return best?.name;
}
