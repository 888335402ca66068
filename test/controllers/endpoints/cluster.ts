/** Helpers for controller tests against the real in-process API: pods whose status the test sets. */
import { podManifest, type TestApi } from '../../support/api.js';
import type { ContainerPort, Node, Pod, Service, ServicePort } from '../../../src/api/types.js';

export interface PodSpecOpts {
  ip?: string;
  ready?: boolean;
  node?: string;
  labels?: Record<string, string>;
  ports?: ContainerPort[];
}

export async function makePod(api: TestApi, name: string, o: PodSpecOpts = {}): Promise<Pod> {
  const manifest = podManifest(name, o.labels ?? { app: 'web' });
  const spec = { ...manifest.spec, nodeName: o.node ?? 'node-a' };
  if (o.ports) spec.containers = [{ ...spec.containers[0]!, ports: o.ports } as any];
  const created = await api.client.create<Pod>('pods', { ...manifest, metadata: { ...manifest.metadata, namespace: 'default' }, spec } as Pod);
  if (o.ip === '') return created;
  return setStatus(api, created, o.ip ?? '10.244.1.2', o.ready ?? true);
}

export async function setStatus(api: TestApi, pod: Pod, ip: string, ready: boolean): Promise<Pod> {
  const status = {
    ...pod.status,
    phase: 'Running' as const,
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: ready ? ('True' as const) : ('False' as const) }],
  };
  return api.client.update<Pod>('pods', { ...pod, status }, 'status');
}

export async function setReady(api: TestApi, name: string, ready: boolean): Promise<Pod> {
  const pod = await api.client.get<Pod>('pods', 'default', name);
  return setStatus(api, pod, pod.status!.podIP!, ready);
}

export async function makeService(api: TestApi, name: string, o: { selector?: Record<string, string> | null; ports?: ServicePort[] } = {}): Promise<Service> {
  const spec: Record<string, unknown> = { ports: o.ports ?? [{ name: 'http', port: 80, targetPort: 8080 }] };
  if (o.selector !== null) spec.selector = o.selector ?? { app: 'web' };
  return api.client.create<Service>('services', { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec } as Service);
}

export async function makeNode(api: TestApi, name: string, zone?: string): Promise<Node> {
  return api.client.create<Node>('nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} },
    spec: {},
  });
}

export const ipOf = (i: number) => `10.244.${1 + Math.floor(i / 250)}.${(i % 250) + 2}`;

/** Polls (real time) until `fn` returns a truthy value. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false | null>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const settle = () => new Promise((r) => setTimeout(r, 50));
