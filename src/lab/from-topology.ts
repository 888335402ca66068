/**
 * Derives a ClusterConfig from a loaded topology: applies command-line overrides and scales every
 * Kubernetes duration by timing.speed, so the rest of the lab never sees unscaled times.
 */
import type { LoadedTopology, Timing } from '../topology/types.js';
import type { ClusterConfig } from './config.js';
import { formatIpv4, ipv4 } from '../net/addr.js';
import { DEFAULT_LB_ADDRESS_BASE } from './edge/lb-backends.js';

export interface Overrides {
  apiPort?: number;
  speed?: number;
  /**
   * Real loopback addresses of the nodes on this machine: node i (file order) gets this address
   * + i + 1, so 127.0.1.0 (the default) gives 127.0.1.1, 127.0.1.2, ... NodePorts listen there.
   */
  nodeAddressBase?: string;
  /** Real BGP port on every node address (calico; default 179, 0 = a free one per node). */
  bgpPort?: number;
  /**
   * Real loopback addresses of LoadBalancer ingress IPs: the pool's N-th address gets this address
   * + N, so 127.0.2.0 (the default) gives 127.0.2.1 for the first ingress IP.
   */
  lbAddressBase?: string;
  /**
   * Every node (and LoadBalancer ingress IP) on SHARED_REAL_ADDRESS, each listener on a free port of
   * its own instead of the port it stands for (status lists the mapping). Default: on where the
   * 127.0.1.N addresses cannot be bound without configuration, i.e. everywhere but Linux.
   */
  distinctPorts?: boolean;
}

/** Where real clients reach nodes and ingress IPs: what `kemu up`, `run` and `compare` let users choose. */
export type RealAddressOverrides = Pick<Overrides, 'nodeAddressBase' | 'lbAddressBase' | 'distinctPorts'>;

/** Just those overrides out of a larger options object (command options, run options). */
export function realAddressOverrides(o: RealAddressOverrides): RealAddressOverrides {
  return { nodeAddressBase: o.nodeAddressBase, lbAddressBase: o.lbAddressBase, distinctPorts: o.distinctPorts };
}

export const DEFAULT_NODE_ADDRESS_BASE = '127.0.1.0';
/** The one real address of every node and ingress IP with distinctPorts. */
export const SHARED_REAL_ADDRESS = '127.0.0.1';

/**
 * Linux routes all of 127.0.0.0/8 to lo, so any 127.x.y.z can be bound at once; macOS and the BSDs
 * configure only 127.0.0.1 (another address needs `ifconfig lo0 alias`, as root).
 */
export function defaultDistinctPorts(platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'linux';
}

export type ScaledTiming = { [K in keyof Timing]: number };

/** Divides every duration by `speed` (speed itself is kept). */
export function scaleTiming(t: Timing, speed: number): ScaledTiming {
  const out = { ...t, speed } as ScaledTiming;
  for (const key of Object.keys(t) as (keyof Timing)[]) if (key !== 'speed') out[key] = t[key] / speed;
  return out;
}

export function fromTopology(loaded: LoadedTopology, overrides: Overrides = {}): ClusterConfig {
  const t = loaded.topology;
  const speed = overrides.speed ?? t.timing.speed;
  const timing = scaleTiming(t.timing, speed);
  const cni = t.networking.cni;
  const distinctPorts = overrides.distinctPorts ?? defaultDistinctPorts();
  const nodeAddressBase = ipv4(overrides.nodeAddressBase ?? DEFAULT_NODE_ADDRESS_BASE);
  return {
    name: t.name,
    topology: t,
    apiHost: '127.0.0.1',
    apiPort: overrides.apiPort ?? t.apiServer.port,
    podSubnet: t.networking.podSubnet,
    serviceSubnet: t.networking.serviceSubnet,
    nodeCIDRMaskSize: t.networking.nodeCIDRMaskSize,
    dnsDomain: t.networking.dnsDomain,
    cni: cni.plugin === 'flannel' ? `flannel/${cni.backend}` : `calico/${cni.mode}${cni.crossSubnet ? '+cross-subnet' : ''}`,
    kubeProxyMode: t.networking.kubeProxyMode,
    loadBalancerPool: t.networking.loadBalancerPool ?? undefined,
    lbAddressBase: overrides.lbAddressBase ?? DEFAULT_LB_ADDRESS_BASE,
    distinctPorts,
    nodes: t.nodes.map((n, i) => ({
      name: n.name,
      role: n.role,
      address: n.address,
      realAddress: distinctPorts ? SHARED_REAL_ADDRESS : formatIpv4((nodeAddressBase + i + 1) >>> 0),
      subnet: n.subnet,
      labels: n.labels,
      taints: n.taints,
      ...(n.zone ? { zone: n.zone } : {}),
    })),
    // With one shared address the nodes' BGP listeners cannot all have 179: a free port each.
    ...(overrides.bgpPort !== undefined ? { bgpPort: overrides.bgpPort } : distinctPorts ? { bgpPort: 0 } : {}),
    manifests: loaded.manifests.map((m) => ({ object: m.object, origin: `${m.file}:${m.line}:${m.col}` })),
    timing: {
      ...timing,
      // The Lease object states its duration in whole seconds, as kubelet writes it.
      leaseDurationSeconds: Math.max(1, Math.round(timing.leaseDuration / 1000)),
    },
  };
}
