/**
 * What kube-apiserver creates by itself at start: the system namespaces and the `kubernetes`
 * Service with its Endpoints/EndpointSlice pointing at the control plane.
 */
import type { ApiClient } from '../api/client.js';
import type { KubeObject } from '../api/types.js';
import { ApiError } from '../api/errors.js';
import { formatIpv4, ipv4 } from '../net/addr.js';

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

/** The tenth address of the service range: kubeadm's (and kind's) cluster DNS Service IP. */
export function clusterDnsServiceIP(firstServiceIP: string): string {
  return formatIpv4((ipv4(firstServiceIP) + 9) >>> 0); // the first is .1: the tenth is .10
}

/**
 * What kubeadm installs for cluster DNS: the `coredns` ConfigMap (the Corefile), the `coredns`
 * Deployment (2 replicas, the CoreDNS image, its probes and tolerations) and the `kube-dns` Service
 * on the tenth service address (53/UDP, 53/TCP, 9153/TCP). kemu runs the Deployment's pods as
 * emulated CoreDNS serving the cluster's chain (src/lab/dns/coredns-workload.ts).
 */
export async function bootstrapClusterDns(client: ApiClient, opts: { serviceIP: string; corefile: string; image: string }): Promise<void> {
  const labels = { 'k8s-app': 'kube-dns' };
  await ensure(client, 'configmaps', {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: opts.corefile },
  } as KubeObject);
  await ensure(client, 'deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system', labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels },
        spec: {
          dnsPolicy: 'Default',
          tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [{
            name: 'coredns',
            image: opts.image,
            args: ['-conf', '/etc/coredns/Corefile'],
            ports: [
              { containerPort: 53, name: 'dns', protocol: 'UDP' },
              { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
              { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
            ],
            livenessProbe: { httpGet: { path: '/health', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 60, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 5 },
            readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' } },
          }],
        },
      },
    },
  } as KubeObject);
  await ensure(client, 'services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...labels, 'kubernetes.io/name': 'CoreDNS' } },
    spec: {
      selector: labels,
      clusterIP: opts.serviceIP,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  } as KubeObject);
}
