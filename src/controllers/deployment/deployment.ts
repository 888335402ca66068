/**
 * The Deployment controller (k8s.io/kubernetes pkg/controller/deployment): owns ReplicaSets named
 * "<deploy>-<pod-template-hash>", one per template revision. A template change creates a new
 * ReplicaSet and moves replicas to it (RollingUpdate within maxSurge/maxUnavailable, or Recreate:
 * all old pods gone first); a replicas change scales proportionally; old ReplicaSets beyond
 * revisionHistoryLimit are deleted. Each sync takes one step and the ReplicaSet events it causes
 * trigger the next, exactly as in Kubernetes.
 */
import { ownersSelecting, resolveControllerRef, selectorOf } from '../owners.js';
import { claimCandidates, ensureOwnedIndexes, ensurePodIndexes, POD_BY_CONTROLLER } from '../pod-indexes.js';
import type { ApiClient } from '../../api/client.js';
import type { InformerFactory } from '../../api/client/factory.js';
import { objectKey, type Informer } from '../../api/client/informer.js';
import { ApiError } from '../../api/errors.js';
import type { Deployment, Pod, ReplicaSet } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { Controller } from '../controller.js';
import { EventRecorder } from '../events.js';
import { claimObjects, freshOwnerCheck } from '../replicaset/claim.js';
import { controllerRef, deepEqual, isTerminal, splitKey } from '../replicaset/pods.js';
import { Requeue } from '../replicaset/requeue.js';
import { equalIgnoreHash } from './hash.js';
import { buildNewReplicaSet } from './newrs.js';
import { deploymentComplete, planNewReplicaSet, planOldReplicaSets, planProportionalScale, planRecreateScaleDown } from './rolling.js';
import { calculateStatus, getCondition, hasProgressDeadline, msUntilDeadline, newCondition, REASON, rolloutStatus, setCondition, type DeploymentStatus } from './status.js';
import * as util from './util.js';
import { DeploymentWriter } from './writer.js';
import { deepCopy } from '../../api/store/freeze.js';

export interface DeploymentControllerOptions {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  recorder?: EventRecorder;
  workers?: number;
  onError?(key: string, err: Error): void;
}


export class DeploymentController extends Controller {
  private readonly client: ApiClient;
  private readonly recorder: EventRecorder;
  private readonly deployments: Informer<Deployment>;
  private readonly sets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;
  private readonly requeue: Requeue;
  private readonly writer: DeploymentWriter;

  constructor(opts: DeploymentControllerOptions) {
    super({ name: 'deployment-controller', clock: opts.clock, workers: opts.workers ?? 2, onError: opts.onError });
    this.client = opts.client;
    this.recorder = opts.recorder ?? new EventRecorder(opts.client, opts.clock, 'deployment-controller');
    this.requeue = new Requeue(opts.clock, (k) => this.enqueue(k));
    this.writer = new DeploymentWriter(this.client, this.recorder);
    this.deployments = opts.factory.informer<Deployment>('deployments');
    this.sets = opts.factory.informer<ReplicaSet>('replicasets');
    ensureOwnedIndexes(this.sets);
    this.pods = opts.factory.informer<Pod>('pods');
    ensurePodIndexes(this.pods);
    const enqueueD = (d: Deployment | undefined) => d && this.enqueue(objectKey(d));
    this.deployments.addHandlers({ onAdd: enqueueD, onUpdate: (_o, d) => enqueueD(d), onDelete: enqueueD });
    this.sets.addHandlers({
      onAdd: (rs) => (controllerRef(rs) ? enqueueD(this.owner(rs)) : this.enqueueMatching(rs)),
      onUpdate: (old, rs) => {
        const before = this.owner(old);
        const now = this.owner(rs);
        if (before && before.metadata.uid !== now?.metadata.uid) enqueueD(before);
        if (controllerRef(rs)) enqueueD(now);
        else this.enqueueMatching(rs);
      },
      onDelete: (rs) => enqueueD(this.owner(rs)),
    });
    // Recreate waits for every old pod to be gone, which only a pod deletion tells.
    this.pods.addHandlers({
      onDelete: (pod) => {
        const ref = controllerRef(pod);
        const rs = ref?.kind === 'ReplicaSet' ? this.sets.get(pod.metadata.namespace, ref.name) : undefined;
        const d = rs?.metadata.uid === ref?.uid && rs ? this.owner(rs) : undefined;
        if (d?.spec.strategy?.type === 'Recreate') enqueueD(d);
      },
    });
  }

  protected informers(): Informer<any>[] {
    return [this.deployments, this.sets, this.pods];
  }

  override async stop(): Promise<void> {
    this.requeue.stop();
    await super.stop();
  }

