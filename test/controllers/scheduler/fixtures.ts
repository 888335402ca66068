/** Pure Pod and Node values for the filter, score and algorithm tables. */
import type { Container, Node, Pod, PodSpec, Taint } from '../../../src/api/types.js';

export function node(name: string, o: { labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; cpu?: string; memory?: string; pods?: string } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' } },
  };
}

export function container(requests?: Record<string, string>, extra: Partial<Container> = {}): Container {
  return { name: 'c', image: 'x', ...(requests ? { resources: { requests } } : {}), ...extra };
}

export function pod(name: string, spec: Partial<PodSpec> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...meta },
    spec: { containers: [container()], ...spec },
  };
}

export const ownedBy = (uid: string) => ({ ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid, controller: true }] });
