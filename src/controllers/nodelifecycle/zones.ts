/**
 * Zone disruption rules of the node lifecycle controller, pure. Each zone (the
 * topology.kubernetes.io/zone label, '' without one) is Normal, PartialDisruption (more than 2
 * not-Ready nodes and at least --unhealthy-zone-threshold of them) or FullDisruption (no Ready
 * node). The zone's eviction rate follows its state: --node-eviction-rate when Normal or fully
 * disrupted, --secondary-node-eviction-rate when partially disrupted and larger than
 * --large-cluster-size-threshold, 0 for a small partially disrupted zone. When EVERY zone is fully
 * disrupted the control plane, not the nodes, is the likelier culprit ("master disruption mode"):
 * all evictions stop and the NoExecute taints are lifted.
 */
import type { Condition, Node } from '../../api/types.js';

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

export interface DisruptionConfig {
  /** --node-eviction-rate, nodes per second (default 0.1). */
  evictionRate: number;
  /** --secondary-node-eviction-rate (default 0.01). */
  secondaryEvictionRate: number;
  /** --unhealthy-zone-threshold (default 0.55). */
  unhealthyZoneThreshold: number;
  /** --large-cluster-size-threshold (default 50). */
  largeClusterThreshold: number;
}

export const DEFAULT_DISRUPTION: DisruptionConfig = {
  evictionRate: 0.1,
  secondaryEvictionRate: 0.01,
  unhealthyZoneThreshold: 0.55,
  largeClusterThreshold: 50,
};

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
const LEGACY_ZONE_LABEL = 'failure-domain.beta.kubernetes.io/zone';
/** Nodes with this label are left out of zone health (Kubernetes' exclude-disruption label). */
export const EXCLUDE_DISRUPTION_LABEL = 'node.kubernetes.io/exclude-disruption';

export function zoneOf(node: Node): string {
  const l = node.metadata.labels ?? {};
  return l[ZONE_LABEL] ?? l[LEGACY_ZONE_LABEL] ?? '';
}

export function computeZoneState(ready: (Condition | undefined)[], threshold: number): { unhealthy: number; state: ZoneState } {
  let readyNodes = 0;
  let notReady = 0;
  for (const c of ready) {
    if (c?.status === 'True') readyNodes++;
    else notReady++;
  }
  if (readyNodes === 0 && notReady > 0) return { unhealthy: notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / (notReady + readyNodes) >= threshold) return { unhealthy: notReady, state: 'PartialDisruption' };
  return { unhealthy: notReady, state: 'Normal' };
}

/** The tainting rate (nodes/s) a zone of `size` nodes in `state` gets. */
export function zoneEvictionRate(state: ZoneState, size: number, cfg: DisruptionConfig): number {
  if (state === 'PartialDisruption') return size > cfg.largeClusterThreshold ? cfg.secondaryEvictionRate : 0;
  return cfg.evictionRate;
}

export interface DisruptionPlan {
  /** Zone states to keep for the next pass. */
  states: Map<string, ZoneState>;
  /** New rate per zone whose limiter must change. */
  rates: Map<string, number>;
  /** 'enter': lift every NoExecute taint; 'exit': reset every node's probe timestamp to now. */
  mode?: 'enter' | 'exit';
}

/**
 * handleDisruption: from the previous zone states and this pass's Ready conditions per zone, the
 * next states and the limiter changes.
 */
export function planDisruption(prev: ReadonlyMap<string, ZoneState>, zones: ReadonlyMap<string, (Condition | undefined)[]>, cfg: DisruptionConfig): DisruptionPlan {
  const states = new Map(prev);
  const next = new Map<string, ZoneState>();
  let allAre = true;
  for (const [zone, conds] of zones) {
    const { state } = computeZoneState(conds, cfg.unhealthyZoneThreshold);
    if (state !== 'FullDisruption') allAre = false;
    next.set(zone, state);
    if (!states.has(zone)) states.set(zone, 'Initial');
  }
  for (const zone of [...states.keys()]) if (!zones.has(zone)) states.delete(zone); // a zone without nodes is forgotten
  const allWere = [...states.values()].every((s) => s === 'FullDisruption');
  const rates = new Map<string, number>();
  if (allAre && allWere) return { states, rates };
  if (allAre) {
    for (const zone of states.keys()) {
      rates.set(zone, 0);
      states.set(zone, 'FullDisruption');
    }
    return { states, rates, mode: 'enter' };
  }
  if (allWere) {
    for (const zone of states.keys()) {
      const s = next.get(zone) ?? 'Normal';
      rates.set(zone, zoneEvictionRate(s, zones.get(zone)?.length ?? 0, cfg));
      states.set(zone, s);
    }
    return { states, rates, mode: 'exit' };
  }
  for (const [zone, old] of states) {
    const s = next.get(zone);
    if (s === undefined || s === old) continue;
    rates.set(zone, zoneEvictionRate(s, zones.get(zone)?.length ?? 0, cfg));
    states.set(zone, s);
  }
  return { states, rates };
}
