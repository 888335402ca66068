/**
 * The StatefulSet controller (k8s.io/kubernetes pkg/controller/statefulset): pods with stable
 * ordinal names "<set>-0..N-1". OrderedReady creates pod i+1 only when 0..i are Running and Ready
 * and removes pods from the highest ordinal, one at a time; Parallel creates and removes them all
 * at once. RollingUpdate replaces pods of an old revision from the highest ordinal down to the
 * partition, one at a time, each after the previous one is healthy; OnDelete leaves that to users.
 * Not emulated: volumeClaimTemplates (kemu has no PersistentVolumeClaims) and ControllerRevision
 * objects (a recreated pod always gets the current template, even below the partition).
 */
import { ownersSelecting, resolveControllerRef, selectorOf } from '../owners.js';
import { ensurePodIndexes } from '../pod-indexes.js';
import type { ApiClient } from '../../api/client.js';
import type { InformerFactory } from '../../api/client/factory.js';
import { objectKey, type Informer } from '../../api/client/informer.js';
import { ApiError } from '../../api/errors.js';
import type { Pod, StatefulSet } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { Controller } from '../controller.js';
import { EventRecorder } from '../events.js';
import { claimObjects, freshOwnerCheck } from '../replicaset/claim.js';
import { controllerRef, deepEqual, isPodAvailable, isRunningAndReady, isTerminal, msUntilAvailable, splitKey } from '../replicaset/pods.js';
import { Requeue } from '../replicaset/requeue.js';
import { newStatefulPod, ordinalOf, revisionOf, updateRevision } from './identity.js';

export interface StatefulSetControllerOptions {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  recorder?: EventRecorder;
  workers?: number;
  onError?(key: string, err: Error): void;
}


const isHealthy = (p: Pod): boolean => isRunningAndReady(p) && !p.metadata.deletionTimestamp;

export class StatefulSetController extends Controller {
  private readonly client: ApiClient;
  private readonly recorder: EventRecorder;
  private readonly sets: Informer<StatefulSet>;
  private readonly pods: Informer<Pod>;
  private readonly requeue: Requeue;

  constructor(opts: StatefulSetControllerOptions) {
    super({ name: 'statefulset-controller', clock: opts.clock, workers: opts.workers ?? 2, onError: opts.onError });
    this.client = opts.client;
    this.recorder = opts.recorder ?? new EventRecorder(opts.client, opts.clock, 'statefulset-controller');
    this.requeue = new Requeue(opts.clock, (k) => this.enqueue(k));
    this.sets = opts.factory.informer<StatefulSet>('statefulsets');
    this.pods = opts.factory.informer<Pod>('pods');
    ensurePodIndexes(this.pods);
    const enqueueSet = (s: StatefulSet) => this.enqueue(objectKey(s));
    this.sets.addHandlers({ onAdd: enqueueSet, onUpdate: (_o, s) => enqueueSet(s), onDelete: enqueueSet });
    const onPod = (pod: Pod) => {
      const owner = this.owner(pod);
      if (owner) return enqueueSet(owner);
      if (controllerRef(pod)) return;
      for (const s of ownersSelecting(this.sets, pod)) enqueueSet(s);
    };
    this.pods.addHandlers({
      onAdd: onPod,
      onUpdate: (old, pod) => {
        const before = this.owner(old);
        if (before && before.metadata.uid !== this.owner(pod)?.metadata.uid) enqueueSet(before);
        onPod(pod);
      },
      onDelete: onPod,
    });
  }

  protected informers(): Informer<any>[] {
    return [this.sets, this.pods];
  }

  override async stop(): Promise<void> {
    this.requeue.stop();
    await super.stop();
  }

  private owner(pod: Pod): StatefulSet | undefined {
    return resolveControllerRef(this.sets, pod, 'StatefulSet');
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const set = this.sets.get(ns, name);
    if (!set) return;
    const selector = selectorOf(set);
    if (!selector) return;
    const pods = await claimObjects(
      this.pods.listNamespace(ns),
      {
        client: this.client,
        resource: 'pods',
        owner: set,
        matches: (p) => selector.matches(p.metadata.labels) && ordinalOf(set, p as Pod) !== undefined,
        canAdopt: freshOwnerCheck(this.client, 'statefulsets', set),
      },
    );
    const revision = updateRevision(set);
    if (!set.metadata.deletionTimestamp) await this.reconcile(set, pods, revision);
    await this.writeStatus(set, this.computeStatus(set, pods, revision));
    const now = this.clock.now();
    const waits = pods.map((p) => msUntilAvailable(p, (set.spec.minReadySeconds as number | undefined) ?? 0, now)).filter((w): w is number => w !== undefined);
    if (waits.length) this.requeue.after(key, Math.min(...waits));
  }

