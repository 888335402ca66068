/** What a running cluster needs to know, derived from a loaded topology (see fromTopology). */
import type { KubeObject, Taint } from '../api/types.js';
import type { Topology } from '../topology/types.js';
import type { ScaledTiming } from './from-topology.js';

export interface ClusterNodeConfig {
  name: string;
  role: 'control-plane' | 'worker';
  address: string;
  /** The node's address on this machine (127.0.1.N; 127.0.0.1 with distinctPorts): real clients reach its NodePorts there. */
  realAddress: string;
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
  /** The whole topology, for the parts of the lab that build hosts and networks from it. */
  topology: Topology;
  apiHost: string;
  apiPort: number;
  podSubnet: string;
  serviceSubnet: string;
  nodeCIDRMaskSize: number;
  dnsDomain: string;
  cni: string;
  kubeProxyMode: string;
  loadBalancerPool?: string;
  /** Real address standing for the pool's network address: ingress IP N of the pool listens on base + N. */
  lbAddressBase: string;
  /**
   * Every node and ingress IP on 127.0.0.1 with a free real port per listener (not Linux, or asked):
   * the edges' list() and the status file map each real port to the port it stands for.
   */
  distinctPorts: boolean;
  nodes: ClusterNodeConfig[];
  manifests: ManifestRef[];
  /** Real port of the nodes' BGP listeners (calico; 179 when unset, 0 = a free port per node). */
  bgpPort?: number;
  /** Durations already divided by timing.speed, in milliseconds. */
  timing: ScaledTiming & { leaseDurationSeconds: number };
}
