/**
 * One scheduling cycle as a pure function: filter every node, score the feasible ones, pick the
 * best; or, when none fits, build kube-scheduler's FitError message, e.g.
 *   0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: },
 *   2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available:
 *   3 Preemption is not helpful for scheduling.
 * kemu does not preempt: the "preemption:" part reports what DefaultPreemption reports when it
 * finds no victims, which is what happens in clusters without PriorityClasses.
 */
import type { Pod } from '../../api/types.js';
import { podFilterState, runDefaultFilters, type FilterFailure } from './filters.js';
import type { NodeInfo } from './nodeinfo.js';
import { selectBestHost } from './scores.js';

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
const NO_VICTIMS = 'No preemption victims found for incoming pod';

export type ScheduleResult = { node: string } | { node?: undefined; message: string; failures: Map<string, FilterFailure> };

/** "<count> <reason>" entries, sorted as Go's sort.Strings sorts them (bytewise, so "10 x" < "2 x"). */
function histogram(reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const entries = [...counts].map(([r, n]) => `${n} ${r}`);
  entries.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.join(', ');
}

export function fitErrorMessage(pod: Pod, numNodes: number, failures: Map<string, FilterFailure>): string {
  const all = [...failures.values()];
  let msg = `0/${numNodes} nodes are available: ${histogram(all.flatMap((f) => f.reasons))}.`;
  if (pod.spec.preemptionPolicy === 'Never') {
    msg += ' preemption: not eligible due to preemptionPolicy=Never.';
  } else {
    const post = histogram(all.map((f) => (f.unresolvable ? PREEMPTION_NOT_HELPFUL : NO_VICTIMS)));
    msg += ` preemption: 0/${failures.size} nodes are available: ${post}.`;
  }
  return msg;
}

/**
 * kube-scheduler's adaptive percentageOfNodesToScore: in big clusters it stops filtering once it
 * has found enough feasible nodes (50% − nodes/125, at least 5% and at least 100 nodes).
 */
export function numFeasibleNodesToFind(numAllNodes: number): number {
  const MIN_NODES = 100;
  if (numAllNodes < MIN_NODES) return numAllNodes;
  const percentage = Math.max(5, 50 - Math.floor(numAllNodes / 125));
  return Math.max(MIN_NODES, Math.floor((numAllNodes * percentage) / 100));
}

/**
 * One scheduling cycle. Nodes are visited from `start` round-robin (kube-scheduler's
 * nextStartNodeIndex), so successive pods do not always test the same first nodes; `processed`
 * tells the caller how far this cycle got.
 */
export function schedulePod(pod: Pod, infos: NodeInfo[], start = 0): ScheduleResult & { processed?: number } {
  if (infos.length === 0) return { message: NO_NODES_AVAILABLE, failures: new Map() };
  const feasible: NodeInfo[] = [];
  const failures = new Map<string, FilterFailure>();
  const wanted = numFeasibleNodesToFind(infos.length);
  const state = podFilterState(pod); // PreFilter: what the filters need from the pod, once
  let processed = 0;
  for (; processed < infos.length && feasible.length < wanted; processed++) {
    const info = infos[(start + processed) % infos.length]!;
    const failure = runDefaultFilters(state, info);
    if (failure) failures.set(info.node.metadata.name ?? '', failure);
    else feasible.push(info);
  }
  if (feasible.length === 0) return { message: fitErrorMessage(pod, infos.length, failures), failures };
  // A single feasible node needs no scoring (kube-scheduler skips it too).
  if (feasible.length === 1) return { node: feasible[0]!.node.metadata.name ?? '', processed };
  return { node: selectBestHost(pod, feasible)!, processed };
}