  private owner(rs: ReplicaSet): Deployment | undefined {
    return resolveControllerRef(this.deployments, rs, 'Deployment');
  }

  private enqueueMatching(rs: ReplicaSet): void {
    for (const d of ownersSelecting(this.deployments, rs)) this.enqueue(objectKey(d));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const cached = this.deployments.get(ns, name);
    if (!cached) return;
    // A private working copy of what changes as the sync goes (metadata, status); the spec is
    // only read, so it stays the cache's frozen one (which also lets template comparisons be
    // remembered).
    const d = { ...cached, metadata: deepCopy(cached.metadata), status: deepCopy(cached.status) } as Deployment;
    const selector = selectorOf(d);
    if (!selector) return;
    if (selector.empty) {
      void this.recorder.warning(d, 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await this.writer.writeStatus(d, { ...(d.status ?? {}), observedGeneration: d.metadata.generation });
      }
      return;
    }
    const rsList = await claimObjects(
      claimCandidates(this.sets, ns, d, d.spec.selector),
      {
        client: this.client,
        resource: 'replicasets',
        owner: d,
        matches: (rs) => selector.matches(rs.metadata.labels),
        canAdopt: freshOwnerCheck(this.client, 'deployments', d),
      },
    );
    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, false);
      return this.syncStatus(d, [...oldRSs, newRS], newRS);
    }
    await this.checkPausedConditions(d);
    if (d.spec.paused || this.isScalingEvent(d, rsList)) return this.syncScale(d, rsList);
    if (d.spec.strategy?.type === 'Recreate') return this.rolloutRecreate(d, rsList);
    return this.rolloutRolling(d, rsList);
  }

  /** A replicas change (kubectl scale) shows as active ReplicaSets whose desired-replicas annotation differs. */
  private isScalingEvent(d: Deployment, rsList: ReplicaSet[]): boolean {
    const newRS = util.findNewReplicaSet(d, rsList);
    const all = util.activeOnly([...rsList.filter((rs) => rs !== newRS), newRS]);
    return all.some((rs) => {
      const desired = util.desiredAnnotation(rs);
      return desired !== undefined && desired !== util.desiredOf(d);
    });
  }

  private async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const got = await this.getAllReplicaSets(d, rsList, true);
    let newRS = got.newRS!;
    let oldRSs = got.oldRSs;
    const next = planNewReplicaSet(d, [...oldRSs, newRS], newRS);
    if (next !== undefined) {
      newRS = await this.writer.scaleReplicaSet(newRS, next, d);
      return this.syncRolloutStatus(d, [...oldRSs, newRS], newRS);
    }
    const plan = planOldReplicaSets(d, [...oldRSs, newRS], util.activeOnly(oldRSs), newRS);
    if (plan.length) {
      oldRSs = await this.writer.apply(plan, oldRSs, d);
      return this.syncRolloutStatus(d, [...oldRSs, newRS], newRS);
    }
    if (deploymentComplete(d, d.status ?? {})) await this.writer.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, [...oldRSs, newRS], newRS);
  }

  private async rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, false);
    const down = planRecreateScaleDown(oldRSs);
    if (down.length) {
      oldRSs = await this.writer.apply(down, oldRSs, d);
      return this.syncRolloutStatus(d, [...oldRSs, newRS], newRS);
    }
    if (this.oldPodsRunning(d, newRS, oldRSs)) return this.syncRolloutStatus(d, [...oldRSs, newRS], newRS);
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, true));
    newRS = await this.writer.scaleReplicaSet(newRS!, util.desiredOf(d), d);
    if (deploymentComplete(d, d.status ?? {})) await this.writer.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, [...oldRSs, newRS], newRS);
  }

  /** Recreate's gate: no old ReplicaSet reports pods, and no old pod (not finished) still exists. */
  private oldPodsRunning(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    if (util.sumStatus(oldRSs, 'replicas') > 0) return true;
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    // Only pods controlled by an old ReplicaSet matter: read them through the owner index.
    return [...oldUids].some((uid) =>
      uid !== undefined && uid !== newRS?.metadata.uid && this.pods.byIndex(POD_BY_CONTROLLER, uid).some((p) => p.metadata.namespace === d.metadata.namespace && !isTerminal(p)),
    );
  }

  /** sync(): proportional scaling (and history cleanup while paused), then counts-only status. */
  private async syncScale(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const got = await this.getAllReplicaSets(d, rsList, false);
    const all = await this.writer.apply(planProportionalScale(d, got.newRS, got.oldRSs), [...got.oldRSs, ...(got.newRS ? [got.newRS] : [])], d);
    const newRS = got.newRS && all.find((rs) => rs.metadata.uid === got.newRS!.metadata.uid);
    const oldRSs = all.filter((rs) => rs !== newRS);
    if (d.spec.paused) await this.writer.cleanup(d, oldRSs);
    return this.syncStatus(d, all, newRS);
  }

  private async getAllReplicaSets(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const existing = util.findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    return { newRS: await this.getNewReplicaSet(d, oldRSs, existing, create), oldRSs };
  }

  /** The new ReplicaSet: the existing one brought up to date, or a created one (revision = max old + 1). */
  private async getNewReplicaSet(d: Deployment, oldRSs: ReplicaSet[], existing: ReplicaSet | undefined, create: boolean): Promise<ReplicaSet | undefined> {
    const revision = util.maxRevision(oldRSs) + 1;
    const status = (d.status ??= {}) as DeploymentStatus;
    const now = this.clock.now();
    if (existing) {
      const copy = deepCopy(existing) as ReplicaSet;
      const annotated = util.setNewReplicaSetAnnotations(d, copy, revision, true);
      if (annotated || (copy.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0)) {
        copy.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
        return this.client.update<ReplicaSet>('replicasets', copy);
      }
      await this.writer.setDeploymentRevision(d, copy.metadata.annotations?.[util.REVISION]);
      if (hasProgressDeadline(d) && !getCondition(status, 'Progressing')) {
        setCondition(status, newCondition('Progressing', 'True', REASON.foundNewRS, `Found new replica set "${copy.metadata.name}"`, now));
        await this.writer.writeStatus(d, status);
      }
      return existing;
    }
    if (!create) return undefined;
    const rs = buildNewReplicaSet(d, oldRSs, revision);
    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.client.create<ReplicaSet>('replicasets', rs);
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) {
        const msg = `Failed to create new replica set "${rs.metadata.name}": ${(err as Error).message}`;
        if (hasProgressDeadline(d)) {
          setCondition(status, newCondition('Progressing', 'False', REASON.failedRSCreate, msg, now));
          await this.writer.writeStatus(d, status).catch(() => undefined);
        }
        void this.recorder.warning(d, REASON.failedRSCreate, msg);
        throw err;
      }
      const found = await this.client.get<ReplicaSet>('replicasets', rs.metadata.namespace, rs.metadata.name ?? '');
      if (controllerRef(found)?.uid !== d.metadata.uid || !equalIgnoreHash(d.spec.template, found.spec.template)) {
        // A hash collision: a different template got this name. A new collisionCount gives a new hash.
        await this.writer.writeStatus(d, { ...status, collisionCount: ((status.collisionCount as number | undefined) ?? 0) + 1 });
        throw err;
      }
      created = found;
      alreadyExisted = true;
    }
    if (!alreadyExisted && util.replicasOf(created) > 0) {
      void this.recorder.normal(d, 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${util.replicasOf(created)}`);
    }
    await this.writer.setDeploymentRevision(d, String(revision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      setCondition(status, newCondition('Progressing', 'True', REASON.newRSCreated, `Created new replica set "${created.metadata.name}"`, now));
      await this.writer.writeStatus(d, status);
    }
    return created;
  }

  /** checkPausedConditions: Progressing=Unknown DeploymentPaused / DeploymentResumed (unless timed out). */
  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const status = (d.status ??= {}) as DeploymentStatus;
    const cond = getCondition(status, 'Progressing');
    if (cond?.reason === REASON.timedOut) return;
    const pausedShown = cond?.reason === REASON.paused;
    const now = this.clock.now();
    if (d.spec.paused && !pausedShown) setCondition(status, newCondition('Progressing', 'Unknown', REASON.paused, 'Deployment is paused', now));
    else if (!d.spec.paused && pausedShown) setCondition(status, newCondition('Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed', now));
    else return;
    await this.writer.writeStatus(d, status);
  }

  private async syncRolloutStatus(d: Deployment, all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const now = this.clock.now();
    const next = rolloutStatus(d, all.filter((rs): rs is ReplicaSet => !!rs), newRS, now);
    if (!deepEqual(d.status ?? {}, next)) return this.writer.writeStatus(d, next);
    // Nothing changed: if the rollout is stuck, look again when its progress deadline passes.
    const wait = msUntilDeadline(d, next, now);
    if (wait !== undefined) this.requeue.after(objectKey(d), wait);
  }

  /** syncDeploymentStatus: counts and Available only. */
  private async syncStatus(d: Deployment, all: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const next = calculateStatus(d, all.filter((rs): rs is ReplicaSet => !!rs), newRS, this.clock.now());
    if (!deepEqual(d.status ?? {}, next)) await this.writer.writeStatus(d, next);
  }
}
