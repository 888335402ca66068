/** What a running cluster needs to know, derived from a loaded topology (see fromTopology). */
import type { KubeObject, Taint } from '../api/types.js';

export interface ClusterNodeConfig {
  name: string;
  role: 'control-plane' | 'worker';
  address: string;
  subnet: string;
  labels: Record<string, string>;
  taints: Taint[];
  zone?: string;
}

export interface ManifestRef {
  object: KubeObject;
  /** FILE:LINE:COL of the manifest, for error messages. */
  origin: string;
}

export interface ClusterConfig {
  name: string;
  apiHost: string;
  apiPort: number;
  podSubnet: string;
  serviceSubnet: string;
  nodeCIDRMaskSize: number;
  dnsDomain: string;
  cni: string;
  kubeProxyMode: string;
  loadBalancerPool?: string;
  nodes: ClusterNodeConfig[];
  manifests: ManifestRef[];
  timing: {
    speed: number;
    leaseDurationSeconds: number;
    leaseRenewIntervalMs: number;
    nodeStatusReportFrequencyMs: number;
  };
}
