/**
 * The scheduler (kube-scheduler's default profile, reduced): watches pods without spec.nodeName
 * whose schedulerName is ours, schedules them one at a time against its cache (informer state plus
 * its own assumed bindings), and binds through pods/binding. A pod that fits nowhere stays Pending
 * with PodScheduled=False/Unschedulable and a FailedScheduling event, and is retried when a node
 * or an assigned pod changes in a way that could make room (the unschedulable queue), or after
 * five minutes at the latest (podMaxInUnschedulablePodsDuration).
 */
import type { ApiClient } from '../../api/client.js';
import type { InformerFactory } from '../../api/client/factory.js';
import { objectKey, type Informer } from '../../api/client/informer.js';
import { ApiError } from '../../api/errors.js';
import type { Condition, KubeObject, Node, Pod } from '../../api/types.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { rfc3339 } from '../../util/time.js';
import { Controller } from '../controller.js';
import { EventRecorder } from '../events.js';
import { schedulePod } from './algorithm.js';
import { SchedulerCache } from './cache.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** How long a pod may wait for a cluster event before it is retried anyway, and how often that is checked. */
const MAX_UNSCHEDULABLE_MS = 5 * 60_000;
const FLUSH_INTERVAL_MS = 30_000;

export interface SchedulerOptions {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  recorder?: EventRecorder;
  schedulerName?: string;
  onError?(key: string, err: Error): void;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** The node fields a filter reads; heartbeats change none of them and so retry nothing. */
function schedulingView(n: Node): string {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return JSON.stringify([n.spec?.unschedulable, n.spec?.taints, n.metadata.labels, n.status?.allocatable, ready]);
}

export class Scheduler extends Controller {
  /** Where the next cycle starts looking (kube-scheduler's nextStartNodeIndex). */
  private nextStartNodeIndex = 0;
  private readonly client: ApiClient;
  private readonly recorder: EventRecorder;
  private readonly schedulerName: string;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly cache = new SchedulerCache();
  /** Pods that fit nowhere at their last attempt, with when that was. */
  private readonly unschedulable = new Map<string, number>();
  private flushTimer: TimerHandle | undefined;

  constructor(opts: SchedulerOptions) {
    super({ name: 'scheduler', clock: opts.clock, onError: opts.onError });
    this.client = opts.client;
    this.recorder = opts.recorder ?? new EventRecorder(opts.client, opts.clock, DEFAULT_SCHEDULER_NAME);
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.pods = opts.factory.informer<Pod>('pods');
    this.nodes = opts.factory.informer<Node>('nodes');
    this.nodes.addHandlers({
      onAdd: (n) => {
        this.cache.setNode(n);
        this.retryUnschedulable();
      },
      onUpdate: (old, n) => {
        this.cache.setNode(n);
        if (schedulingView(old) !== schedulingView(n)) this.retryUnschedulable();
      },
      onDelete: (n) => this.cache.removeNode(n.metadata.name ?? ''),
    });
    this.pods.addHandlers({
      onAdd: (p) => {
        this.cache.updatePod(p);
        if (this.responsibleFor(p)) this.enqueue(objectKey(p));
      },
      onUpdate: (old, p) => {
        this.cache.updatePod(p);
        const key = objectKey(p);
        if (this.responsibleFor(p)) {
          // Our own PodScheduled condition write must not retry the pod; a spec or label change may.
          const changed = old.metadata.generation !== p.metadata.generation || JSON.stringify(old.metadata.labels) !== JSON.stringify(p.metadata.labels);
          if (!this.unschedulable.has(key) || changed) this.enqueue(key);
        } else {
          this.unschedulable.delete(key);
          if (old.spec.nodeName && !isTerminal(old) && isTerminal(p)) this.retryUnschedulable(); // resources freed
        }
      },
      onDelete: (p) => {
        this.cache.removePod(p);
        this.unschedulable.delete(objectKey(p));
        if (p.spec.nodeName) this.retryUnschedulable();
      },
    });
  }

  protected informers(): Informer<any>[] {
    return [this.nodes, this.pods];
  }

  override async start(): Promise<void> {
    await super.start();
    this.flushTimer ??= this.clock.setInterval(() => this.flushLongWaiting(), FLUSH_INTERVAL_MS);
  }

  override async stop(): Promise<void> {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    await super.stop();
  }

  /** Pods waiting for room (for status and tests). */
  pendingUnschedulable(): string[] {
    return [...this.unschedulable.keys()];
  }

  private responsibleFor(p: Pod): boolean {
    return (
      !p.spec.nodeName &&
      !p.metadata.deletionTimestamp &&
      !isTerminal(p) &&
      (p.spec.schedulerName || DEFAULT_SCHEDULER_NAME) === this.schedulerName &&
      !(Array.isArray(p.spec.schedulingGates) && p.spec.schedulingGates.length > 0)
    );
  }

  private retryUnschedulable(): void {
    for (const key of this.unschedulable.keys()) this.enqueue(key);
    this.unschedulable.clear();
  }

  private flushLongWaiting(): void {
    const now = this.clock.now();
    for (const [key, since] of this.unschedulable) {
      if (now - since < MAX_UNSCHEDULABLE_MS) continue;
      this.unschedulable.delete(key);
      this.enqueue(key);
    }
  }

  protected async sync(key: string): Promise<void> {
    const pod = this.pods.getByKey(key);
    if (!pod || !this.responsibleFor(pod) || this.cache.isAssumed(key)) {
      this.unschedulable.delete(key);
      return;
    }
    const infos = this.cache.nodeInfos();
    const result = schedulePod(pod, infos, this.nextStartNodeIndex);
    if (result.processed !== undefined && infos.length > 0) this.nextStartNodeIndex = (this.nextStartNodeIndex + result.processed) % infos.length;
    if (result.node !== undefined) {
      this.unschedulable.delete(key);
      await this.bind(pod, result.node);
      return;
    }
    this.unschedulable.set(key, this.clock.now());
    void this.recorder.warning(pod, 'FailedScheduling', result.message);
    await this.markUnschedulable(pod, result.message);
  }

  private async bind(pod: Pod, nodeName: string): Promise<void> {
    const { name, namespace } = pod.metadata;
    // Assume first, so the next pod in a burst already sees this one's requests on the node.
    this.cache.assume(pod, nodeName);
    const binding: KubeObject = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    try {
      await this.client.create('pods', binding, 'binding');
    } catch (err) {
      this.cache.forget(pod);
      // Deleted meanwhile, or bound by someone else: nothing left to do for this pod.
      if (err instanceof ApiError && (err.reason === 'NotFound' || err.reason === 'Conflict')) return;
      throw err;
    }
    void this.recorder.normal(pod, 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
  }

  /** PodScheduled=False/Unschedulable with the FitError message, written only when it changes. */
  private async markUnschedulable(pod: Pod, message: string): Promise<void> {
    const conditions = pod.status?.conditions ?? [];
    const cur = conditions.find((c) => c.type === 'PodScheduled');
    if (cur && cur.status === 'False' && cur.reason === 'Unschedulable' && cur.message === message) return;
    const cond: Condition = {
      type: 'PodScheduled',
      status: 'False',
      lastProbeTime: null,
      lastTransitionTime: cur?.status === 'False' && cur.lastTransitionTime ? cur.lastTransitionTime : rfc3339(this.clock.now()),
      reason: 'Unschedulable',
      message,
    };
    const next: Pod = { ...pod, status: { ...pod.status, conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), cond] } };
    try {
      await this.client.update('pods', next, 'status');
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return;
      throw err; // a Conflict retries the whole cycle against the newer pod
    }
  }
}
