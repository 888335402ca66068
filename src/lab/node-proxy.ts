/**
 * kube-proxy on one simulated host, in the topology's mode: iptables (IptablesProxier: rules in the
 * host's Netfilter), ipvs (IpvsProxier: virtual servers, kube-ipvs0, IPVS hooks, ipsets) or
 * userspace (UserspaceProxier: a proxy socket per service port, portal rules). All three are fed by
 * the cluster's shared Service and EndpointSlice informers. What kube-proxy does after a sync in
 * every mode is done here, after each mode's sync (TrackingProxier.onSynced): the health-check server
 * on the host answers healthCheckNodePorts (LoadBalancer, externalTrafficPolicy: Local), and stale UDP
 * conntrack entries are deleted. kube-proxy's own /healthz and /livez answer on port 10256
 * (healthy unless a queued update waits longer than 2 × syncPeriod; /healthz also 503 while the
 * node is being deleted or tainted ToBeDeletedByClusterAutoscaler). Started when the host powers
 * on, stopped when it powers off; a new start begins with a full sync, as a booting kube-proxy does.
 */
import type { InformerFactory } from '../api/client/factory.js';
import { type Netfilter, save } from '../dataplane/netfilter/index.js';
import type { NetNamespace } from '../dataplane/stack/index.js';
import {
  type HealthResponse, IpvsProxier, IptablesProxier, type Provider, type ProxyConfigHandle, ProxyHealth, type ProxyHealthResponse, ProxyHealthServer, ServiceHealthServer,
  UserspaceProxier, healthCheckAfterSync, healthResponse, ipvsadmList, runProxyConfig,
} from '../proxy/index.js';
import type { Node } from '../api/types.js';
import { UdpConntrackCleaner } from '../proxy/conntrack-cleanup.js';
import type { Clock } from '../util/clock.js';

export type ProxyMode = 'iptables' | 'ipvs' | 'userspace';

export interface NodeProxyOptions {
  nodeName: string;
  /** The node's underlay address (primary node IP). */
  nodeIP: string;
  /** --cluster-cidr: the pod network (podSubnet). */
  clusterCIDR: string;
  mode: ProxyMode;
  /** The host namespace (ipvs hooks and kube-ipvs0, userspace proxy sockets, health checks). */
  ns: NetNamespace;
  netfilter: Netfilter;
  factory: InformerFactory;
  clock: Clock;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  onError: (err: Error) => void;
}

type AnyProxier = IptablesProxier | IpvsProxier | UserspaceProxier;

export class NodeProxy {
  readonly name = 'kube-proxy';
  private proxier: AnyProxier | undefined;
  private handle: ProxyConfigHandle | undefined;
  private health: ServiceHealthServer | undefined;
  private proxyHealth: ProxyHealth | undefined;
  private proxyHealthServer: ProxyHealthServer | undefined;
  private nodeEvents = false;

  constructor(private readonly opts: NodeProxyOptions) {}

  get mode(): ProxyMode {
    return this.opts.mode;
  }

