/**
 * What kube-apiserver creates by itself at start: the system namespaces and the `kubernetes`
 * Service with its Endpoints/EndpointSlice pointing at the control plane.
 */
import type { ApiClient } from '../api/client.js';
import type { KubeObject } from '../api/types.js';
import { ApiError } from '../api/errors.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** kube-apiserver's secure port, which the `kubernetes` Service targets (kind and kubeadm: 6443). */
export const APISERVER_PORT = 6443;

export async function bootstrapCluster(client: ApiClient, opts: { kubernetesServiceIP: string; controlPlaneAddress: string }): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) await ensure(client, 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await ensure(client, 'services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: opts.kubernetesServiceIP,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: APISERVER_PORT }],
      sessionAffinity: 'None',
    },
  });
  await ensure(client, 'endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: opts.controlPlaneAddress }], ports: [{ name: 'https', port: APISERVER_PORT, protocol: 'TCP' }] }],
  });
  await ensure(client, 'endpointslices', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [opts.controlPlaneAddress], conditions: { ready: true } }],
    ports: [{ name: 'https', port: APISERVER_PORT, protocol: 'TCP' }],
  });
}

async function ensure(client: ApiClient, resource: string, obj: KubeObject): Promise<void> {
  try {
    await client.create(resource, obj);
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}
