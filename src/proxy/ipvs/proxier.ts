/**
 * kube-proxy's ipvs Proxier for one host: the same trackers and bounded-frequency runner as the
 * iptables mode, syncing into the host's IPVS table (kemu's model, hooked into the host's packet
 * path), the kube-ipvs0 dummy device, the host's ipsets and a few dozen iptables rules. kube-proxy
 * walks every service on each sync; kemu applies only the service ports whose Service or
 * EndpointSlices changed (and everything on a full sync), so a sync costs O(change).
 */
import { type Netfilter, restore } from '../../dataplane/netfilter/index.js';
import { DummyDevice, type NetNamespace } from '../../dataplane/stack/index.js';
import type { Clock } from '../../util/clock.js';
import { TrackingProxier } from '../tracking-proxier.js';
import { type EndpointsMap, type ServicePortMap, serviceKey } from '../types.js';
import { type ApplyCounts, EMPTY_STATE, IpvsApplier, zeroCounts } from './apply.js';
import type { IpvsTimeouts } from './conn-state.js';
import { IpvsDatapath } from './datapath.js';
import { IpvsTable } from './model.js';
import { type IpvsRulesConfig, buildIpvsRules, ensureIpvsJumps } from './rules.js';
import type { SchedulerName } from './schedulers.js';
import { IPSETS, type ServicePortState, servicePortState } from './service-state.js';

export const KUBE_IPVS0 = 'kube-ipvs0';

export interface IpvsProxierOptions extends IpvsRulesConfig {
  nodeName: string;
  /** The node's IPv4 addresses, primary first: NodePorts are virtual servers on each. */
  nodeIPs: readonly string[];
  /** The host namespace (kube-ipvs0 and the IPVS hooks go here) and its Netfilter. */
  ns: NetNamespace;
  netfilter: Netfilter;
  clock: Clock;
  /** --ipvs-scheduler; default rr. */
  scheduler?: SchedulerName;
  /** --ipvs-tcp-timeout / --ipvs-tcpfin-timeout / --ipvs-udp-timeout (seconds); default 900/120/300. */
  timeouts?: Partial<IpvsTimeouts>;
  minSyncPeriodMs?: number;
  syncPeriodMs?: number;
  fullSyncPeriodMs?: number;
  retryMs?: number;
  onError?: (err: unknown) => void;
}

export interface IpvsSyncStats extends ApplyCounts {
  at: number;
  full: boolean;
  /** Service ports whose state was recomputed. */
  servicePorts: number;
  /** Whether the iptables rules were restored (only when the set of non-empty ipsets changed, or full). */
  rulesWritten: boolean;
  virtualServers: number;
}

/** "ns/name" of a servicePortKey ("ns/name:port/PROTO" or "ns/name/PROTO"). */
function serviceOfPortKey(key: string): string {
  const ns = key.slice(0, key.indexOf('/'));
  const rest = key.slice(ns.length + 1, key.lastIndexOf('/'));
  const colon = rest.indexOf(':');
  return `${ns}/${colon < 0 ? rest : rest.slice(0, colon)}`;
}

export class IpvsProxier extends TrackingProxier {
  readonly table = new IpvsTable();
  readonly datapath: IpvsDatapath;
  svcPortMap: ServicePortMap = new Map();
  endpointsMap: EndpointsMap = new Map();
  lastSync: IpvsSyncStats | undefined;
  private applier: IpvsApplier | undefined;
  private readonly applied = new Map<string, ServicePortState>();
  private readonly portsByService = new Map<string, Set<string>>();
  private needFullSync = true;
  private lastFullSync = -Infinity;
  private rulesSignature = '';
  private readonly fullSyncPeriodMs: number;

  constructor(private readonly opts: IpvsProxierOptions) {
    super('ipvs-sync-runner', opts.nodeName, opts);
    Object.assign(this.table.timeouts, opts.timeouts);
    this.datapath = new IpvsDatapath({ ns: opts.ns, netfilter: opts.netfilter, table: this.table, clock: opts.clock });
    this.fullSyncPeriodMs = opts.fullSyncPeriodMs ?? 3_600_000;
  }

  override start(): void {
    this.datapath.start();
    super.start();
  }

  /** Stops syncing and takes IPVS out of the packet path (kemu's IPVS state lives with the proxier). */
  override stop(): void {
    super.stop();
    this.datapath.stop();
  }