  /** Resolves once both informers synced; the first full sync follows on the runner's next tick. */
  async start(): Promise<void> {
    if (this.proxier !== undefined) return;
    const o = this.opts;
    const onError = (err: unknown): void => o.onError(err instanceof Error ? err : new Error(String(err)));
    const common = { nodeName: o.nodeName, clock: o.clock, minSyncPeriodMs: o.minSyncPeriodMs, syncPeriodMs: o.syncPeriodMs, onError };
    const health = new ServiceHealthServer(o.ns, {
      // kube-proxy's serviceProxyHealthy is its healthz verdict (ProxyHealth, started below).
      isHealthy: () => this.proxyHealth?.isHealthy() ?? true,
      onError: (err, svc, port) => onError(new Error(`health check ${svc} on ${port}: ${String(err)}`)),
    });
    if (o.mode === 'ipvs') {
      this.proxier = new IpvsProxier({ ...common, nodeIPs: [o.nodeIP], clusterCIDR: o.clusterCIDR, ns: o.ns, netfilter: o.netfilter });
    } else if (o.mode === 'userspace') {
      this.proxier = new UserspaceProxier({ ...common, nodeIP: o.nodeIP, ns: o.ns, netfilter: o.netfilter });
    } else {
      this.proxier = new IptablesProxier({ ...common, nodeIPs: [o.nodeIP], clusterCIDR: o.clusterCIDR, ruleset: o.netfilter.ruleset });
    }
    const conntrack = new UdpConntrackCleaner(o.netfilter.conntrack);
    this.health = health;
    this.proxier.onSynced = (c) => {
      health.update(healthCheckAfterSync(c));
      conntrack.afterSync(c);
    };
    this.startProxyHealth(this.proxier, onError);
    this.handle = runProxyConfig(this.proxier as Provider, o.factory);
    await this.handle.synced;
  }

  stop(): void {
    this.handle?.stop();
    this.handle = undefined;
    this.proxier = undefined;
    this.health?.close();
    this.health = undefined;
    this.proxyHealthServer?.close();
    this.proxyHealthServer = undefined;
    this.proxyHealth = undefined;
  }

  /** kube-proxy's /healthz and /livez: the answer to GET `path` on port 10256 (undefined while off). */
  proxyHealthz(path = '/healthz'): ProxyHealthResponse | undefined {
    return this.proxyHealth?.respond(path);
  }

  private startProxyHealth(proxier: AnyProxier, onError: (err: unknown) => void): void {
    const o = this.opts;
    const health = new ProxyHealth(o.clock, 2 * o.syncPeriodMs);
    proxier.health = health;
    this.proxyHealth = health;
    try {
      this.proxyHealthServer = new ProxyHealthServer(o.ns, health);
    } catch (err) {
      onError(new Error(`healthz server on port 10256: ${String(err)}`)); // kube-proxy goes on without it
    }
    const nodes = o.factory.informer<Node>('nodes');
    nodes.start(); // running already when the control plane is in this process
    const own = nodes.get(undefined, o.nodeName);
    if (own !== undefined) health.syncNode(own);
    // The shared informer keeps handlers; they follow whichever ProxyHealth this proxy runs now.
    if (this.nodeEvents) return;
    this.nodeEvents = true;
    const changed = (n: Node): void => {
      if (n.metadata.name === o.nodeName) this.proxyHealth?.syncNode(n);
    };
    nodes.addHandlers({ onAdd: changed, onUpdate: (_old, n) => changed(n) });
  }

  /**
   * What this node's health check answers for a Service ("namespace/name"), as a load balancer's
   * probe would get it; undefined when the Service has no healthCheckNodePort here (or kube-proxy
   * is not running: the host is off).
   */
  serviceHealth(nsn: string): HealthResponse | undefined {
    const local = this.health?.localEndpoints(nsn);
    if (local === undefined) return undefined;
    const [namespace = '', name = ''] = nsn.split('/');
    return healthResponse(namespace, name, local, this.proxyHealth?.isHealthy() ?? true);
  }

  /** Whether the first sync has loaded rules (the host then proxies Services). */
  get synced(): boolean {
    return this.proxier?.lastSync !== undefined;
  }

  /** Asks for a sync (the runner still honours the min sync period). */
  syncNow(): void {
    this.proxier?.sync();
  }

  /** `iptables-save -t nat` of this host (every mode writes some nat rules). */
  dumpNat(): string {
    return save(this.opts.netfilter.ruleset, { tables: ['nat'] });
  }

  /** `ipvsadm -Ln` in ipvs mode; undefined in the others. */
  dumpIpvs(): string | undefined {
    return this.proxier instanceof IpvsProxier ? ipvsadmList(this.proxier.table) : undefined;
  }

  get lastSync(): { at: number } | undefined {
    return this.proxier?.lastSync;
  }
}

