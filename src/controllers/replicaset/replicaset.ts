/**
 * The ReplicaSet controller (k8s.io/kubernetes pkg/controller/replicaset): keeps spec.replicas
 * active pods matching the selector. It adopts matching orphans and releases pods that stop
 * matching, creates pods from the template in slow-start batches (1, 2, 4, ...) with generateName
 * "<rs>-", deletes surplus pods in Kubernetes' order (unscheduled, pending, not ready first), and
 * reports status. Expectations keep a sync from acting on a cache that has not yet seen its own
 * creates and deletes.
 */
import { ownersSelecting, resolveControllerRef, selectorOf } from '../owners.js';
import { ensurePodIndexes, podClaimCandidates } from '../pod-indexes.js';
import type { ApiClient } from '../../api/client.js';
import type { InformerFactory } from '../../api/client/factory.js';
import { objectKey, type Informer } from '../../api/client/informer.js';
import { ApiError } from '../../api/errors.js';
import type { Condition, Pod, ReplicaSet } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { rfc3339 } from '../../util/time.js';
import { Controller } from '../controller.js';
import { EventRecorder } from '../events.js';
import { claimObjects, freshOwnerCheck } from './claim.js';
import { slowStartBatch } from './batch.js';
import { Expectations } from './expectations.js';
import * as podutil from './pods.js';
import { Requeue } from './requeue.js';

/** At most this many creates or deletes per sync (the controller's --burst-replicas default). */
export const BURST_REPLICAS = 500;

export interface ReplicaSetControllerOptions {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  recorder?: EventRecorder;
  workers?: number;
  onError?(key: string, err: Error): void;
}


export class ReplicaSetController extends Controller {
  private readonly client: ApiClient;
  private readonly recorder: EventRecorder;
  private readonly sets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;
  private readonly expectations: Expectations;
  private readonly requeue: Requeue;

