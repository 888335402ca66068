/**
 * kube-proxy's ServiceChangeTracker and ServicePortMap.Update: informer events on Services are
 * accumulated as one change per Service (previous = state at the last apply, current = latest), so a
 * burst of updates costs one rule rewrite and an update that returns to the applied state cancels
 * out. apply() folds the pending changes into the map and says which services and ports changed —
 * the iptables proxier rewrites only those services' chains in a partial sync.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Service } from '../../api/types.js';
import {
  type Protocol, type ServicePortInfo, type ServicePortMap, type ServicePortName, serviceKey, servicePortKey,
} from '../types.js';
import { isIPv4, normaliseCidr } from '../ip.js';

/** Services with this label belong to another proxy (kube-proxy's informer excludes them by selector). */
export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
const ANNOTATION_TOPOLOGY_HINTS = 'service.kubernetes.io/topology-aware-hints';
const ANNOTATION_TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
/** The apiserver's default for sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_STICKY_SECONDS = 10800;

interface ServiceChange {
  previous: ServicePortMap;
  current: ServicePortMap;
}

export interface UpdateServiceMapResult {
  /** The full, updated map (the same object on every apply). */
  serviceMap: ServicePortMap;
  /** "namespace/name" of every Service whose ports changed: their chains are rewritten. */
  updatedServices: Set<string>;
  /** servicePortKey of every port added, removed or changed. */
  changedPorts: Set<string>;
  /** ClusterIPs of removed UDP ports (kube-proxy flushes their conntrack entries). */
  deletedUDPClusterIPs: Set<string>;
}

export class ServiceChangeTracker {
  private readonly items = new Map<string, ServiceChange>();
  private readonly serviceMap: ServicePortMap = new Map();

  /** Records an add (previous undefined), update or delete (current undefined). True if changes are pending. */
  update(previous: Service | undefined, current: Service | undefined): boolean {
    const svc = current ?? previous;
    if (svc === undefined) return false;
    const key = serviceKey({ namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '' });
    let change = this.items.get(key);
    if (change === undefined) {
      change = { previous: serviceToServiceMap(previous), current: new Map() };
      this.items.set(key, change);
    }
    change.current = serviceToServiceMap(current);
    // A burst that ends where it started is no change at all.
    if (isDeepStrictEqual(change.previous, change.current)) this.items.delete(key);
    return this.items.size > 0;
  }

  pending(): number {
    return this.items.size;
  }

  /** ServicePortMap.Update: applies and forgets the pending changes. */
  apply(): UpdateServiceMapResult {
    const result: UpdateServiceMapResult = {
      serviceMap: this.serviceMap, updatedServices: new Set(), changedPorts: new Set(), deletedUDPClusterIPs: new Set(),
    };
    for (const [key, change] of this.items) {
      result.updatedServices.add(key);
      for (const [k, info] of change.current) {
        if (!isDeepStrictEqual(change.previous.get(k), info)) result.changedPorts.add(k);
        this.serviceMap.set(k, info);
      }
      for (const [k, info] of change.previous) {
        if (change.current.has(k)) continue;
        result.changedPorts.add(k);
        this.serviceMap.delete(k);
        if (info.protocol === 'UDP') result.deletedUDPClusterIPs.add(info.clusterIP);
      }
    }
    this.items.clear();
    return result;
  }
}

/** proxyutil.ShouldSkipService plus the informer's label selector. */
export function shouldSkipService(svc: Service): boolean {
  const type = svc.spec.type ?? 'ClusterIP';
  if (type === 'ExternalName') return true;
  const ip = svc.spec.clusterIP;
  if (ip === undefined || ip === '' || ip === 'None') return true;
  return (svc.metadata.labels?.[LABEL_SERVICE_PROXY_NAME] ?? '') !== '';
}

/** serviceToServiceMap: the proxy's view of one Service's IPv4 ports; empty when not proxied. */
export function serviceToServiceMap(svc: Service | undefined): ServicePortMap {
  const out: ServicePortMap = new Map();
  if (svc === undefined || shouldSkipService(svc)) return out;
  const clusterIP = clusterIPv4(svc);
  if (clusterIP === undefined) return out;
  for (const port of svc.spec.ports ?? []) {
    const name: ServicePortName = {
      namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '', port: port.name ?? '', protocol: port.protocol ?? 'TCP',
    };
    out.set(servicePortKey(name), servicePortInfo(svc, clusterIP, name, port.port, port.nodePort ?? 0));
  }
  return out;
}

function clusterIPv4(svc: Service): string | undefined {
  const ips = svc.spec.clusterIPs && svc.spec.clusterIPs.length > 0 ? svc.spec.clusterIPs : [svc.spec.clusterIP ?? ''];
  return ips.find(isIPv4);
}

/** apiservice.ExternallyAccessible: the Service type lets traffic in from outside. */
function typeExternallyAccessible(svc: Service): boolean {
  const type = svc.spec.type ?? 'ClusterIP';
  return type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && (svc.spec.externalIPs?.length ?? 0) > 0);
}

/** newBaseServiceInfo. */
function servicePortInfo(svc: Service, clusterIP: string, name: ServicePortName, port: number, nodePort: number): ServicePortInfo {
  const externalPolicyLocal = typeExternallyAccessible(svc) && svc.spec.externalTrafficPolicy === 'Local';
  const affinity = svc.spec.sessionAffinity === 'ClientIP' ? 'ClientIP' : 'None';
  const ranges = (svc.spec.loadBalancerSourceRanges as string[] | undefined) ?? [];
  const ingress = (svc.status?.loadBalancer?.ingress ?? []) as Array<{ ip?: string; ipMode?: string }>;
  const annotations = svc.metadata.annotations ?? {};
  return {
    name,
    clusterIP,
    port,
    protocol: name.protocol as Protocol,
    nodePort,
    externalIPs: (svc.spec.externalIPs ?? []).filter(isIPv4),
    // Proxy-mode load balancers deliver to the node themselves; only VIP-mode IPs get rules.
    loadBalancerVIPs: ingress.filter((i) => i.ip && isIPv4(i.ip) && (i.ipMode ?? 'VIP') === 'VIP').map((i) => i.ip!),
    // Validation lets whitespace through; kube-proxy trims it.
    loadBalancerSourceRanges: ranges.map((r) => normaliseCidr(r.trim())).filter((r): r is string => r !== undefined),
    sessionAffinity: affinity,
    stickyMaxAgeSeconds: affinity === 'ClientIP' ? (svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_STICKY_SECONDS) : 0,
    externalPolicyLocal,
    internalPolicyLocal: svc.spec.internalTrafficPolicy === 'Local',
    healthCheckNodePort: (svc.spec.type === 'LoadBalancer' && externalPolicyLocal ? svc.spec.healthCheckNodePort : 0) ?? 0,
    hintsAnnotation: annotations[ANNOTATION_TOPOLOGY_HINTS] ?? annotations[ANNOTATION_TOPOLOGY_MODE] ?? '',
  };
}
