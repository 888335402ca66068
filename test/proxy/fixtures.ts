/** Service and EndpointSlice builders for the proxy tests, and the cluster the golden file describes. */
import type { Endpoint, EndpointSlice, Service } from '../../src/api/types.js';
import { EndpointsChangeTracker } from '../../src/proxy/tracker/endpoints.js';
import { ServiceChangeTracker } from '../../src/proxy/tracker/service.js';
import type { EndpointsMap, ServicePortMap } from '../../src/proxy/types.js';
import type { IptablesConfig } from '../../src/proxy/iptables/rules.js';
import type { Provider } from '../../src/proxy/provider.js';
import type { FakeClock } from '../../src/util/clock.js';

let rv = 1;

export function service(ns: string, name: string, spec: Partial<Service['spec']>, status?: Service['status']): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { namespace: ns, name, uid: `uid-${ns}-${name}`, resourceVersion: String(rv++) },
    spec: { type: 'ClusterIP', sessionAffinity: 'None', ...spec },
    ...(status ? { status } : {}),
  };
}

export interface EpSpec {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export const ep = (ip: string, node?: string, conditions: Omit<EpSpec, 'ip' | 'node'> = {}): EpSpec => ({ ip, node, ...conditions });

export function slice(
  ns: string, svc: string, name: string, endpoints: EpSpec[], ports: Array<{ name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }>,
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svc }, resourceVersion: String(rv++) },
    endpoints: endpoints.map((e): Endpoint => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      ...(e.node ? { nodeName: e.node } : {}),
    })),
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

/** A new version of a slice (as an update through the API would make it). */
export function withEndpoints(s: EndpointSlice, endpoints: EpSpec[]): EndpointSlice {
  const fresh = slice(s.metadata.namespace!, s.metadata.labels!['kubernetes.io/service-name']!, s.metadata.name!, endpoints, []);
  return { ...s, metadata: { ...s.metadata, resourceVersion: String(rv++) }, endpoints: fresh.endpoints };
}

export const NODE = 'worker-1';
export const NODE_IP = '172.18.0.11';
export const CONFIG: IptablesConfig = { nodeName: NODE, nodeIPs: [NODE_IP], clusterCIDR: '10.244.0.0/16' };

/** The cluster of golden/node-worker-1.rules, seen from worker-1. */
export function goldenCluster(): { services: Service[]; slices: EndpointSlice[] } {
  const http = (port: number, nodePort?: number) => [{ name: 'http', port, protocol: 'TCP' as const, ...(nodePort ? { nodePort } : {}) }];
  return {
    services: [
      service('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
      service('kube-system', 'kube-dns', {
        clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }],
      }),
      service('default', 'web', {
        type: 'NodePort', clusterIP: '10.96.100.100', ports: http(80, 30080), externalIPs: ['172.18.0.100'],
        sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      }),
      service('default', 'empty', { type: 'NodePort', clusterIP: '10.96.0.99', ports: http(80, 30099) }),
      service('default', 'local', { type: 'NodePort', clusterIP: '10.96.0.50', externalTrafficPolicy: 'Local', ports: [{ port: 80, nodePort: 30081 }] }),
      service('default', 'drain', { clusterIP: '10.96.0.60', ports: http(80) }),
      service('default', 'itl', { clusterIP: '10.96.0.70', internalTrafficPolicy: 'Local', ports: http(80) }),
      service('default', 'lb', {
        type: 'LoadBalancer', clusterIP: '10.96.0.80', ports: http(80, 30082), loadBalancerSourceRanges: [' 203.0.113.0/25', '172.18.0.0/24'],
      }, { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } }),
      service('default', 'external-name', { type: 'ExternalName', externalName: 'example.com' }),
      service('default', 'headless', { clusterIP: 'None', ports: http(80) }),
    ],
    slices: [
      slice('default', 'kubernetes', 'kubernetes', [ep('172.18.0.10')], [{ name: 'https', port: 6443 }]),
      slice('kube-system', 'kube-dns', 'kube-dns-abc', [ep('10.244.2.2', 'worker-2'), ep('10.244.1.2', NODE)],
        [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }]),
      slice('default', 'web', 'web-1', [ep('10.244.1.5', NODE), ep('10.244.3.7', 'worker-3')], [{ name: 'http', port: 8080 }]),
      slice('default', 'web', 'web-2', [ep('10.244.2.6', 'worker-2')], [{ name: 'http', port: 8080 }]),
      slice('default', 'local', 'local-1', [ep('10.244.1.8', NODE), ep('10.244.2.9', 'worker-2')], [{ port: 80 }]),
      slice('default', 'drain', 'drain-1', [
        ep('10.244.2.10', 'worker-2', { ready: false, serving: true, terminating: true }),
        ep('10.244.2.11', 'worker-2', { ready: false, serving: false, terminating: true }),
      ], [{ name: 'http', port: 80 }]),
      slice('default', 'itl', 'itl-1', [ep('10.244.2.12', 'worker-2')], [{ name: 'http', port: 80 }]),
      slice('default', 'lb', 'lb-1', [ep('10.244.3.13', 'worker-3')], [{ name: 'http', port: 80 }]),
    ],
  };
}

/** goldenCluster() and `extra` Services more in namespace bulk: svc-I on 10.97.x.y:80, one endpoint each (10.245.x.y:8080 on worker-2). */
export function goldenClusterAndBulk(extra: number): { services: Service[]; slices: EndpointSlice[] } {
  const { services, slices } = goldenCluster();
  for (let i = 0; i < extra; i++) {
    services.push(service('bulk', `svc-${i}`, { clusterIP: `10.97.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
    slices.push(slice('bulk', `svc-${i}`, `svc-${i}-a`, [ep(`10.245.${i >> 8}.${i & 255}`, 'worker-2')], [{ name: 'http', port: 8080 }]));
  }
  return { services, slices };
}

/** Starts `proxier`, hands it the initial lists as its informers do at start, and lets the first sync run. */
export function syncInitialLists(proxier: Provider, clock: FakeClock, services: readonly Service[], slices: readonly EndpointSlice[]): void {
  proxier.start();
  for (const s of services) proxier.onServiceAdd(s);
  for (const s of slices) proxier.onEndpointSliceAdd(s);
  proxier.onServicesSynced();
  proxier.onEndpointSlicesSynced();
  clock.advance(0);
}

/** Runs objects through fresh trackers: the maps a proxier on `node` would sync from. */
export function mapsFor(services: Service[], slices: EndpointSlice[], node = NODE): { services: ServicePortMap; endpoints: EndpointsMap } {
  const st = new ServiceChangeTracker();
  const et = new EndpointsChangeTracker(node);
  for (const s of services) st.update(undefined, s);
  for (const s of slices) et.endpointSliceUpdate(s, false);
  return { services: st.apply().serviceMap, endpoints: et.apply().endpointsMap };
}
