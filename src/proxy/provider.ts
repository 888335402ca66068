/**
 * kube-proxy's proxy.Provider: what every proxy mode implements. Informer handlers feed the change
 * trackers (cheap, never touching rules); sync() asks the bounded-frequency runner for a rule sync;
 * start() is SyncLoop. ./config.ts connects a Provider to shared informers.
 */
import type { EndpointSlice, Service } from '../api/types.js';

export interface ServiceHandler {
  onServiceAdd(service: Service): void;
  onServiceUpdate(oldService: Service, service: Service): void;
  onServiceDelete(service: Service): void;
  /** All Services of the initial list have been delivered. */
  onServicesSynced(): void;
}

export interface EndpointSliceHandler {
  onEndpointSliceAdd(slice: EndpointSlice): void;
  onEndpointSliceUpdate(oldSlice: EndpointSlice, slice: EndpointSlice): void;
  onEndpointSliceDelete(slice: EndpointSlice): void;
  /** All EndpointSlices of the initial list have been delivered. */
  onEndpointSlicesSynced(): void;
}

export interface Provider extends ServiceHandler, EndpointSliceHandler {
  /** Requests a rule sync as soon as the minimum sync period allows. */
  sync(): void;
  /** Starts the periodic sync loop. */
  start(): void;
  stop(): void;
}
