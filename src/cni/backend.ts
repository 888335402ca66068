/**
 * The seam between a CNI agent and its data-plane backends, after flannel's pkg/backend: a Backend
 * turns a network config into a running Network for one node (`registerNetwork`), and the Network
 * keeps that node's kernel state in line with the other nodes' leases until its signal aborts.
 *
 * Leases come from a SubnetManager (flannel's kube subnet manager reads them from Node objects);
 * backends never talk to the API themselves. Everything a backend touches on the host goes through
 * the node's NetNamespace (devices, routes, neighbours, sockets) and its Clock.
 */
import type { NetDevice, NetNamespace } from '../dataplane/stack/index.js';
import type { Clock } from '../util/clock.js';

/** What a node publishes about itself (flannel's LeaseAttrs). */
export interface LeaseAttrs {
  /** The address other nodes reach this one at (flannel's PublicIP, annotation public-ip). */
  publicIP: string;
  /** "udp" | "vxlan" | "host-gw" (annotation backend-type). */
  backendType: string;
  /** The backend's JSON exactly as published (annotation backend-data); "null" when it has none. */
  backendData: string;
}

/** A node's subnet and attributes (flannel's Lease). */
export interface Lease {
  /** The node's pod CIDR, e.g. "10.244.1.0/24". */
  subnet: string;
  attrs: LeaseAttrs;
  /** The Node the lease was read from, when known (for messages). */
  node?: string;
}

export interface SubnetEvent {
  type: 'added' | 'removed';
  lease: Lease;
}

/** A subscription to the other nodes' leases. */
export interface LeaseWatch {
  /** Compares every known lease with the source and emits the differences (repairs missed events). */
  resync(): void;
  close(): void;
}

/** Where leases live: the Kubernetes API in flannel's kube-subnet-mgr mode. */
export interface SubnetManager {
  /** Publishes `attrs` for this node and returns its lease; throws ERR_POD_CIDR_NOT_ASSIGNED without a podCIDR. */
  acquireLease(attrs: LeaseAttrs): Promise<Lease>;
  /**
   * Every other node's lease as events: one `added` per node at subscription, then `added` /
   * `removed` as nodes join, change or leave. Leases equal to `own` are never reported.
   */
  watchLeases(own: Lease, handler: (events: SubnetEvent[]) => void): LeaseWatch;
}

/** The node's underlay interface (flannel's ExternalInterface). */
export interface ExternalInterface {
  dev: NetDevice;
  /** The interface's address (IfaceAddr). */
  ifaceAddr: string;
  /** The address published to other nodes (ExtAddr); the interface address unless overridden. */
  extAddr: string;
}

/**
 * Problems a backend cannot fix by itself (a route Linux refuses), keyed so that the same problem
 * reported twice is one problem, and cleared when it goes away. The agent turns them into Events
 * and the NetworkUnavailable condition.
 */
export interface ProblemReporter {
  set(key: string, message: string): void;
  clear(key: string): void;
}

export interface BackendContext {
  nodeName: string;
  /** The node's host namespace. */
  ns: NetNamespace;
  ext: ExternalInterface;
  subnetManager: SubnetManager;
  clock: Clock;
  problems: ProblemReporter;
  /** How often a running Network re-checks its kernel state against the leases (flannel: 10 s). */
  resyncPeriodMs: number;
  log(line: string): void;
}

/** The network config as flannel's net-conf.json states it (kube-flannel's defaults). */
export interface NetworkConfig {
  /** The cluster's pod network, e.g. "10.244.0.0/16". */
  network: string;
  backend: BackendConfig;
}

export interface BackendConfig {
  type: string;
  /** vxlan: VNI (default 1). */
  vni?: number;
  /** vxlan: UDP port (default 8472); udp: UDP port (default 8285). */
  port?: number;
  /** vxlan: route without encapsulation to nodes on the same underlay subnet. */
  directRouting?: boolean;
}

export interface Network {
  readonly backendType: string;
  /** This node's lease as acquired. */
  readonly lease: Lease;
  /** The MTU pods on this node must use (underlay MTU minus the encapsulation). */
  readonly mtu: number;
  /** Follows the other nodes' leases until `signal` aborts; resolves once it has stopped. */
  run(signal: AbortSignal): Promise<void>;
}

export interface Backend {
  readonly type: string;
  /** Creates the node's devices, acquires its lease (publishing the backend's attributes) and configures them. */
  registerNetwork(ctx: BackendContext, config: NetworkConfig): Promise<Network>;
}

/** Two leases describe the same thing (what flannel compares to decide a lease changed). */
export function leaseEquals(a: Lease, b: Lease): boolean {
  return a.subnet === b.subnet && a.attrs.publicIP === b.attrs.publicIP && a.attrs.backendType === b.attrs.backendType &&
    a.attrs.backendData === b.attrs.backendData;
}
