/**
 * The DaemonSet controller (k8s.io/kubernetes pkg/controller/daemon): one pod on every node that
 * should run it (node selector/affinity and taints, judged by the scheduler's own predicates with
 * the daemon tolerations added). Pods are created unscheduled but pinned to their node by
 * required node affinity on metadata.name, and the scheduler binds them, as in Kubernetes since
 * 1.12. Failed pods are replaced; extra pods on a node are removed; a RollingUpdate replaces pods
 * of an old template while at most maxUnavailable daemon pods are unavailable (maxSurge: not emulated).
 */
import { ownersSelecting, resolveControllerRef, selectorOf } from '../owners.js';
import { ensurePodIndexes } from '../pod-indexes.js';
import type { ApiClient } from '../../api/client.js';
import type { InformerFactory } from '../../api/client/factory.js';
import { objectKey, type Informer } from '../../api/client/informer.js';
import { ApiError } from '../../api/errors.js';
import type { DaemonSet, Node, Pod } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { Controller } from '../controller.js';
import { EventRecorder } from '../events.js';
import { computeHash } from '../deployment/hash.js';
import { scaledValue } from '../deployment/util.js';
import { slowStartBatch } from '../replicaset/batch.js';
import { claimObjects, freshOwnerCheck } from '../replicaset/claim.js';
import { Expectations } from '../replicaset/expectations.js';
import { controllerRef, deepEqual, isPodAvailable, isPodReady, msUntilAvailable, splitKey } from '../replicaset/pods.js';
import { Requeue } from '../replicaset/requeue.js';
import { byCreationAndPhase, nodeShouldRunDaemonPod, pinToNode, REVISION_LABEL, targetNodeName, templatePod } from './pods.js';

export interface DaemonSetControllerOptions {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  recorder?: EventRecorder;
  workers?: number;
  onError?(key: string, err: Error): void;
}


/** What placement reads from a Node; status heartbeats change none of it. */
const placementView = (n: Node): string => JSON.stringify([n.metadata.labels, n.spec?.taints]);

interface Plan {
  create: string[];
  remove: Pod[];
}

export class DaemonSetController extends Controller {
  private readonly client: ApiClient;
  private readonly recorder: EventRecorder;
  private readonly sets: Informer<DaemonSet>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly expectations: Expectations;
  private readonly requeue: Requeue;