  /** One pass of StatefulSetControl: returns early wherever OrderedReady must wait. */
  private async reconcile(set: StatefulSet, pods: Pod[], revision: string): Promise<void> {
    const replicas = set.spec.replicas ?? 1;
    const monotonic = set.spec.podManagementPolicy !== 'Parallel';
    const minReady = (set.spec.minReadySeconds as number | undefined) ?? 0;
    const slots: (Pod | undefined)[] = new Array(replicas).fill(undefined);
    const condemned: Pod[] = [];
    for (const p of pods) {
      const ord = ordinalOf(set, p)!;
      if (ord < replicas) slots[ord] = p;
      else condemned.push(p);
    }
    condemned.sort((a, b) => ordinalOf(set, b)! - ordinalOf(set, a)!); // highest ordinal first

    for (let i = 0; i < replicas; i++) {
      const pod = slots[i];
      if (pod && isTerminal(pod) && !pod.metadata.deletionTimestamp) {
        // A failed or finished pod is replaced under the same name.
        await this.deletePod(set, pod);
        slots[i] = undefined;
      } else if (pod?.metadata.deletionTimestamp) {
        if (monotonic) return; // wait until the old incarnation is gone
        continue;
      }
      if (!slots[i]) {
        await this.createPod(set, i, revision);
        if (monotonic) return;
        continue;
      }
      // With minReadySeconds, OrderedReady waits for availability, not just readiness.
      if (monotonic && !(isRunningAndReady(slots[i]!) && isPodAvailable(slots[i]!, minReady, this.clock.now()))) return;
    }

    const firstUnhealthy = [...slots, ...[...condemned].reverse()].find((p) => p && !isHealthy(p));
    for (const pod of condemned) {
      if (pod.metadata.deletionTimestamp) {
        if (monotonic) return;
        continue;
      }
      if (monotonic && !isRunningAndReady(pod) && pod !== firstUnhealthy) return;
      await this.deletePod(set, pod);
      if (monotonic) return;
    }

    const strategy = set.spec.updateStrategy as { type?: string; rollingUpdate?: { partition?: number } } | undefined;
    if (strategy?.type === 'OnDelete') return;
    const partition = strategy?.rollingUpdate?.partition ?? 0;
    for (let i = replicas - 1; i >= partition; i--) {
      const pod = slots[i];
      if (!pod) continue;
      if (revisionOf(pod) !== revision && !pod.metadata.deletionTimestamp) {
        await this.deletePod(set, pod);
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }

  private async createPod(set: StatefulSet, ordinal: number, revision: string): Promise<void> {
    const pod = newStatefulPod(set, ordinal, revision);
    const what = `Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name}`;
    try {
      await this.client.create('pods', pod);
      void this.recorder.normal(set, 'SuccessfulCreate', `create ${what} successful`);
    } catch (err) {
      // Our cache had not seen it yet: the pod exists, which is what we wanted.
      if (err instanceof ApiError && err.reason === 'AlreadyExists') return;
      void this.recorder.warning(set, 'FailedCreate', `create ${what} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    const what = `Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name}`;
    try {
      await this.client.delete('pods', pod.metadata.namespace, pod.metadata.name ?? '');
      void this.recorder.normal(set, 'SuccessfulDelete', `delete ${what} successful`);
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return;
      void this.recorder.warning(set, 'FailedDelete', `delete ${what} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  private computeStatus(set: StatefulSet, pods: Pod[], revision: string): Record<string, unknown> {
    const now = this.clock.now();
    const minReady = (set.spec.minReadySeconds as number | undefined) ?? 0;
    const current = (set.status?.currentRevision as string | undefined) ?? revision;
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    const status: Record<string, unknown> = {
      observedGeneration: set.metadata.generation,
      replicas: pods.length,
      readyReplicas: pods.filter(isRunningAndReady).length,
      currentReplicas: live.filter((p) => revisionOf(p) === current).length,
      updatedReplicas: live.filter((p) => revisionOf(p) === revision).length,
      availableReplicas: pods.filter((p) => isRunningAndReady(p) && isPodAvailable(p, minReady, now)).length,
      currentRevision: current,
      updateRevision: revision,
      collisionCount: (set.status?.collisionCount as number | undefined) ?? 0,
    };
    // completeRollingUpdate: once every pod runs the update revision and is ready, it becomes current.
    const strategy = (set.spec.updateStrategy as { type?: string } | undefined)?.type ?? 'RollingUpdate';
    if (strategy === 'RollingUpdate' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentRevision = revision;
      status.currentReplicas = status.updatedReplicas;
    }
    // omitempty, as Kubernetes serializes it; replicas and availableReplicas are always present.
    for (const k of ['observedGeneration', 'readyReplicas', 'currentReplicas', 'updatedReplicas']) if (!status[k]) delete status[k];
    return status;
  }

  private async writeStatus(set: StatefulSet, status: Record<string, unknown>): Promise<void> {
    if (deepEqual(set.status ?? {}, status)) return;
    const { resourceVersion: _rv, ...metadata } = set.metadata;
    try {
      await this.client.update('statefulsets', { ...set, metadata, status }, 'status');
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
  }
}
