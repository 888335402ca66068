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
import { EndpointsChangeTracker } from './tracker/endpoints.js';
import { ServiceChangeTracker } from './tracker/service.js';

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

export abstract class TrackingProxier implements Provider {
  readonly serviceChanges = new ServiceChangeTracker();
  readonly endpointsChanges: EndpointsChangeTracker;
  readonly runner: BoundedFrequencyRunner;
  private servicesSynced = false;
  private endpointSlicesSynced = false;

  protected constructor(runnerName: string, nodeName: string, t: SyncTiming) {
    this.endpointsChanges = new EndpointsChangeTracker(nodeName);
    this.runner = new BoundedFrequencyRunner(runnerName, () => this.syncProxyRules(), {
      clock: t.clock, minIntervalMs: t.minSyncPeriodMs ?? 1000, maxIntervalMs: t.syncPeriodMs ?? 30_000, retryIntervalMs: t.retryMs, onError: t.onError,
    });
  }

  /** One sync of the mode's state from the trackers' pending changes. */
  abstract syncProxyRules(): void;

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
}
