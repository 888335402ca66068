/**
 * kube-proxy's legacy userspace Proxier for one host: per service port a proxy socket in the host
 * namespace (./proxy-socket.ts) and its portal rules (./portals.ts), with endpoints handed out by
 * LoadBalancerRR. Driven by the same change trackers and bounded-frequency runner as the other
 * modes: a sync touches only the service ports that changed (kube-proxy's mergeService /
 * unmergeService), and endpoint changes only reach the load balancer.
 */
import type { Netfilter } from '../../dataplane/netfilter/index.js';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import type { Clock } from '../../util/clock.js';
import { TrackingProxier } from '../tracking-proxier.js';
import type { EndpointsMap, ServicePortInfo, ServicePortMap } from '../types.js';
import { type PortalRule, closePortals, flushPortalChains, initPortalChains, openPortals, portalRules } from './portals.js';
import { type ProxySocketContext, TcpProxySocket, UdpProxySocket } from './proxy-socket.js';
import { LoadBalancerRR } from './round-robin.js';

export interface UserspaceProxierOptions {
  nodeName: string;
  /** The node IP: the host's own traffic to a service is DNATed to NODE_IP:proxyPort. */
  nodeIP: string;
  /** The host namespace (proxy sockets listen here) and its Netfilter (portal rules). */
  ns: NetNamespace;
  netfilter: Netfilter;
  clock: Clock;
  /** --udp-timeout: a UDP session's idle timeout; default 250 ms. */
  udpIdleTimeoutMs?: number;
  minSyncPeriodMs?: number;
  syncPeriodMs?: number;
  retryMs?: number;
  /** Uniform in [0, 1) for the endpoint shuffle. */
  random?: () => number;
  onError?: (err: unknown) => void;
}

interface ServiceInfo {
  info: ServicePortInfo;
  socket: TcpProxySocket | UdpProxySocket;
  portals: PortalRule[];
}

export interface UserspaceSyncStats {
  at: number;
  /** Service ports whose socket and portals were (re)opened or closed. */
  portsOpened: number;
  portsClosed: number;
  /** Service ports whose endpoint list reached the load balancer. */
  endpointUpdates: number;
}

export class UserspaceProxier extends TrackingProxier {
  readonly loadBalancer: LoadBalancerRR;
  svcPortMap: ServicePortMap = new Map();
  endpointsMap: EndpointsMap = new Map();
  lastSync: UserspaceSyncStats | undefined;
  private readonly services = new Map<string, ServiceInfo>();
  private readonly ctx: ProxySocketContext;
  private chainsReady = false;

  constructor(private readonly opts: UserspaceProxierOptions) {
    super('userspace-proxy-sync-runner', opts.nodeName, opts);
    this.loadBalancer = new LoadBalancerRR(opts.random);
    this.ctx = { ns: opts.ns, lb: this.loadBalancer, clock: opts.clock };
  }

  /** Stops syncing, closes every proxy socket and connection and removes the portals (shutdown()). */
  override stop(): void {
    super.stop();
    for (const [key, s] of this.services) {
      this.closeService(key, s);
      s.socket.destroy();
    }
  }

  /** The proxy port of a service port ("ns/name:port/PROTO"), if open. */
  proxyPort(portKey: string): number | undefined {
    return this.services.get(portKey)?.socket.port;
  }

  /** The socket of a service port, for its counters. */
  proxySocket(portKey: string): TcpProxySocket | UdpProxySocket | undefined {
    return this.services.get(portKey)?.socket;
  }

  syncProxyRules(): void {
    if (!this.initialized) return;
    const rs = this.opts.netfilter.ruleset;
    if (!this.chainsReady) {
      flushPortalChains(rs); // the sockets old portals pointed at are gone
      this.chainsReady = true;
    }
    initPortalChains(rs);
    const services = this.serviceChanges.apply();
    const endpoints = this.endpointsChanges.apply();
    this.svcPortMap = services.serviceMap;
    this.endpointsMap = endpoints.endpointsMap;
    const stats: UserspaceSyncStats = { at: this.opts.clock.now(), portsOpened: 0, portsClosed: 0, endpointUpdates: 0 };
    for (const key of services.changedPorts) {
      const old = this.services.get(key);
      if (old !== undefined) {
        this.closeService(key, old);
        stats.portsClosed++;
      }
      const info = this.svcPortMap.get(key);
      if (info === undefined) {
        this.loadBalancer.deleteService(key);
        continue;
      }
      if (info.protocol === 'SCTP') continue;
      try {
        this.openService(key, info);
        stats.portsOpened++;
      } catch (err) {
        this.opts.onError?.(err); // "Failed to start proxy": the port stays unproxied, as in kube-proxy
      }
    }
    for (const key of endpoints.changedPorts) {
      // The userspace proxy knew only ready addresses (Endpoints' notReadyAddresses were never proxied).
      const ready = (this.endpointsMap.get(key) ?? []).filter((e) => e.ready).map((e) => e.endpoint);
      this.loadBalancer.setEndpoints(key, ready);
      stats.endpointUpdates++;
    }
    for (const key of services.changedPorts) this.loadBalancer.cleanupStaleStickySessions(key, stats.at);
    this.lastSync = stats;
  }

  private openService(key: string, info: ServicePortInfo): void {
    const socket = info.protocol === 'UDP'
      ? new UdpProxySocket(this.ctx, key, this.opts.udpIdleTimeoutMs ?? 250)
      : new TcpProxySocket(this.ctx, key);
    const portals = portalRules(info, socket.port, this.opts.nodeIP);
    openPortals(this.opts.netfilter.ruleset, portals);
    this.loadBalancer.newService(key, info.sessionAffinity, info.stickyMaxAgeSeconds);
    this.services.set(key, { info, socket, portals });
  }

  /** cleanupPortalAndProxy: portals deleted, the socket closed (TCP connections in flight carry on). */
  private closeService(key: string, s: ServiceInfo): void {
    closePortals(this.opts.netfilter.ruleset, s.portals);
    s.socket.close();
    this.services.delete(key);
  }
}
