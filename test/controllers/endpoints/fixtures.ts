/** Builders for the Services, Pods and Nodes the endpoints and EndpointSlice tests use. */
import type { ContainerPort, Node, Pod, Service, ServicePort } from '../../../src/api/types.js';

export interface SvcOpts {
  selector?: Record<string, string> | null;
  ports?: ServicePort[];
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
  labels?: Record<string, string>;
  type?: Service['spec']['type'];
}

export function svc(name: string, o: SvcOpts = {}): Service {
  const spec: Service['spec'] = {
    ports: o.ports ?? [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    clusterIP: o.clusterIP ?? '10.96.0.10',
  };
  if (o.selector !== null) spec.selector = o.selector ?? { app: name };
  if (o.publishNotReadyAddresses) spec.publishNotReadyAddresses = true;
  if (o.type) spec.type = o.type;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', uid: `uid-svc-${name}`, ...(o.labels ? { labels: o.labels } : {}) },
    spec,
  };
}

export interface PodOpts {
  ip?: string;
  ready?: boolean;
  node?: string;
  labels?: Record<string, string>;
  deleting?: boolean;
  phase?: NonNullable<Pod['status']>['phase'];
  ports?: ContainerPort[];
  hostname?: string;
  subdomain?: string;
}

export function pod(name: string, o: PodOpts = {}): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: o.labels ?? { app: 'web' }, resourceVersion: '1' },
    spec: { containers: [{ name: 'app', image: 'agnhost', ports: o.ports ?? [] }], nodeName: o.node ?? 'node-a' },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
  if (o.ip !== '') {
    p.status!.podIP = o.ip ?? '10.244.1.2';
    p.status!.podIPs = [{ ip: p.status!.podIP }];
  }
  if (o.deleting) p.metadata.deletionTimestamp = '2026-01-01T00:00:30Z';
  if (o.hostname) p.spec.hostname = o.hostname;
  if (o.subdomain) p.spec.subdomain = o.subdomain;
  return p;
}

export function node(name: string, zone?: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} },
    spec: {},
  };
}

export const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` });