  constructor(opts: ReplicaSetControllerOptions) {
    super({ name: 'replicaset-controller', clock: opts.clock, workers: opts.workers ?? 2, onError: opts.onError });
    this.client = opts.client;
    this.recorder = opts.recorder ?? new EventRecorder(opts.client, opts.clock, 'replicaset-controller');
    this.expectations = new Expectations(opts.clock);
    this.requeue = new Requeue(opts.clock, (k) => this.enqueue(k));
    this.sets = opts.factory.informer<ReplicaSet>('replicasets');
    this.pods = opts.factory.informer<Pod>('pods');
    ensurePodIndexes(this.pods);
    this.sets.addHandlers({
      onAdd: (rs) => this.enqueue(objectKey(rs)),
      onUpdate: (_old, rs) => this.enqueue(objectKey(rs)),
      onDelete: (rs) => this.enqueue(objectKey(rs)),
    });
    this.pods.addHandlers({
      onAdd: (pod) => {
        if (pod.metadata.deletionTimestamp) return this.podGone(pod);
        const rs = this.owner(pod);
        if (rs) {
          this.expectations.creationObserved(objectKey(rs));
          this.enqueue(objectKey(rs));
        } else if (!podutil.controllerRef(pod)) {
          this.enqueueMatching(pod);
        }
      },
      onUpdate: (old, pod) => {
        if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
        const labelsChanged = !podutil.deepEqual(old.metadata.labels ?? {}, pod.metadata.labels ?? {});
        if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) this.podGone(pod);
        const oldRs = this.owner(old);
        const rs = this.owner(pod);
        if (oldRs && oldRs.metadata.uid !== rs?.metadata.uid) this.enqueue(objectKey(oldRs));
        if (rs) this.enqueue(objectKey(rs));
        else if (!podutil.controllerRef(pod) && (labelsChanged || oldRs)) this.enqueueMatching(pod);
      },
      onDelete: (pod) => this.podGone(pod),
    });
  }

  protected informers(): Informer<any>[] {
    return [this.sets, this.pods];
  }

  override async stop(): Promise<void> {
    this.requeue.stop();
    await super.stop();
  }

  /** The ReplicaSet a pod's controllerRef points at, if it exists with that uid. */
  private owner(pod: Pod): ReplicaSet | undefined {
    return resolveControllerRef(this.sets, pod, 'ReplicaSet');
  }

  private podGone(pod: Pod): void {
    const rs = this.owner(pod);
    if (!rs) return;
    this.expectations.deletionObserved(objectKey(rs), objectKey(pod));
    this.enqueue(objectKey(rs));
  }

  private enqueueMatching(pod: Pod): void {
    for (const rs of ownersSelecting(this.sets, pod)) this.enqueue(objectKey(rs));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = podutil.splitKey(key);
    const rs = this.sets.get(ns, name);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const selector = selectorOf(rs);
    if (!selector) return;
    const needsSync = this.expectations.satisfied(key) && !rs.metadata.deletionTimestamp;
    const sel = rs.spec.selector;
    const candidates = podClaimCandidates(this.pods, ns, rs.metadata.uid, sel?.matchLabels, !sel?.matchLabels && Boolean(sel?.matchExpressions?.length));
    const active = candidates.filter((p) => podutil.isPodActive(p));
    const owned = await claimObjects(active, {
      client: this.client,
      resource: 'pods',
      owner: rs,
      matches: (p) => selector.matches(p.metadata.labels),
      canAdopt: freshOwnerCheck(this.client, 'replicasets', rs),
    });
    const manageErr = needsSync ? await this.manageReplicas(key, rs, owned) : undefined;
    await this.updateStatus(rs, this.calculateStatus(rs, owned, manageErr));
    if (manageErr) throw manageErr;
    // Ready pods become available after minReadySeconds without any event: look again then.
    const now = this.clock.now();
    const waits = owned.map((p) => podutil.msUntilAvailable(p, rs.spec.minReadySeconds ?? 0, now)).filter((w): w is number => w !== undefined);
    if (waits.length) this.requeue.after(key, Math.min(...waits));
  }

  /** Creates or deletes pods to reach spec.replicas; returns (does not throw) the first failure. */
  private async manageReplicas(key: string, rs: ReplicaSet, owned: Pod[]): Promise<Error | undefined> {
    const diff = owned.length - (rs.spec.replicas ?? 1);
    if (diff < 0) return this.createPods(key, rs, Math.min(-diff, BURST_REPLICAS));
    if (diff > 0) return this.deletePods(key, rs, owned, Math.min(diff, BURST_REPLICAS));
    return undefined;
  }

  private async createPods(key: string, rs: ReplicaSet, count: number): Promise<Error | undefined> {
    this.expectations.expectCreations(key, count);
    const ns = rs.metadata.namespace ?? 'default';
    const template = podutil.podFromTemplate(rs.spec.template, ns, podutil.newControllerRef(rs), {
      generateName: podutil.generateNamePrefix(rs.metadata.name ?? ''),
    });
    const result = await slowStartBatch(count, () => this.client.create<Pod>('pods', template));
    for (const pod of result.done) void this.recorder.normal(rs, 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    for (const err of result.errors) void this.recorder.warning(rs, 'FailedCreate', `Error creating: ${err.message}`);
    // Failed and skipped creates will never be observed.
    for (let i = 0; i < result.errors.length + result.skipped; i++) this.expectations.creationObserved(key);
    return result.errors[0];
  }

  private async deletePods(key: string, rs: ReplicaSet, owned: Pod[], count: number): Promise<Error | undefined> {
    const order = podutil.deletionOrder(podutil.rankBySharedNode(owned), this.clock.now());
    const victims = [...owned].sort(order).slice(0, count);
    this.expectations.expectDeletions(key, victims.map(objectKey));
    const results = await Promise.allSettled(victims.map((p) => this.client.delete('pods', p.metadata.namespace, p.metadata.name ?? '')));
    let firstErr: Error | undefined;
    results.forEach((r, i) => {
      const pod = victims[i]!;
      if (r.status === 'fulfilled') {
        void this.recorder.normal(rs, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        return;
      }
      this.expectations.deletionObserved(key, objectKey(pod));
      if (r.reason instanceof ApiError && r.reason.reason === 'NotFound') return;
      firstErr ??= r.reason as Error;
      void this.recorder.warning(rs, 'FailedDelete', `Error deleting: ${(r.reason as Error).message}`);
    });
    return firstErr;
  }

  private calculateStatus(rs: ReplicaSet, owned: Pod[], manageErr: Error | undefined): Record<string, unknown> {
    const templateLabels = rs.spec.template.metadata?.labels ?? {};
    const now = this.clock.now();
    const minReady = rs.spec.minReadySeconds ?? 0;
    const fully = owned.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length;
    const ready = owned.filter(podutil.isPodReady).length;
    const available = owned.filter((p) => podutil.isPodAvailable(p, minReady, now)).length;
    let conditions: Condition[] = [...(rs.status?.conditions ?? [])];
    const failure = conditions.find((c) => c.type === 'ReplicaFailure');
    if (manageErr && !failure) {
      const reason = owned.length < (rs.spec.replicas ?? 1) ? 'FailedCreate' : 'FailedDelete';
      conditions.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: rfc3339(now), reason, message: manageErr.message });
    } else if (!manageErr && failure) {
      conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
    }
    // Kubernetes omits zero counts (omitempty); replicas is always present.
    const status: Record<string, unknown> = { replicas: owned.length };
    if (fully) status.fullyLabeledReplicas = fully;
    if (ready) status.readyReplicas = ready;
    if (available) status.availableReplicas = available;
    if (rs.metadata.generation) status.observedGeneration = rs.metadata.generation;
    if (conditions.length) status.conditions = conditions;
    return status;
  }

  /**
   * Written without a resourceVersion: only this controller writes ReplicaSet status, and the
   * status subresource cannot touch the spec, so last-writer-wins is safe and avoids retry churn.
   */
  private async updateStatus(rs: ReplicaSet, status: Record<string, unknown>): Promise<void> {
    if (podutil.deepEqual(rs.status ?? {}, status)) return;
    const { resourceVersion: _rv, ...metadata } = rs.metadata;
    try {
      await this.client.update('replicasets', { ...rs, metadata, status }, 'status');
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
  }
}
