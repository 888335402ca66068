/**
 * kube-proxy's ServiceConfig / EndpointSliceConfig: connect a Provider to the shared Service and
 * EndpointSlice informers. Handlers only record changes in the provider's trackers; the provider's
 * runner turns them into rule syncs. The informers are shared with other components, so stopping
 * detaches this proxy's handlers (they go quiet) rather than stopping the informers.
 */
import type { InformerFactory } from '../api/client/factory.js';
import type { EndpointSlice, Service } from '../api/types.js';
import type { Provider } from './provider.js';

export interface ProxyConfigHandle {
  /** Resolves once both initial lists reached the provider. */
  synced: Promise<void>;
  stop(): void;
}

/** Subscribes `provider` to Services and EndpointSlices, starts the informers and the provider's loop. */
export function runProxyConfig(provider: Provider, informers: InformerFactory): ProxyConfigHandle {
  let live = true;
  const services = informers.informer<Service>('services');
  const slices = informers.informer<EndpointSlice>('endpointslices');
  services.addHandlers({
    onAdd: (s) => live && provider.onServiceAdd(s),
    onUpdate: (o, s) => live && provider.onServiceUpdate(o, s),
    onDelete: (s) => live && provider.onServiceDelete(s),
  });
  slices.addHandlers({
    onAdd: (s) => live && provider.onEndpointSliceAdd(s),
    onUpdate: (o, s) => live && provider.onEndpointSliceUpdate(o, s),
    onDelete: (s) => live && provider.onEndpointSliceDelete(s),
  });
  provider.start();
  services.start();
  slices.start();
  const synced = Promise.all([
    services.waitForSync().then(() => live && provider.onServicesSynced()),
    slices.waitForSync().then(() => live && provider.onEndpointSlicesSynced()),
  ]).then(() => undefined);
  return {
    synced,
    stop: () => {
      live = false;
      provider.stop();
    },
  };
}
