/**
 * The node lifecycle controller (kube-controller-manager's node-lifecycle-controller, taint-based
 * eviction as in current Kubernetes). Every nodeMonitorPeriod it judges each Node by its Lease and
 * Ready heartbeats (health.ts): a silent kubelet turns the conditions Unknown, the pods on it are
 * marked Ready=False, and the node is queued for the NoExecute unreachable / not-ready taint in its
 * zone's rate-limited queue, drained every nodeEvictionPeriod at the zone's rate (zones.ts). The
 * taint eviction controller it runs then deletes the pods whose tolerations ran out. NoSchedule
 * condition taints follow Node updates at once. Pods bound to a Node that is gone are deleted with
 * grace 0 (the pod GC's orphan sweep), since no kubelet will ever finish them.
 *
 * Keys of the work queue are node names: sync reconciles NoSchedule taints or collects orphans.
 */
import type { ApiClient } from '../../api/client.js';
import type { InformerFactory } from '../../api/client/factory.js';
import type { Informer } from '../../api/client/informer.js';
import { ApiError } from '../../api/errors.js';
import type { Lease, Node, Pod, Taint } from '../../api/types.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { Controller } from '../controller.js';
import type { EventRecorder } from '../events.js';
import { markPodsNotReady } from './pods.js';
import { PodsByNode } from './pod-index.js';
import { OrphanPodCollector } from './podgc.js';
import { assessNodeHealth, getCondition, type HealthDecision, type NodeHealth } from './health.js';
import { RateLimitedTimedQueue } from './ratelimited-queue.js';
import { TaintEvictionController } from './taint-eviction.js';
import { hasTaint, noScheduleDiff, NOT_READY_NO_EXECUTE, swapTaints, UNREACHABLE_NO_EXECUTE } from './taints.js';
import { EXCLUDE_DISRUPTION_LABEL, planDisruption, zoneOf, type ZoneState } from './zones.js';

export interface NodeLifecycleOptions {
  /** Length of one second of pods' tolerationSeconds on the clock (1000 / timing.speed). */
  apiSecondMs?: number;
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  /** --node-monitor-period (default 5 s). */
  nodeMonitorPeriodMs: number;
  /** --node-monitor-grace-period (kemu uses 40 s; recent Kubernetes releases default to 50 s). */
  nodeMonitorGracePeriodMs: number;
  /** --node-startup-grace-period (default 60 s). */
  nodeStartupGracePeriodMs: number;
  evictionRate: number;
  secondaryEvictionRate: number;
  unhealthyZoneThreshold: number;
  largeClusterThreshold: number;
  recorder: EventRecorder;
  /** How often the zone taint queues are drained (Kubernetes' NodeEvictionPeriod, 100 ms). */
  nodeEvictionPeriodMs?: number;
  /** How long a pod may name a Node never seen before it counts as orphaned (PodGC's 40 s). */
  podGCQuarantineMs?: number;
  onError?(err: Error): void;
}

export class NodeLifecycleController extends Controller {
  readonly taintEviction: TaintEvictionController;
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  private readonly byNode: PodsByNode;
  private readonly health = new Map<string, NodeHealth>();
  private readonly known = new Map<string, Node>();
  private zoneStates = new Map<string, ZoneState>();
  private readonly tainters = new Map<string, RateLimitedTimedQueue>();
  private readonly markPodsRetry = new Set<string>();
  private readonly orphans: OrphanPodCollector;
  private readonly inflight = new Set<Promise<unknown>>();
  private timers: TimerHandle[] = [];
  private monitoring: Promise<void> | undefined;

  constructor(private readonly o: NodeLifecycleOptions) {
    super({ name: 'node-lifecycle-controller', clock: o.clock, onError: (_k, err) => o.onError?.(err) });
    this.nodes = o.factory.informer<Node>('nodes');
    this.leases = o.factory.informer<Lease>('leases');
    this.pods = o.factory.informer<Pod>('pods');
    this.orphans = new OrphanPodCollector(o.client, o.podGCQuarantineMs ?? 40_000);
    this.taintEviction = new TaintEvictionController({ client: o.client, factory: o.factory, clock: o.clock, recorder: o.recorder, apiSecondMs: o.apiSecondMs, onError: o.onError });
    this.nodes.addHandlers({
      onAdd: (n) => this.enqueue(n.metadata.name!),
      onUpdate: (_o, n) => this.enqueue(n.metadata.name!),
      onDelete: (n) => {
        this.orphans.nodeDeleted(n.metadata.name!);
        this.enqueue(n.metadata.name!);
      },
    });
    // A pod bound to a node we do not know may be an orphan.
    this.byNode = new PodsByNode(this.pods, (_p, node) => {
      if (!this.nodes.get(undefined, node)) this.enqueue(node);
    });
  }

