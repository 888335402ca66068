/**
 * Node health, decided as kube-controller-manager's tryUpdateNodeHealth does, as a pure function.
 * The controller keeps a probe timestamp per node on ITS OWN clock, refreshed whenever it sees the
 * kubelet's Lease renewTime move forward or the Ready condition's lastHeartbeatTime change. Once
 * now > probe + grace period (nodeMonitorGracePeriod; nodeStartupGracePeriod for a node that never
 * posted Ready) the Ready, MemoryPressure, DiskPressure and PIDPressure conditions become Unknown.
 * Using its own clock (not the kubelet's timestamps) keeps skewed node clocks harmless.
 */
import type { Condition, Lease, Node } from '../../api/types.js';
import { rfc3339 } from '../../util/time.js';

export interface NodeHealth {
  /** The Ready condition last seen (copy). */
  ready: Condition | undefined;
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  /** Lease renewTime last seen, in ms. */
  leaseRenewMs: number | undefined;
}

export interface HealthTiming {
  gracePeriodMs: number;
  startupGracePeriodMs: number;
}

export interface HealthDecision {
  health: NodeHealth;
  /** The Ready condition as the node carried it before this decision (a synthetic Unknown if none). */
  observedReady: Condition;
  /** The Ready condition after this decision; undefined when the node never had one and is in grace. */
  currentReady: Condition | undefined;
  /** New status.conditions to write, when the decision changed them. */
  conditions?: Condition[];
}

/** The conditions the controller owns once a kubelet goes silent (NetworkUnavailable is left alone). */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export function getCondition(node: Node, type: string): Condition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

export function assessNodeHealth(prev: NodeHealth | undefined, node: Node, lease: Lease | undefined, now: number, timing: HealthTiming): HealthDecision {
  const current = getCondition(node, 'Ready');
  const created = Date.parse(node.metadata.creationTimestamp ?? '') || now;
  let observedReady: Condition;
  let grace: number;
  let health: NodeHealth | undefined = prev && { ...prev };
  if (!current) {
    // Never posted status: judge against the node's creation, with the longer startup grace.
    const t = node.metadata.creationTimestamp ?? rfc3339(now);
    observedReady = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: t, lastTransitionTime: t };
    grace = timing.startupGracePeriodMs;
    health = health
      ? { ...health, ready: undefined }
      : { ready: undefined, probeTimestamp: created, readyTransitionTimestamp: created, leaseRenewMs: undefined };
  } else {
    observedReady = { ...current };
    grace = timing.gracePeriodMs;
  }
  const saved = health?.ready;
  if (!health) {
    health = { ready: current && { ...current }, probeTimestamp: now, readyTransitionTimestamp: now, leaseRenewMs: undefined };
  } else if (current && (!saved || saved.lastHeartbeatTime !== current.lastHeartbeatTime)) {
    const transitioned = !saved || saved.lastTransitionTime !== current.lastTransitionTime;
    health = {
      ...health,
      ready: { ...current },
      probeTimestamp: now,
      readyTransitionTimestamp: transitioned ? now : health.readyTransitionTimestamp,
    };
  }
  // A renewed Lease is a heartbeat, whatever the Node object says.
  const renew = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : NaN;
  if (!Number.isNaN(renew) && (health.leaseRenewMs === undefined || health.leaseRenewMs < renew)) {
    health = { ...health, leaseRenewMs: renew, probeTimestamp: now };
  }

  if (now <= health.probeTimestamp + grace) return { health, observedReady, currentReady: current };

  const stamp = rfc3339(now);
  const conditions = (node.status?.conditions ?? []).map((c) => ({ ...c }));
  for (const type of MONITORED_CONDITIONS) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      conditions.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata.creationTimestamp ?? stamp,
        lastTransitionTime: stamp,
      });
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = stamp;
    }
  }
  const currentReady = conditions.find((c) => c.type === 'Ready');
  if (sameCondition(currentReady, current)) return { health, observedReady, currentReady: current };
  // Written: remember the new Ready condition so the next pass does not count it as a heartbeat.
  return {
    health: { ...health, ready: currentReady && { ...currentReady }, readyTransitionTimestamp: now },
    observedReady,
    currentReady,
    conditions,
  };
}

function sameCondition(a: Condition | undefined, b: Condition | undefined): boolean {
  if (!a || !b) return a === b;
  return a.status === b.status && a.reason === b.reason && a.message === b.message && a.lastTransitionTime === b.lastTransitionTime;
}
