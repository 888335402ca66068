/**
 * The Topology value: what a topology file means, as plain data, fully defaulted. The loader owns
 * every default, so builders never guess. Units are fixed: durations in milliseconds (possibly
 * fractional: 100us is 0.1), rates in bits per second, percentages as fractions 0..1.
 * The file format is documented in docs/topology-format.md.
 */
import type { KubeObject, Taint } from '../api/types.js';
import type { ScenarioStep } from './scenario-types.js';

/** Milliseconds; may be fractional. */
export type Millis = number;
/** Bits per second. */
export type BitsPerSecond = number;
/** A share between 0 and 1 (a "5%" in the file is 0.05 here). */
export type Fraction = number;

/** Impairments of one underlay segment, applied like tc-netem + tbf on every attached interface. */
export interface LinkParams {
  delay: Millis;
  jitter: Millis;
  loss: Fraction;
  duplicate: Fraction;
  reorder: Fraction;
  /** null = unlimited. */
  rate: BitsPerSecond | null;
  mtu: number;
}

export type FlannelBackend = 'udp' | 'vxlan' | 'host-gw';
export type CalicoMode = 'bgp' | 'ipip' | 'vxlan';
export type KubeProxyMode = 'iptables' | 'ipvs' | 'userspace';
export type NodeRole = 'control-plane' | 'worker';

export interface FlannelConfig {
  plugin: 'flannel';
  backend: FlannelBackend;
  /** vxlan only: route directly (no encapsulation) to nodes on the same subnet. */
  directRouting: boolean;
}

export interface CalicoConfig {
  plugin: 'calico';
  mode: CalicoMode;
  /** ipip/vxlan only: encapsulate only across subnets, route natively within one. */
  crossSubnet: boolean;
  /** IPAM block prefix length (calico's blockSize), 20..32. */
  blockSize: number;
  /** The cluster's BGP AS number. */
  asNumber: number;
  /** Full BGP mesh between all nodes; defaults to true unless routeReflectors are named. */
  nodeToNodeMesh: boolean;
  /** Names of nodes acting as BGP route reflectors. */
  routeReflectors: string[];
}

export type CniConfig = FlannelConfig | CalicoConfig;

export interface Networking {
  podSubnet: string;
  serviceSubnet: string;
  nodeCIDRMaskSize: number;
  dnsDomain: string;
  cni: CniConfig;
  kubeProxyMode: KubeProxyMode;
  /** CIDR that LoadBalancer ingress IPs come from; null = LoadBalancer services stay pending. */
  loadBalancerPool: string | null;
}

export interface UnderlaySubnet {
  name: string;
  cidr: string;
  /** The segment's impairments: underlay.links overridden by the subnet's own `link`. */
  link: LinkParams;
}

export interface RouterInterface {
  subnet: string;
  /** Always the subnet's first host address (x.x.x.1), which is reserved for it. */
  address: string;
}

export interface Router {
  name: string;
  subnets: string[];
  interfaces: RouterInterface[];
  /** When set, the router speaks BGP (e.g. a top-of-rack peer for calico). */
  bgp: { asNumber: number } | null;
}

export interface Underlay {
  mtu: number;
  subnets: UnderlaySubnet[];
  routers: Router[];
  /** The defaults every subnet's link starts from. */
  links: LinkParams;
}

export interface TopologyNode {
  name: string;
  role: NodeRole;
  subnet: string;
  address: string;
  /** User labels plus node-role.kubernetes.io/control-plane and topology.kubernetes.io/zone. */
  labels: Record<string, string>;
  taints: Taint[];
  zone: string | null;
}

export interface DnsConfig {
  /** "ip:port" strings; port 53 when the file gives only an IP. */
  upstreams: string[];
  cacheSeconds: number;
  ttl: number;
}

export interface Timing {
  /** How many times faster than real time Kubernetes' timers run. */
  speed: number;
  nodeMonitorGracePeriod: Millis;
  nodeMonitorPeriod: Millis;
  podEvictionTimeout: Millis;
  leaseDuration: Millis;
  leaseRenewInterval: Millis;
  nodeStatusReportFrequency: Millis;
  kubeProxySyncPeriod: Millis;
  kubeProxyMinSyncPeriod: Millis;
  bgpHoldTime: Millis;
  bgpKeepaliveTime: Millis;
  bgpConnectRetryTime: Millis;
  conntrackUDPTimeout: Millis;
}

export interface Topology {
  name: string;
  /** port 0 = any free port; the API server always binds 127.0.0.1. */
  apiServer: { port: number };
  networking: Networking;
  underlay: Underlay;
  nodes: TopologyNode[];
  dns: DnsConfig;
  timing: Timing;
}

/** A Kubernetes object from the file, with where it starts (1-based line and column). */
export interface Manifest {
  object: KubeObject;
  file: string;
  line: number;
  col: number;
}

export interface LoadedTopology {
  file: string;
  topology: Topology;
  /** In file order; namespaced objects without a namespace get "default". */
  manifests: Manifest[];
  /** spec.scenario, when the file has one (absent otherwise): what `kemu run` and `kemu compare` do. */
  scenario?: ScenarioStep[];
}
