/**
 * kube-proxy's CategorizeEndpoints: which endpoints a service port uses on this node. Cluster policy
 * uses every Ready endpoint; Local policy (internalTrafficPolicy or externalTrafficPolicy) only this
 * node's. When none are Ready, serving-and-terminating endpoints are used instead (KEP-1669,
 * ProxyTerminatingEndpoints), separately for the Cluster and the Local lists, so connections drain
 * during a rollout instead of being refused.
 *
 * Topology-aware hints are ignored: kemu's nodes carry no zone labels by default, and with hints off
 * kube-proxy behaves exactly like this (canUseTopology false).
 */
import { type EndpointInfo, type ServicePortInfo, usesClusterEndpoints, usesLocalEndpoints } from './types.js';

export interface CategorizedEndpoints {
  /** Endpoints for Cluster traffic policy; empty if the port never uses Cluster policy. */
  clusterEndpoints: readonly EndpointInfo[];
  /** Endpoints for Local traffic policy; empty if the port never uses Local policy. */
  localEndpoints: readonly EndpointInfo[];
  /** Union of the two: every endpoint a KUBE-SEP chain is needed for, sorted by endpoint. */
  allReachableEndpoints: readonly EndpointInfo[];
  /** Some endpoint anywhere in the cluster can serve (decides REJECT vs DROP). */
  hasAnyEndpoints: boolean;
}

const servingTerminating = (e: EndpointInfo): boolean => e.serving && e.terminating;

export function categorizeEndpoints(endpoints: readonly EndpointInfo[], svc: ServicePortInfo): CategorizedEndpoints {
  let clusterEndpoints: readonly EndpointInfo[] = [];
  let localEndpoints: readonly EndpointInfo[] = [];
  let hasAnyEndpoints = false;
  if (usesClusterEndpoints(svc)) {
    clusterEndpoints = endpoints.filter((e) => e.ready);
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter(servingTerminating);
    hasAnyEndpoints = clusterEndpoints.length > 0;
  }
  if (!usesLocalEndpoints(svc)) return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints };

  let localReady = false;
  let localServingTerminating = false;
  for (const e of endpoints) {
    if (e.ready) {
      hasAnyEndpoints = true;
      if (e.isLocal) localReady = true;
    } else if (servingTerminating(e)) {
      hasAnyEndpoints = true;
      if (e.isLocal) localServingTerminating = true;
    }
  }
  if (localReady) localEndpoints = endpoints.filter((e) => e.isLocal && e.ready);
  else if (localServingTerminating) localEndpoints = endpoints.filter((e) => e.isLocal && servingTerminating(e));

  if (!usesClusterEndpoints(svc)) return { clusterEndpoints, localEndpoints, allReachableEndpoints: localEndpoints, hasAnyEndpoints };
  // Ready local endpoints are all among the Cluster ones already; terminating local ones may not be.
  if (!localServingTerminating || localReady) return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints };
  const union = new Map<string, EndpointInfo>();
  for (const e of [...clusterEndpoints, ...localEndpoints]) union.set(e.endpoint, e);
  const allReachableEndpoints = [...union.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
  return { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints };
}
