/**
 * kube-proxy's iptables Proxier for one node: informer events go into the change trackers; the
 * bounded-frequency runner calls syncProxyRules, which applies the pending changes, builds the
 * restore text (./rules.ts) and loads it into the host's netfilter Ruleset with --noflush. A sync is
 * partial (changed services' chains only) unless the last one failed or fullSyncPeriod has passed.
 * A failed sync has already consumed the trackers' changes, so the next one must be full.
 */
import type { EndpointSlice, Service } from '../../api/types.js';
import { type Ruleset, restore } from '../../dataplane/netfilter/index.js';
import type { Clock } from '../../util/clock.js';
import type { Provider } from '../provider.js';
import { BoundedFrequencyRunner } from '../runner.js';
import { EndpointsChangeTracker } from '../tracker/endpoints.js';
import { ServiceChangeTracker } from '../tracker/service.js';
import type { EndpointsMap, ServicePortMap } from '../types.js';
import { ensureJumpRules } from './jumps.js';
import { type IptablesConfig, type RulesOutput, buildRules } from './rules.js';

export interface IptablesProxierOptions extends IptablesConfig {
  /** The host's rules: its Netfilter's `ruleset`. */
  ruleset: Ruleset;
  clock: Clock;
  /** --iptables-min-sync-period; default 1 s. */
  minSyncPeriodMs?: number;
  /** --iptables-sync-period: a sync at least this often; default 30 s. */
  syncPeriodMs?: number;
  /** kube-proxy's FullSyncPeriod: partial syncs in between; default 1 h. */
  fullSyncPeriodMs?: number;
  /** Delay before retrying a failed sync; default minSyncPeriodMs. */
  retryMs?: number;
  onError?: (err: unknown) => void;
}

export interface SyncStats {
  at: number;
  full: boolean;
  /** Per-service chains declared (rewritten or created) by the restore. */
  writtenChains: number;
  deletedChains: number;
  /** Lines of restore text. */
  lines: number;
  services: number;
  endpoints: number;
}

export class IptablesProxier implements Provider {
  readonly serviceChanges = new ServiceChangeTracker();
  readonly endpointsChanges: EndpointsChangeTracker;
  readonly runner: BoundedFrequencyRunner;
  svcPortMap: ServicePortMap = new Map();
  endpointsMap: EndpointsMap = new Map();
  /** The last restore text and what it did, for inspection (`kemu` status, tests). */
  lastSync: SyncStats | undefined;
  lastOutput: RulesOutput | undefined;
  private servicesSynced = false;
  private endpointSlicesSynced = false;
  private needFullSync = true;
  private lastFullSync = -Infinity;
  private lastCleanup = -Infinity;
  private largeClusterMode = false;
  private readonly clock: Clock;
  private readonly syncPeriodMs: number;
  private readonly fullSyncPeriodMs: number;

  constructor(private readonly opts: IptablesProxierOptions) {
    this.clock = opts.clock;
    this.endpointsChanges = new EndpointsChangeTracker(opts.nodeName);
    const minMs = opts.minSyncPeriodMs ?? 1000;
    this.syncPeriodMs = opts.syncPeriodMs ?? 30_000;
    this.fullSyncPeriodMs = opts.fullSyncPeriodMs ?? 3_600_000;
    this.runner = new BoundedFrequencyRunner('sync-runner', () => this.syncProxyRules(), {
      clock: opts.clock, minIntervalMs: minMs, maxIntervalMs: this.syncPeriodMs, retryIntervalMs: opts.retryMs, onError: opts.onError,
    });
  }

  /** Both initial lists arrived: rules built from half the cluster would break working services. */
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

  stop(): void {
    this.runner.stop();
  }

  /** The next sync rewrites every chain (kube-proxy does this when iptables was flushed behind its back). */
  forceFullSync(): void {
    this.needFullSync = true;
    this.sync();
  }

  /** One sync, now. Throws when the restore fails (the runner retries; the next sync is full). */
  syncProxyRules(): void {
    if (!this.initialized) return;
    const now = this.clock.now();
    const full = this.needFullSync || now - this.lastFullSync > this.fullSyncPeriodMs;
    const services = this.serviceChanges.apply();
    const endpoints = this.endpointsChanges.apply();
    this.svcPortMap = services.serviceMap;
    this.endpointsMap = endpoints.endpointsMap;
    let ok = false;
    try {
      if (full) ensureJumpRules(this.opts.ruleset);
      // Finding stale chains reads the whole nat table; large clusters do it once per sync period.
      const cleanup = !this.largeClusterMode || now - this.lastCleanup > this.syncPeriodMs;
      const out = buildRules(this.opts, {
        services: this.svcPortMap,
        endpoints: this.endpointsMap,
        fullSync: full,
        changedServices: new Set([...services.updatedServices, ...endpoints.updatedServices]),
        existingNatChains: cleanup ? this.opts.ruleset.table('nat').chains.keys() : undefined,
      });
      if (cleanup) this.lastCleanup = now;
      this.largeClusterMode = out.largeClusterMode;
      restore(this.opts.ruleset, out.text, { noflush: true, counters: true });
      ok = true;
      this.needFullSync = false;
      if (full) this.lastFullSync = now;
      this.lastOutput = out;
      let eps = 0;
      for (const list of this.endpointsMap.values()) eps += list.length;
      this.lastSync = {
        at: now, full, writtenChains: out.writtenChains.length, deletedChains: out.deletedChains.length,
        lines: out.text.split('\n').length - 1, services: this.svcPortMap.size, endpoints: eps,
      };
    } finally {
      if (!ok) this.needFullSync = true;
    }
  }
}