  constructor(opts: DaemonSetControllerOptions) {
    super({ name: 'daemonset-controller', clock: opts.clock, workers: opts.workers ?? 2, onError: opts.onError });
    this.client = opts.client;
    this.recorder = opts.recorder ?? new EventRecorder(opts.client, opts.clock, 'daemonset-controller');
    this.expectations = new Expectations(opts.clock);
    this.requeue = new Requeue(opts.clock, (k) => this.enqueue(k));
    this.sets = opts.factory.informer<DaemonSet>('daemonsets');
    this.pods = opts.factory.informer<Pod>('pods');
    ensurePodIndexes(this.pods);
    this.nodes = opts.factory.informer<Node>('nodes');
    const enqueueDs = (ds: DaemonSet) => this.enqueue(objectKey(ds));
    const enqueueAll = () => this.sets.list().forEach(enqueueDs);
    this.sets.addHandlers({ onAdd: enqueueDs, onUpdate: (_o, ds) => enqueueDs(ds), onDelete: enqueueDs });
    this.nodes.addHandlers({
      onAdd: enqueueAll,
      onUpdate: (old, n) => placementView(old) !== placementView(n) && enqueueAll(),
      onDelete: enqueueAll,
    });
    this.pods.addHandlers({
      onAdd: (pod) => {
        if (pod.metadata.deletionTimestamp) return this.podGone(pod);
        const ds = this.owner(pod);
        if (ds) {
          this.expectations.creationObserved(objectKey(ds));
          enqueueDs(ds);
        } else if (!controllerRef(pod)) this.enqueueMatching(pod);
      },
      onUpdate: (old, pod) => {
        if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) this.podGone(pod);
        const before = this.owner(old);
        const now = this.owner(pod);
        if (before && before.metadata.uid !== now?.metadata.uid) enqueueDs(before);
        if (now) enqueueDs(now);
        else if (!controllerRef(pod)) this.enqueueMatching(pod);
      },
      onDelete: (pod) => this.podGone(pod),
    });
  }

  protected informers(): Informer<any>[] {
    return [this.sets, this.pods, this.nodes];
  }

  override async stop(): Promise<void> {
    this.requeue.stop();
    await super.stop();
  }

  private owner(pod: Pod): DaemonSet | undefined {
    return resolveControllerRef(this.sets, pod, 'DaemonSet');
  }

  private podGone(pod: Pod): void {
    const ds = this.owner(pod);
    if (!ds) return;
    this.expectations.deletionObserved(objectKey(ds), objectKey(pod));
    this.enqueue(objectKey(ds));
  }

  private enqueueMatching(pod: Pod): void {
    for (const ds of ownersSelecting(this.sets, pod)) this.enqueue(objectKey(ds));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const ds = this.sets.get(ns, name);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const selector = selectorOf(ds);
    if (!selector || selector.empty) return;
    const owned = await claimObjects(
      this.pods.listNamespace(ns),
      { client: this.client, resource: 'pods', owner: ds, matches: (p) => selector.matches(p.metadata.labels), canAdopt: freshOwnerCheck(this.client, 'daemonsets', ds) },
    );
    const hash = computeHash(ds.spec.template, ds.status?.collisionCount as number | undefined);
    const byNode = new Map<string, Pod[]>();
    const orphaned: Pod[] = []; // unscheduled pods pinned to a node that no longer exists
    const nodeNames = new Set(this.nodes.list().map((n) => n.metadata.name));
    for (const p of owned) {
      const node = targetNodeName(p);
      if (node === undefined) continue;
      if (!nodeNames.has(node) && !p.spec.nodeName && !p.metadata.deletionTimestamp) orphaned.push(p);
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    const template = templatePod(ds);
    if (this.expectations.satisfied(key) && !ds.metadata.deletionTimestamp) {
      const plan = this.manage(ds, template, byNode);
      plan.remove.push(...orphaned);
      if (plan.create.length === 0 && plan.remove.length === 0 && this.isRollingUpdate(ds)) plan.remove.push(...this.rollingUpdate(ds, template, byNode, hash));
      await this.syncNodes(key, ds, template, plan, hash);
    }
    await this.updateStatus(ds, template, byNode, hash);
  }

  private isRollingUpdate(ds: DaemonSet): boolean {
    return ((ds.spec.updateStrategy as { type?: string } | undefined)?.type ?? 'RollingUpdate') === 'RollingUpdate';
  }

  /** podsShouldBeOnNode for every node: missing pods, failed pods, duplicates, misplaced pods. */
  private manage(ds: DaemonSet, template: Pod, byNode: Map<string, Pod[]>): Plan {
    const plan: Plan = { create: [], remove: [] };
    for (const node of this.nodes.list()) {
      const nodeName = node.metadata.name ?? '';
      const [shouldRun, shouldContinue] = nodeShouldRunDaemonPod(node, template);
      const pods = byNode.get(nodeName) ?? [];
      if (shouldRun && pods.length === 0) {
        plan.create.push(nodeName);
      } else if (shouldContinue) {
        const running: Pod[] = [];
        for (const p of pods) {
          if (p.metadata.deletionTimestamp) continue;
          if (p.status?.phase === 'Failed') {
            void this.recorder.warning(ds, 'FailedDaemonPod', `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${nodeName}, will try to kill it`);
            plan.remove.push(p);
          } else {
            running.push(p);
          }
        }
        // More than one pod on a node: keep the oldest scheduled one.
        if (running.length > 1) plan.remove.push(...running.sort(byCreationAndPhase).slice(1));
      } else {
        plan.remove.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
      }
    }
    return plan;
  }

  /**
   * rollingUpdate without surge: delete old-template pods that are unavailable anyway, and
   * available ones only while fewer than maxUnavailable daemon pods are unavailable; the next
   * manage pass creates their replacements.
   */
  private rollingUpdate(ds: DaemonSet, template: Pod, byNode: Map<string, Pod[]>, hash: string): Pod[] {
    const now = this.clock.now();
    const minReady = (ds.spec.minReadySeconds as number | undefined) ?? 0;
    const desired = this.nodes.list().filter((n) => nodeShouldRunDaemonPod(n, template)[0]).length;
    const ru = (ds.spec.updateStrategy as { rollingUpdate?: { maxUnavailable?: number | string } } | undefined)?.rollingUpdate;
    const maxUnavailable = Math.max(1, scaledValue(ru?.maxUnavailable ?? 1, desired, true));
    let unavailable = 0;
    const replace: Pod[] = [];
    const candidates: Pod[] = [];
    for (const [, pods] of [...byNode].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const live = pods.filter((p) => !p.metadata.deletionTimestamp);
      const fresh = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === hash);
      const old = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] !== hash);
      if (fresh.length > 1 || old.length > 1 || fresh.length === old.length) unavailable++;
      else if (fresh.length === 1) unavailable += isPodAvailable(fresh[0]!, minReady, now) ? 0 : 1;
      else if (!isPodAvailable(old[0]!, minReady, now)) replace.push(old[0]!);
      else if (unavailable < maxUnavailable) candidates.push(old[0]!);
    }
    return [...replace, ...candidates.slice(0, Math.max(0, maxUnavailable - unavailable))];
  }

  private async syncNodes(key: string, ds: DaemonSet, template: Pod, plan: Plan, hash: string): Promise<void> {
    if (plan.create.length === 0 && plan.remove.length === 0) return;
    this.expectations.expectCreations(key, plan.create.length);
    this.expectations.expectDeletions(key, plan.remove.map(objectKey));
    const generation = ds.metadata.generation;
    const created = await slowStartBatch(plan.create.length, (i) => this.client.create<Pod>('pods', pinToNode(template, plan.create[i]!, hash, generation)));
    for (const p of created.done) void this.recorder.normal(ds, 'SuccessfulCreate', `Created pod: ${p.metadata.name}`);
    for (const err of created.errors) void this.recorder.warning(ds, 'FailedCreate', `Error creating: ${err.message}`);
    for (let i = 0; i < created.errors.length + created.skipped; i++) this.expectations.creationObserved(key);
    const removed = await Promise.allSettled(plan.remove.map((p) => this.client.delete('pods', p.metadata.namespace, p.metadata.name ?? '')));
    let firstErr: Error | undefined = created.errors[0];
    removed.forEach((r, i) => {
      const pod = plan.remove[i]!;
      if (r.status === 'fulfilled') return void this.recorder.normal(ds, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
      this.expectations.deletionObserved(key, objectKey(pod));
      if (!(r.reason instanceof ApiError && r.reason.reason === 'NotFound')) firstErr ??= r.reason as Error;
    });
    if (firstErr) throw firstErr;
  }

  private async updateStatus(ds: DaemonSet, template: Pod, byNode: Map<string, Pod[]>, hash: string): Promise<void> {
    const now = this.clock.now();
    const minReady = (ds.spec.minReadySeconds as number | undefined) ?? 0;
    let desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
    const waits: number[] = [];
    for (const node of this.nodes.list()) {
      // Finished pods that are being deleted no longer count (includeDeletedTerminal = false).
      const pods = (byNode.get(node.metadata.name ?? '') ?? []).filter(
        (p) => !(p.metadata.deletionTimestamp && (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded')),
      );
      const [shouldRun] = nodeShouldRunDaemonPod(node, template);
      if (!shouldRun) {
        if (pods.length) misscheduled++;
        continue;
      }
      desired++;
      if (!pods.length) continue;
      current++;
      const pod = [...pods].sort(byCreationAndPhase)[0]!;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
        else waits.push(msUntilAvailable(pod, minReady, now) ?? 0);
      }
      if (pod.metadata.labels?.[REVISION_LABEL] === hash) updated++;
    }
    if (waits.length) this.requeue.after(objectKey(ds), Math.min(...waits));
    const status: Record<string, unknown> = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
    };
    // omitempty fields
    if (ds.metadata.generation) status.observedGeneration = ds.metadata.generation;
    if (updated) status.updatedNumberScheduled = updated;
    if (available) status.numberAvailable = available;
    if (desired - available) status.numberUnavailable = desired - available;
    if (ds.status?.collisionCount !== undefined) status.collisionCount = ds.status.collisionCount;
    if (deepEqual(ds.status ?? {}, status)) return;
    const { resourceVersion: _rv, ...metadata } = ds.metadata;
    try {
      await this.client.update('daemonsets', { ...ds, metadata, status }, 'status');
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
  }
}
