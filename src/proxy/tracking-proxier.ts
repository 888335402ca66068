/**
 * What every kube-proxy mode shares (pkg/proxy's common Proxier plumbing): the Service and
 * EndpointSlice change trackers fed by the informer handlers, "initialized" once both initial lists
 * arrived, and a bounded-frequency runner that calls the mode's syncProxyRules. A mode extends this
 * and writes only its sync.
 */
import type { EndpointSlice, Service } from '../api/types.js';
import type { Clock } from '../util/clock.js';
import type { Provider } from './provider.js';
import { BoundedFrequencyRunner } from './runner.js';
import { EndpointsChangeTracker, type UpdateEndpointsMapResult } from './tracker/endpoints.js';
import { ServiceChangeTracker, type UpdateServiceMapResult } from './tracker/service.js';
import type { EndpointsMap, ServicePortMap } from './types.js';

export interface SyncTiming {
  clock: Clock;
  /** --*-min-sync-period; default 1 s. */
  minSyncPeriodMs?: number;
  /** --*-sync-period: a sync at least this often; default 30 s. */
  syncPeriodMs?: number;
  /** Delay before retrying a failed sync; default minSyncPeriodMs. */
  retryMs?: number;
  onError?: (err: unknown) => void;
}

/** What the trackers applied during the syncs since the last report (see TrackingProxier.onSynced). */
export interface SyncedChanges {
  serviceMap: ServicePortMap;
  endpointsMap: EndpointsMap;
  /** "namespace/name" of every Service whose ports or endpoints changed. */
  updatedServices: Set<string>;
  /** servicePortKeys whose Service port or endpoint list changed. */
  changedPorts: Set<string>;
  deletedUDPClusterIPs: Set<string>;
  deletedUDPEndpoints: UpdateEndpointsMapResult['deletedUDPEndpoints'];
}

/** Keeps what each apply() returned until the sync that called it has completed. */
class RecordingServiceTracker extends ServiceChangeTracker {
  applied: UpdateServiceMapResult[] = [];
  override apply(): UpdateServiceMapResult {
    const r = super.apply();
    this.applied.push(r);
    return r;
  }
}

class RecordingEndpointsTracker extends EndpointsChangeTracker {
  applied: UpdateEndpointsMapResult[] = [];
  override apply(): UpdateEndpointsMapResult {
    const r = super.apply();
    this.applied.push(r);
    return r;
  }
}

export abstract class TrackingProxier implements Provider {
  /** The trackers keep what each apply() returned until the sync that called it has completed. */
  readonly serviceChanges = new RecordingServiceTracker();
  readonly endpointsChanges: RecordingEndpointsTracker;
  readonly runner: BoundedFrequencyRunner;
  /**
   * Told after each successful sync what it applied: kube-proxy's work after syncProxyRules that is
   * the same in every mode (health-check servers, stale UDP conntrack entries) hangs here, outside
   * the modes. Changes applied by a sync that threw are reported with the next successful one.
   */
  onSynced: ((changes: SyncedChanges) => void) | undefined;
  /** kube-proxy's healthz: told of every queued update (a sync asked for) and every successful sync. */
  health: { queuedUpdate(): void; updated(): void } | undefined;
  private servicesSynced = false;
  private endpointSlicesSynced = false;
  private readonly onError: ((err: unknown) => void) | undefined;

  protected constructor(runnerName: string, nodeName: string, t: SyncTiming) {
    this.onError = t.onError;
    this.endpointsChanges = new RecordingEndpointsTracker(nodeName);
    this.runner = new BoundedFrequencyRunner(runnerName, () => this.runSync(), {
      clock: t.clock, minIntervalMs: t.minSyncPeriodMs ?? 1000, maxIntervalMs: t.syncPeriodMs ?? 30_000, retryIntervalMs: t.retryMs, onError: t.onError,
    });
  }

  /** One sync of the mode's state from the trackers' pending changes. */
  abstract syncProxyRules(): void;

  private runSync(): void {
    this.syncProxyRules(); // a throw keeps the records for the next sync (the runner retries)
    this.health?.updated();
    const services = this.serviceChanges.applied.splice(0);
    const endpoints = this.endpointsChanges.applied.splice(0);
    const onSynced = this.onSynced;
    // Every sync applies both trackers; their maps are the same objects on every apply.
    const serviceMap = services.at(-1)?.serviceMap;
    const endpointsMap = endpoints.at(-1)?.endpointsMap;
    if (onSynced === undefined || serviceMap === undefined || endpointsMap === undefined) return;
    const changes: SyncedChanges = {
      serviceMap,
      endpointsMap,
      updatedServices: new Set(), changedPorts: new Set(), deletedUDPClusterIPs: new Set(), deletedUDPEndpoints: [],
    };
    for (const r of [...services, ...endpoints]) {
      for (const s of r.updatedServices) changes.updatedServices.add(s);
      for (const p of r.changedPorts) changes.changedPorts.add(p);
    }
    for (const r of services) for (const ip of r.deletedUDPClusterIPs) changes.deletedUDPClusterIPs.add(ip);
    for (const r of endpoints) changes.deletedUDPEndpoints.push(...r.deletedUDPEndpoints);
    // Periodic syncs apply nothing; they have nothing to report either.
    if (changes.updatedServices.size === 0 && changes.changedPorts.size === 0) return;
    try {
      onSynced(changes);
    } catch (err) {
      this.onError?.(err); // the rules did sync: the runner must not retry them for this
    }
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
    if (this.initialized) this.health?.queuedUpdate();
    this.runner.run();
  }

  start(): void {
    this.runner.start();
  }

  stop(): void {
    this.runner.stop();
  }
}
