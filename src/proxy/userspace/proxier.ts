/**
 * kube-proxy's legacy userspace Proxier for one host: per service port a proxy socket in the host
 * namespace (./proxy-socket.ts) and its portal rules (./portals.ts), with endpoints handed out by
 * LoadBalancerRR. Driven by the same change trackers and bounded-frequency runner as the other
 * modes: a sync touches only the service ports that changed (kube-proxy's mergeService /
 * unmergeService), and endpoint changes only reach the load balancer.
 */
import type { EndpointSlice, Service } from '../../api/types.js';
import type { Netfilter } from '../../dataplane/netfilter/index.js';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import type { Clock } from '../../util/clock.js';
import type { Provider } from '../provider.js';
import { BoundedFrequencyRunner } from '../runner.js';
import { EndpointsChangeTracker } from '../tracker/endpoints.js';
import { ServiceChangeTracker } from '../tracker/service.js';
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

export class UserspaceProxier implements Provider {
  readonly serviceChanges = new ServiceChangeTracker();
  readonly endpointsChanges: EndpointsChangeTracker;
  readonly runner: BoundedFrequencyRunner;
  readonly loadBalancer: LoadBalancerRR;
  svcPortMap: ServicePortMap = new Map();
  endpointsMap: EndpointsMap = new Map();
  lastSync: UserspaceSyncStats | undefined;
  private readonly services = new Map<string, ServiceInfo>();
  private readonly ctx: ProxySocketContext;
  private servicesSynced = false;
  private endpointSlicesSynced = false;
  private chainsReady = false;

  constructor(private readonly opts: UserspaceProxierOptions) {
    this.endpointsChanges = new EndpointsChangeTracker(opts.nodeName);
    this.loadBalancer = new LoadBalancerRR(opts.random);
    this.ctx = { ns: opts.ns, lb: this.loadBalancer, clock: opts.clock };
    const minMs = opts.minSyncPeriodMs ?? 1000;
    this.runner = new BoundedFrequencyRunner('userspace-proxy-sync-runner', () => this.syncProxyRules(), {
      clock: opts.clock, minIntervalMs: minMs, maxIntervalMs: opts.syncPeriodMs ?? 30_000, retryIntervalMs: opts.retryMs, onError: opts.onError,
    });
  }

  get initialized(): boolean {
    return this.servicesSynced && this.endpointSlicesSynced;
  }

  onServiceAdd(service: Service): void {
    this.onServiceUpdate(undefined, service);
  }

  onServiceUpdate(oldService: Service | undefined, service: Service | undefined): void {
    if (this.serviceChanges.update(oldService, service) && this.initialized) this.sync();
  }

  onServiceDelete(service: Service): void {
    this.onServiceUpdate(service, undefined);
  }

  onServicesSynced(): void {
    this.servicesSynced = true;
    this.sync();
  }

  onEndpointSliceAdd(slice: EndpointSlice): void {
    if (this.endpointsChanges.endpointSliceUpdate(slice, false) && this.initialized) this.sync();
  }

  onEndpointSliceUpdate(_old: EndpointSlice, slice: EndpointSlice): void {
    this.onEndpointSliceAdd(slice);
  }

  onEndpointSliceDelete(slice: EndpointSlice): void {
    if (this.endpointsChanges.endpointSliceUpdate(slice, true) && this.initialized) this.sync();
  }

  onEndpointSlicesSynced(): void {
    this.endpointSlicesSynced = true;
    this.sync();
  }

  sync(): void {
    this.runner.run();
  }

  start(): void {
    this.runner.start();
  }

  /** Stops syncing, closes every proxy socket and connection and removes the portals (shutdown()). */
  stop(): void {
    this.runner.stop();
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
