/**
 * kube-proxy's iptables Proxier for one node: informer events go into the change trackers; the
 * bounded-frequency runner calls syncProxyRules, which applies the pending changes, builds the
 * restore text (./rules.ts) and loads it into the host's netfilter Ruleset with --noflush. A sync is
 * partial (changed services' chains only) unless the last one failed or fullSyncPeriod has passed.
 * A failed sync has already consumed the trackers' changes, so the next one must be full.
 */
import { type Ruleset, restore } from '../../dataplane/netfilter/index.js';
import type { Clock } from '../../util/clock.js';
import { TrackingProxier } from '../tracking-proxier.js';
import type { EndpointsMap, ServicePortMap } from '../types.js';
import { ensureJumpRules } from './jumps.js';
import { type EntryRulesCache, type IptablesConfig, type RulesOutput, buildRules } from './rules.js';

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

export class IptablesProxier extends TrackingProxier {
  svcPortMap: ServicePortMap = new Map();
  endpointsMap: EndpointsMap = new Map();
  /** The last restore text and what it did, for inspection (`kemu` status, tests). */
  lastSync: SyncStats | undefined;
  lastOutput: RulesOutput | undefined;
  private needFullSync = true;
  private lastFullSync = -Infinity;
  private lastCleanup = -Infinity;
  private largeClusterMode = false;
  private readonly entryCache: EntryRulesCache = new Map();
  private readonly clock: Clock;
  private readonly syncPeriodMs: number;
  private readonly fullSyncPeriodMs: number;

  constructor(private readonly opts: IptablesProxierOptions) {
    super('sync-runner', opts.nodeName, opts);
    this.clock = opts.clock;
    this.syncPeriodMs = opts.syncPeriodMs ?? 30_000;
    this.fullSyncPeriodMs = opts.fullSyncPeriodMs ?? 3_600_000;
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
        entryCache: this.entryCache,
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
