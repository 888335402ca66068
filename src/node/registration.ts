/**
 * The Node object a kubelet registers (--register-node), built as a pure value: labels, addresses,
 * capacity, nodeInfo and the conditions a healthy kubelet reports.
 */
import type { Condition, Node, Taint } from '../api/types.js';
import { rfc3339 } from '../util/time.js';

export const KUBELET_VERSION = 'v1.32.0-kemu';
export const KUBELET_PORT = 10250;

export interface NodeSpecInput {
  name: string;
  role: 'control-plane' | 'worker';
  internalIP: string;
  labels: Record<string, string>;
  taints: Taint[];
  zone?: string;
}

/** Capacity of a simulated node: modest numbers like a kind node's, and kubelet's default 110 pods. */
export const NODE_CAPACITY = { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' };

export function buildNode(input: NodeSpecInput, now: number): Node {
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': input.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
    ...input.labels,
  };
  if (input.role === 'control-plane') {
    labels['node-role.kubernetes.io/control-plane'] = '';
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
  }
  if (input.zone) labels['topology.kubernetes.io/zone'] = input.zone;
  const spec: Node['spec'] = {};
  if (input.taints.length) spec.taints = input.taints.map((t) => ({ ...t }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: input.name,
      labels,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec,
    status: {
      capacity: { ...NODE_CAPACITY },
      allocatable: { ...NODE_CAPACITY },
      addresses: [
        { type: 'InternalIP', address: input.internalIP },
        { type: 'Hostname', address: input.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
      nodeInfo: {
        machineID: input.name,
        systemUUID: input.name,
        bootID: input.name,
        kernelVersion: 'kemu',
        osImage: 'kemu simulated host',
        containerRuntimeVersion: 'kemu://0.1.0',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      conditions: healthyConditions(now),
    },
  };
}

/** The conditions a healthy kubelet reports, with kubelet's own reasons and messages. */
export function healthyConditions(now: number, since = now): Condition[] {
  const t = rfc3339(now);
  const s = rfc3339(since);
  const c = (type: string, status: 'True' | 'False', reason: string, message: string): Condition => ({
    type,
    status,
    lastHeartbeatTime: t,
    lastTransitionTime: s,
    reason,
    message,
  });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}
