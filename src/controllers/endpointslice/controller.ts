/**
 * The EndpointSlice controller: keeps the discovery.k8s.io/v1 EndpointSlices of every Service with
 * a selector in step with the pods it selects (at most maxEndpointsPerSlice endpoints per slice,
 * one set of slices per distinct port set), writing only what changed.
 */
import { ensurePodIndexes, podsSelectedBy, POD_BY_NODE } from '../pod-indexes.js';
import type { ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import type { InformerFactory } from '../../api/client/factory.js';
import { objectKey, type Informer } from '../../api/client/informer.js';
import type { EndpointSlice, Node, Pod, Service } from '../../api/types.js';
import { KemuError } from '../../util/errors.js';
import type { Clock } from '../../util/clock.js';
import { Controller } from '../controller.js';
import { DEFAULT_ENDPOINT_UPDATES_BATCH_PERIOD_MS, ServiceSelectorIndex, wantsEndpoints, watchServicesAndPods } from '../endpoints/pods.js';
import { CONTROLLER_NAME, DEFAULT_MAX_ENDPOINTS_PER_SLICE, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_ZONE, desiredEndpoints } from './compute.js';
import { reconcileSlices } from './reconcile.js';
import { SliceTracker } from './tracker.js';

export interface EndpointSliceControllerOptions {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  maxEndpointsPerSlice?: number;
  workers?: number;
  /** --endpointslice-updates-batch-period (DEFAULT_ENDPOINT_UPDATES_BATCH_PERIOD_MS; 0 syncs at once). */
  updatesBatchPeriodMs?: number;
  onError?(key: string, err: Error): void;
}

export const ERR_STALE_SLICE_CACHE = 'ERR_STALE_SLICE_CACHE';
export const ERR_NODE_NOT_FOUND = 'ERR_NODE_NOT_FOUND';

const SLICES_BY_SERVICE = 'slices-by-service';

export class EndpointSliceController extends Controller {
  private readonly client: ApiClient;
  private readonly max: number;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly selectors = new ServiceSelectorIndex();
  private readonly tracker = new SliceTracker();

  constructor(opts: EndpointSliceControllerOptions) {
    super({ name: 'endpointslice', clock: opts.clock, workers: opts.workers ?? 2, onError: opts.onError });
    this.client = opts.client;
    this.max = opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
    this.services = opts.factory.informer<Service>('services');
    this.pods = opts.factory.informer<Pod>('pods');
    ensurePodIndexes(this.pods);
    this.nodes = opts.factory.informer<Node>('nodes');
    this.slices = opts.factory.informer<EndpointSlice>('endpointslices');
    // Slices this controller manages, by "namespace/service", so a sync does not scan every slice.
    this.slices.addIndex(SLICES_BY_SERVICE, (s) =>
      s.metadata.labels?.[LABEL_MANAGED_BY] === CONTROLLER_NAME && s.metadata.labels?.[LABEL_SERVICE_NAME]
        ? [`${s.metadata.namespace}/${s.metadata.labels[LABEL_SERVICE_NAME]}`]
        : [],
    );
    const batchMs = opts.updatesBatchPeriodMs ?? DEFAULT_ENDPOINT_UPDATES_BATCH_PERIOD_MS;
    watchServicesAndPods(this.services, this.pods, this.selectors, (s) => this.onService(s), (k) => this.enqueue(k), (k) => this.enqueuePodChange(k, batchMs));
    // Zones come from Node labels; a Node appearing also unblocks pods that were waiting for it.
    this.nodes.addHandlers({
      onAdd: (n) => this.onNode(n),
      onUpdate: (o, n) => {
        if (o.metadata.labels?.[LABEL_ZONE] !== n.metadata.labels?.[LABEL_ZONE]) this.onNode(n);
      },
    });
    // Changes we did not make (a slice deleted or edited by hand) trigger a repair.
    this.slices.addHandlers({
      onAdd: (s) => this.onSlice(s, false),
      onUpdate: (_o, s) => this.onSlice(s, false),
      onDelete: (s) => this.onSlice(s, true),
    });
  }

  protected override informers(): Informer<any>[] {
    return [this.services, this.pods, this.nodes, this.slices];
  }

  protected override async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const svc = this.services.getByKey(key);
    if (!svc) {
      // The garbage collector removes the slices through their ownerReference, as in Kubernetes
      // (so `--cascade=orphan` can keep them); a Service of the same name later deletes them.
      this.tracker.deleteService(key);
      return;
    }
    const managed = this.managedSlices(namespace, name);
    if (!wantsEndpoints(svc)) return; // no selector (user-managed) or ExternalName
    if (this.tracker.stale(key, managed)) {
      throw new KemuError(ERR_STALE_SLICE_CACHE, `EndpointSlice informer cache is out of date for service ${key}`);
    }
    this.tracker.settle(key, managed);
    const pods = podsSelectedBy(this.pods, namespace, svc.spec.selector ?? {});
    const desired = desiredEndpoints(svc, pods, (n) => this.nodes.get(undefined, n));
    const plan = reconcileSlices(svc, desired.groups, managed, this.max);
    if (!svc.metadata.deletionTimestamp) {
      for (const s of plan.create) {
        let created: EndpointSlice;
        try {
          created = await this.client.create<EndpointSlice>('endpointslices', s);
        } catch (err) {
          if (err instanceof ApiError && err.reason === 'Forbidden') return; // namespace terminating
          throw err;
        }
        this.tracker.wrote(key, created);
      }
    }
    for (const s of plan.update) this.tracker.wrote(key, await this.client.update<EndpointSlice>('endpointslices', s));
    for (const s of plan.delete) await this.deleteSlice(key, s);
    if (desired.missingNodes.length) {
      // The slices are written without those pods; retry until their Nodes show up.
      throw new KemuError(ERR_NODE_NOT_FOUND, `skipping pods of service ${key}, node not found: ${desired.missingNodes.join(', ')}`);
    }
  }

  private managedSlices(namespace: string, service: string): EndpointSlice[] {
    const out = this.slices.byIndex(SLICES_BY_SERVICE, `${namespace}/${service}`).filter((s) => !s.metadata.deletionTimestamp);
    return out.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  }

  private async deleteSlice(key: string, s: EndpointSlice): Promise<void> {
    try {
      await this.client.delete('endpointslices', s.metadata.namespace, s.metadata.name ?? '');
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
    this.tracker.expectDeletion(key, s);
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

  private onSlice(s: EndpointSlice, deleted: boolean): void {
    const svcName = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!svcName || s.metadata.labels?.[LABEL_MANAGED_BY] !== CONTROLLER_NAME) return;
    const key = `${s.metadata.namespace}/${svcName}`;
    if (this.tracker.shouldSync(key, s, deleted)) this.enqueue(key);
  }

  private onNode(n: Node): void {
    const keys = new Set<string>();
    for (const p of this.pods.byIndex(POD_BY_NODE, n.metadata.name!)) for (const k of this.selectors.servicesFor(p)) keys.add(k);
    for (const k of keys) this.enqueue(k);
  }
}
