/**
 * The pure half of kube-proxy's service health checks (pkg/proxy/healthcheck/service_health.go):
 * which Services have a healthCheckNodePort (LoadBalancer with externalTrafficPolicy: Local), how
 * many ready endpoints each has on this node, and the HTTP answer a load balancer's probe gets —
 * 200 with local endpoints, 503 without (or when the proxy itself is unhealthy), and kube-proxy's
 * JSON body byte for byte (Go's dedented template: tab indentation, no trailing newline).
 */
import type { SyncedChanges } from '../tracking-proxier.js';
import { type EndpointsMap, type ServicePortMap, serviceKey } from '../types.js';

export interface ServiceHealth {
  namespace: string;
  name: string;
  /** spec.healthCheckNodePort. */
  port: number;
  /** Ready endpoints of the Service on this node (LocalReadyEndpoints). */
  localEndpoints: number;
}

/** Health-check state of some Services: present ones, and those that no longer have a port. */
export interface HealthCheckUpdate {
  /** By "namespace/name". */
  services: Map<string, ServiceHealth>;
  /** "namespace/name" of Services looked at that need no health check (any more). */
  removed: Set<string>;
}

/** Whoever serves the checks (ServiceHealthServer); fed after every proxier sync (healthCheckAfterSync). */
export interface HealthCheckSink {
  update(update: HealthCheckUpdate): void;
}

/**
 * The health-check state from the proxy's maps: of every service port (full), or of the Services
 * of `portKeys` only (a partial sync: O(change)). A Service's count is its largest over its ports.
 */
export function healthCheckOf(services: ServicePortMap, endpoints: EndpointsMap, portKeys?: Iterable<string>): HealthCheckUpdate {
  const out: HealthCheckUpdate = { services: new Map(), removed: new Set() };
  const seen = new Set<string>();
  for (const key of portKeys ?? services.keys()) {
    const info = services.get(key);
    if (info === undefined) {
      seen.add(key.slice(0, key.lastIndexOf('/')).replace(/:[^/]*$/, ''));
      continue;
    }
    const nsn = serviceKey(info.name);
    seen.add(nsn);
    if (info.healthCheckNodePort === 0) continue;
    let local = 0;
    for (const e of endpoints.get(key) ?? []) if (e.isLocal && e.ready) local++;
    const old = out.services.get(nsn);
    if (old === undefined || local > old.localEndpoints) {
      out.services.set(nsn, { namespace: info.name.namespace, name: info.name.name, port: info.healthCheckNodePort, localEndpoints: local });
    }
  }
  for (const nsn of seen) if (!out.services.has(nsn)) out.removed.add(nsn);
  return out;
}

/**
 * The update after a sync, in any mode (TrackingProxier.onSynced): every port of each Service that
 * changed, not only its changed ports, since a Service's local endpoint count is over all of them.
 */
export function healthCheckAfterSync(c: SyncedChanges): HealthCheckUpdate {
  const ports = [...c.changedPorts];
  if (c.updatedServices.size > 0) {
    for (const [key, info] of c.serviceMap) if (c.updatedServices.has(serviceKey(info.name))) ports.push(key);
  }
  return healthCheckOf(c.serviceMap, c.endpointsMap, ports);
}

export interface HealthResponse {
  status: 200 | 503;
  headers: Record<string, string>;
  body: string;
}

/** hcHandler.ServeHTTP: the answer for a Service with `count` local endpoints. */
export function healthResponse(namespace: string, name: string, count: number, proxyHealthy = true): HealthResponse {
  const body = [
    '{',
    '\t"service": {',
    `\t\t"namespace": ${JSON.stringify(namespace)},`,
    `\t\t"name": ${JSON.stringify(name)}`,
    '\t},',
    `\t"localEndpoints": ${count},`,
    `\t"serviceProxyHealthy": ${proxyHealthy}`,
    '}',
  ].join('\n');
  return {
    status: count !== 0 && proxyHealthy ? 200 : 503,
    headers: { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' },
    body,
  };
}