  forceFullSync(): void {
    this.needFullSync = true;
    this.sync();
  }

  /** One sync, now. */
  syncProxyRules(): void {
    if (!this.initialized) return;
    const now = this.opts.clock.now();
    const full = this.needFullSync || now - this.lastFullSync > this.fullSyncPeriodMs;
    const services = this.serviceChanges.apply();
    const endpoints = this.endpointsChanges.apply();
    this.svcPortMap = services.serviceMap;
    this.endpointsMap = endpoints.endpointsMap;
    this.needFullSync = true; // until this sync completes
    const applier = this.infrastructure(full);
    const counts = zeroCounts();
    const ports = this.portsToSync(full, services.changedPorts, [...services.updatedServices, ...endpoints.updatedServices]);
    for (const key of ports) this.syncServicePort(applier, key, counts);
    if (applier.terminatingCount > 0) {
      this.table.gc(now); // the kernel's timers: expired connections no longer count
      applier.reapTerminating(counts);
    }
    const signature = IPSETS.map((s) => ((this.opts.netfilter.ipsets.get(s.name)?.size ?? 0) > 0 ? '1' : '0')).join('');
    const rulesWritten = full || signature !== this.rulesSignature;
    if (rulesWritten) {
      if (full) ensureIpvsJumps(this.opts.netfilter.ruleset);
      restore(this.opts.netfilter.ruleset, buildIpvsRules(this.opts, (set) => (this.opts.netfilter.ipsets.get(set)?.size ?? 0) > 0), { noflush: true, counters: true });
      this.rulesSignature = signature;
    }
    this.needFullSync = false;
    if (full) this.lastFullSync = now;
    this.lastSync = { at: now, full, servicePorts: ports.size, rulesWritten, virtualServers: this.table.listServices().length, ...counts };
  }

  private portsToSync(full: boolean, changedPorts: ReadonlySet<string>, changedServices: readonly string[]): Set<string> {
    if (full) return new Set([...this.applied.keys(), ...this.svcPortMap.keys()]);
    const ports = new Set<string>(changedPorts);
    for (const k of changedPorts) {
      const svc = serviceOfPortKey(k);
      let set = this.portsByService.get(svc);
      if (set === undefined) this.portsByService.set(svc, (set = new Set()));
      set.add(k);
    }
    for (const svc of changedServices) for (const k of this.portsByService.get(svc) ?? []) ports.add(k);
    return ports;
  }

  private syncServicePort(applier: IpvsApplier, key: string, counts: ApplyCounts): void {
    const info = this.svcPortMap.get(key);
    const next = info === undefined ? EMPTY_STATE : servicePortState(this.opts, info, this.endpointsMap.get(key) ?? []);
    applier.apply(this.applied.get(key) ?? EMPTY_STATE, next, counts);
    const svc = serviceOfPortKey(key);
    if (info === undefined) {
      this.applied.delete(key);
      const set = this.portsByService.get(svc);
      set?.delete(key);
      if (set?.size === 0) this.portsByService.delete(svc);
    } else {
      this.applied.set(key, next);
      let set = this.portsByService.get(svc);
      if (set === undefined) this.portsByService.set(svc, (set = new Set()));
      set.add(key);
    }
  }

  /** kube-ipvs0 and the ipsets, made on the first sync (a stale kube-ipvs0 is recreated empty). */
  private infrastructure(full: boolean): IpvsApplier {
    if (this.applier !== undefined && !full) return this.applier;
    if (this.applier === undefined) {
      const { ns, netfilter } = this.opts;
      if (ns.device(KUBE_IPVS0) !== undefined) ns.removeDevice(KUBE_IPVS0);
      const dummy = ns.addDevice(new DummyDevice(KUBE_IPVS0));
      for (const s of IPSETS) netfilter.ipsets.ensure(s.name, s.type, s.comment).flush();
      this.applier = new IpvsApplier(this.table, netfilter.ipsets, ns, dummy);
      this.applied.clear();
    }
    return this.applier;
  }

  /** A service's state key, for tests: which service ports are applied. */
  appliedPorts(service: { namespace: string; name: string }): string[] {
    return [...(this.portsByService.get(serviceKey(service)) ?? [])];
  }
}
