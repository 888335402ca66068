/**
 * The endpoints controller: keeps one core/v1 Endpoints per Service with a selector, listing the
 * pods it selects (kube-controller-manager's "endpoint" controller). Services without a selector
 * are left to their users; the Endpoints of a deleted Service are deleted.
 */
import { ensurePodIndexes, podsSelectedBy } from '../pod-indexes.js';
import type { ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import type { InformerFactory } from '../../api/client/factory.js';
import { objectKey, type Informer } from '../../api/client/informer.js';
import type { Endpoints, Pod, Service } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { Controller } from '../controller.js';
import { planEndpoints } from './compute.js';
import { DEFAULT_ENDPOINT_UPDATES_BATCH_PERIOD_MS, ServiceSelectorIndex, wantsEndpoints, watchServicesAndPods } from './pods.js';

export interface EndpointsControllerOptions {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  workers?: number;
  /** --endpoint-updates-batch-period (DEFAULT_ENDPOINT_UPDATES_BATCH_PERIOD_MS; 0 syncs at once). */
  updatesBatchPeriodMs?: number;
  onError?(key: string, err: Error): void;
}

/** Endpoints used as leader-election locks carry this and are not a Service's. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export class EndpointsController extends Controller {
  private readonly client: ApiClient;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly endpoints: Informer<Endpoints>;
  private readonly selectors = new ServiceSelectorIndex();

  constructor(opts: EndpointsControllerOptions) {
    super({ name: 'endpoints', clock: opts.clock, workers: opts.workers ?? 2, onError: opts.onError });
    this.client = opts.client;
    this.services = opts.factory.informer<Service>('services');
    this.pods = opts.factory.informer<Pod>('pods');
    ensurePodIndexes(this.pods);
    this.endpoints = opts.factory.informer<Endpoints>('endpoints');
    const batchMs = opts.updatesBatchPeriodMs ?? DEFAULT_ENDPOINT_UPDATES_BATCH_PERIOD_MS;
    watchServicesAndPods(this.services, this.pods, this.selectors, (s) => this.onService(s), (k) => this.enqueue(k), (k) => this.enqueuePodChange(k, batchMs));
    // A managed Endpoints deleted by hand comes back at once; edits wait for the next change.
    this.endpoints.addHandlers({ onDelete: (e) => this.enqueue(objectKey(e)) });
  }

  override async start(): Promise<void> {
    await super.start();
    // checkLeftoverEndpoints: Endpoints whose Service went while the controller was down.
    for (const ep of this.endpoints.list()) {
      if (!ep.metadata.annotations?.[LEADER_ANNOTATION]) this.enqueue(objectKey(ep));
    }
  }

  protected override informers(): Informer<any>[] {
    return [this.services, this.pods, this.endpoints];
  }

  protected override async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const svc = this.services.getByKey(key);
    if (!svc) {
      // The Service is gone: so are its Endpoints. Deleted even when the cache does not show
      // them yet (a create may still be on its way through the watch), as Kubernetes does.
      try {
        await this.client.delete('endpoints', namespace, name);
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
      }
      return;
    }
    if (!wantsEndpoints(svc)) return; // no selector (user-managed) or ExternalName
    const plan = planEndpoints(svc, podsSelectedBy(this.pods, namespace, svc.spec.selector ?? {}), this.endpoints.getByKey(key));
    if (plan.action === 'none') return;
    try {
      if (plan.action === 'create') await this.client.create('endpoints', plan.endpoints);
      else await this.client.update('endpoints', plan.endpoints);
    } catch (err) {
      // In a terminating namespace creates keep failing: drop the key, as Kubernetes does.
      if (err instanceof ApiError && err.reason === 'Forbidden' && plan.action === 'create') return;
      throw err; // conflicts and stale-cache AlreadyExists are retried with backoff
    }
  }

  /**
   * A pod change: with a batch period, synced when the period ends (AddAfter); without, once the
   * current turn of the event loop is over, so the pod changes of one burst make one sync.
   */
  private enqueuePodChange(key: string, batchMs: number): void {
    if (batchMs > 0) this.queue.addAfter(key, batchMs);
    else this.queue.addSoon(key);
  }

  private onService(s: Service): void {
    this.selectors.set(s);
    this.enqueue(objectKey(s));
  }
}
