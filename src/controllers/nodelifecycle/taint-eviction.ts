/**
 * Taint-based eviction (Kubernetes' taint eviction controller, formerly the NoExecuteTaintManager):
 * a pod on a node with NoExecute taints it does not tolerate is deleted at once; one that
 * tolerates them for N seconds is deleted N seconds after the taint was added. The API server's
 * DefaultTolerationSeconds admission gives every pod 300 s for not-ready and unreachable, hence
 * the five minutes before pods leave a dead node. Keys are pods ("ns/name").
 */
import type { ApiClient } from '../../api/client.js';
import type { InformerFactory } from '../../api/client/factory.js';
import type { Informer } from '../../api/client/informer.js';
import { ApiError } from '../../api/errors.js';
import { jsonEqual } from '../../api/store/freeze.js';
import type { Condition, Node, Pod, Taint } from '../../api/types.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { rfc3339 } from '../../util/time.js';
import { Controller } from '../controller.js';
import type { EventRecorder } from '../events.js';
import { PodsByNode } from './pod-index.js';
import { evictionDecision } from './taints.js';

export interface TaintEvictionOptions {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  recorder: EventRecorder;
  /** Length of one second of tolerationSeconds on the clock (1000, divided by timing.speed). */
  apiSecondMs?: number;
  onError?(err: Error): void;
}

export class TaintEvictionController extends Controller {
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly byNode: PodsByNode;
  private readonly timers = new Map<string, { at: number; handle: TimerHandle }>();
  /** When a NoExecute taint without timeAdded was first seen, per "node|key|effect". */
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly o: TaintEvictionOptions) {
    super({ name: 'taint-eviction-controller', clock: o.clock, workers: 2, onError: (_k, err) => o.onError?.(err) });
    this.pods = o.factory.informer<Pod>('pods');
    this.nodes = o.factory.informer<Node>('nodes');
    // Only what decides eviction matters: binding, tolerations, deletion (not every status write).
    this.byNode = new PodsByNode(this.pods, (p, _node, old) => {
      const same =
        old !== undefined &&
        old.spec?.nodeName === p.spec?.nodeName &&
        old.metadata.deletionTimestamp === p.metadata.deletionTimestamp &&
        jsonEqual(old.spec?.tolerations, p.spec?.tolerations);
      if (!same) this.enqueue(`${p.metadata.namespace}/${p.metadata.name}`);
    });
    const nodeChanged = (n: Node): void => {
      for (const key of this.byNode.keys(n.metadata.name!)) this.enqueue(key);
    };
    this.nodes.addHandlers({
      onAdd: nodeChanged,
      onUpdate: (old, n) => {
        if (JSON.stringify(noExecute(old)) !== JSON.stringify(noExecute(n))) nodeChanged(n);
      },
      onDelete: (n) => {
        for (const k of [...this.firstSeen.keys()]) if (k.startsWith(`${n.metadata.name}|`)) this.firstSeen.delete(k);
        nodeChanged(n);
      },
    });
  }

  protected informers(): Informer<any>[] {
    return [this.pods, this.nodes];
  }

  override async stop(): Promise<void> {
    for (const t of this.timers.values()) t.handle.cancel();
    this.timers.clear();
    await super.stop();
  }

  /** Pods with a deletion scheduled, and when (tests, status). */
  scheduled(): Map<string, number> {
    return new Map([...this.timers].map(([k, v]) => [k, v.at]));
  }

  protected async sync(key: string): Promise<void> {
    const pod = this.pods.getByKey(key);
    const nodeName = pod?.spec?.nodeName;
    const node = nodeName ? this.nodes.get(undefined, nodeName) : undefined;
    if (!pod || !node || pod.metadata.deletionTimestamp) return this.cancel(key);
    const now = this.clock.now();
    const decision = evictionDecision(pod, node.spec?.taints ?? [], (t) => this.seen(nodeName!, t, now), this.o.apiSecondMs ?? 1000);
    if (decision.kind === 'keep') return this.cancel(key);
    if (decision.kind === 'at' && decision.at > now) return this.schedule(key, decision.at);
    this.cancel(key);
    await this.evict(pod);
  }

  private seen(node: string, t: Taint, now: number): number {
    const k = `${node}|${t.key}|${t.effect}`;
    if (!this.firstSeen.has(k)) this.firstSeen.set(k, now);
    return this.firstSeen.get(k)!;
  }

  private schedule(key: string, at: number): void {
    const cur = this.timers.get(key);
    if (cur?.at === at) return;
    cur?.handle.cancel();
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(key);
      this.enqueue(key);
    }, at - this.clock.now());
    this.timers.set(key, { at, handle });
  }

  private cancel(key: string): void {
    this.timers.get(key)?.handle.cancel();
    this.timers.delete(key);
  }

  /** addConditionAndDeletePod: a DisruptionTarget condition says why, then an ordinary (graceful) delete. */
  private async evict(pod: Pod): Promise<void> {
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    this.o.recorder.normal(pod, 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${name}`);
    try {
      const fresh = await this.o.client.get<Pod>('pods', ns, name);
      if (fresh.metadata.uid !== pod.metadata.uid || fresh.metadata.deletionTimestamp) return;
      const conditions: Condition[] = (fresh.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
      conditions.push({
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByTaintManager',
        message: 'Taint manager: deleting due to NoExecute taint',
        lastTransitionTime: rfc3339(this.clock.now()),
        lastProbeTime: null,
      });
      await this.o.client.update('pods', { ...fresh, status: { ...fresh.status, conditions } }, 'status');
      await this.o.client.delete('pods', ns, name, { preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return;
      throw err;
    }
  }
}

function noExecute(n: Node): Taint[] {
  return (n.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}