  protected informers(): Informer<any>[] {
    return [this.nodes, this.leases, this.pods];
  }

  override async start(): Promise<void> {
    await super.start();
    await this.taintEviction.start();
    this.timers.push(this.clock.setInterval(() => void this.monitor(), this.o.nodeMonitorPeriodMs));
    this.timers.push(this.clock.setInterval(() => this.taintPass(), this.o.nodeEvictionPeriodMs ?? 100));
    void this.monitor();
  }

  override async stop(): Promise<void> {
    for (const t of this.timers) t.cancel();
    this.timers = [];
    await this.monitoring;
    await Promise.allSettled([...this.inflight]);
    await this.taintEviction.stop();
    await super.stop();
  }

  zoneState(zone: string): ZoneState | undefined {
    return this.zoneStates.get(zone);
  }

  /** One monitorNodeHealth pass; passes never overlap. Resolves when done (tests). */
  monitor(): Promise<void> {
    if (!this.monitoring) {
      this.monitoring = this.monitorPass()
        .catch((err) => this.o.onError?.(err as Error))
        .finally(() => (this.monitoring = undefined));
    }
    return this.monitoring;
  }

  private async monitorPass(): Promise<void> {
    const nodes = this.nodes.list();
    const names = new Set(nodes.map((n) => n.metadata.name!));
    for (const n of nodes) {
      if (this.known.has(n.metadata.name!)) continue;
      const name = n.metadata.name!;
      this.o.recorder.normal(n, 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`);
      this.known.set(name, n);
      await this.markNodeAsReachable(n);
    }
    for (const [name, n] of [...this.known]) {
      if (names.has(name)) continue;
      this.o.recorder.normal(n, 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
      this.known.delete(name);
      this.health.delete(name);
      this.markPodsRetry.delete(name);
    }
    const zoneConds = new Map<string, HealthDecision['currentReady'][]>();
    for (const node of nodes) {
      this.tainter(zoneOf(node));
      const d = await this.updateHealth(node);
      if (!d) continue;
      const { decision, node: n } = d;
      if (!(EXCLUDE_DISRUPTION_LABEL in (n.metadata.labels ?? {}))) {
        const z = zoneOf(n);
        zoneConds.set(z, [...(zoneConds.get(z) ?? []), decision.currentReady]);
      }
      const cur = decision.currentReady;
      if (!cur) continue;
      await this.processTaintBasedEviction(n, decision.observedReady.status);
      const name = n.metadata.name!;
      const becameNotReady = cur.status !== 'True' && decision.observedReady.status === 'True';
      if (becameNotReady) this.o.recorder.normal(n, 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      if (becameNotReady || (this.markPodsRetry.has(name) && decision.observedReady.status !== 'True')) {
        const ok = await markPodsNotReady(this.o.client, this.o.recorder, this.clock, this.byNode.list(name), name);
        if (!ok) {
          this.markPodsRetry.add(name);
          continue;
        }
      }
      this.markPodsRetry.delete(name);
    }
    this.handleDisruption(zoneConds, nodes);
  }

  /** tryUpdateNodeHealth with Kubernetes' retries: a conflicting write re-reads the Node. */
  private async updateHealth(node: Node): Promise<{ decision: HealthDecision; node: Node } | undefined> {
    const name = node.metadata.name!;
    let n = node;
    for (let attempt = 0; attempt < 5; attempt++) {
      const lease = this.leases.get('kube-node-lease', name);
      const decision = assessNodeHealth(this.health.get(name), n, lease, this.clock.now(), {
        gracePeriodMs: this.o.nodeMonitorGracePeriodMs,
        startupGracePeriodMs: this.o.nodeStartupGracePeriodMs,
      });
      this.health.set(name, decision.health);
      if (!decision.conditions) return { decision, node: n };
      try {
        const written = await this.o.client.update<Node>('nodes', { ...n, status: { ...n.status, conditions: decision.conditions } }, 'status');
        return { decision, node: written };
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'Conflict')) {
          if (!(err instanceof ApiError && err.reason === 'NotFound')) this.o.onError?.(err as Error);
          return undefined;
        }
        try {
          n = await this.o.client.get<Node>('nodes', undefined, name);
        } catch {
          return undefined; // probably deleted
        }
      }
    }
    return undefined;
  }

  private async processTaintBasedEviction(node: Node, observed: string): Promise<void> {
    if (observed === 'False') {
      if (hasTaint(node, UNREACHABLE_NO_EXECUTE)) await this.swap(node.metadata.name!, [NOT_READY_NO_EXECUTE], [UNREACHABLE_NO_EXECUTE]);
      else this.markNodeForTainting(node, NOT_READY_NO_EXECUTE);
    } else if (observed === 'Unknown') {
      if (hasTaint(node, NOT_READY_NO_EXECUTE)) await this.swap(node.metadata.name!, [UNREACHABLE_NO_EXECUTE], [NOT_READY_NO_EXECUTE]);
      else this.markNodeForTainting(node, UNREACHABLE_NO_EXECUTE);
    } else if (observed === 'True') {
      await this.markNodeAsReachable(node);
    }
  }

  private markNodeForTainting(node: Node, taint: Taint): void {
    const q = this.tainter(zoneOf(node));
    if (!hasTaint(node, taint)) q.remove(node.metadata.name!); // re-queue unless already tainted
    q.add(node.metadata.name!, node.metadata.uid ?? '', this.clock.now());
  }

  private async markNodeAsReachable(node: Node): Promise<void> {
    if (hasTaint(node, UNREACHABLE_NO_EXECUTE) || hasTaint(node, NOT_READY_NO_EXECUTE)) {
      await this.swap(node.metadata.name!, [], [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE]);
    }
    this.tainter(zoneOf(node)).remove(node.metadata.name!);
  }

  private handleDisruption(zoneConds: Map<string, HealthDecision['currentReady'][]>, nodes: Node[]): void {
    const now = this.clock.now();
    const plan = planDisruption(this.zoneStates, zoneConds, this.o);
    this.zoneStates = plan.states;
    for (const [zone, qps] of plan.rates) this.tainter(zone).swapLimiter(qps, now);
    if (plan.mode === 'enter') {
      // Every zone is down: more likely the control plane is cut off than every node dead.
      for (const n of nodes) this.track(this.markNodeAsReachable(n));
    } else if (plan.mode === 'exit') {
      for (const n of nodes) {
        const h = this.health.get(n.metadata.name!);
        if (h) this.health.set(n.metadata.name!, { ...h, probeTimestamp: now, readyTransitionTimestamp: now });
      }
    }
  }

  /** doNoExecuteTaintingPass: each zone's queue, at its own rate. */
  private taintPass(): void {
    const now = this.clock.now();
    for (const q of this.tainters.values()) {
      q.try(now, (v) => {
        const node = this.nodes.get(undefined, v.value);
        if (!node) return { ok: true };
        const ready = getCondition(node, 'Ready');
        if (!ready) return { ok: false, retryMs: 50 };
        if (ready.status === 'True') return { ok: true };
        const [add, opposite] = ready.status === 'False' ? [NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE] : [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE];
        this.track(this.swap(v.value, [add], [opposite]).then((ok) => ok || q.retry(v.value, v.uid, this.clock.now())));
        return { ok: true };
      });
    }
  }

  /** Per node: NoSchedule condition taints, or, for a node that is gone, its orphaned pods. */
  protected async sync(name: string): Promise<void> {
    const node = this.nodes.get(undefined, name);
    if (!node) {
      const wait = await this.orphans.collect(name, this.byNode.list(name), this.clock.now());
      if (wait !== undefined) this.queue.addAfter(name, wait);
      return;
    }
    this.orphans.forget(name);
    const { add, remove } = noScheduleDiff(node);
    if (add.length || remove.length) {
      if (!(await this.swap(name, add, remove))) throw new Error(`failed to swap NoSchedule taints of node ${name}`);
    }
  }

  /** SwapNodeControllerTaint on the latest Node; false when it could not be written. */
  private async swap(name: string, add: Taint[], remove: Taint[]): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const node = await this.o.client.get<Node>('nodes', undefined, name);
        const taints = swapTaints(node.spec?.taints ?? [], add, remove, this.clock.now());
        if (!taints) return true;
        await this.o.client.update('nodes', { ...node, spec: { ...node.spec, taints } });
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'Conflict') continue;
        if (!(err instanceof ApiError && err.reason === 'NotFound')) this.o.onError?.(err as Error);
        return false;
      }
    }
    return false;
  }

  private tainter(zone: string): RateLimitedTimedQueue {
    let q = this.tainters.get(zone);
    if (!q) {
      q = new RateLimitedTimedQueue(this.o.evictionRate, this.clock.now());
      this.tainters.set(zone, q);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, 'Initial');
    }
    return q;
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }
}
