/**
 * The kubelet's pod side: watches the pods bound to its node, gives each a sandbox with an IP from
 * the node's podCIDR, reports status, and carries out graceful deletion. Level-triggered like a
 * controller: informer events and readiness changes enqueue a pod key, `syncPod` compares the pod
 * in the API with the local sandbox and closes the gap.
 *
 * stop() is the kubelet process going away (sandboxes keep running, as containers survive a
 * kubelet restart); stopAll() is the host powering off (sandboxes gone, nothing written).
 */
import type { ApiClient } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import { Informer, objectKey } from '../api/client/informer.js';
import type { Node, Pod } from '../api/types.js';
import type { EventRecorder } from '../controllers/events.js';
import type { Clock } from '../util/clock.js';
import { isKemuError } from '../util/errors.js';
import { ERR_POD_IPAM_EXHAUSTED, PodIpam } from './pod-ipam.js';
import { buildPodStatus, canonicalJson, type LocalPodState } from './pod-status.js';
import type { PodRuntime, SandboxHandle } from './runtime.js';
import { PodLoop } from './pod-loop.js';

export interface PodManagerOptions {
  client: ApiClient;
  clock: Clock;
  nodeName: string;
  runtime: PodRuntime;
  recorder: EventRecorder;
  workers?: number;
  onError?(err: Error): void;
  /**
   * The CNI's IPAM when it is not host-local over the node's podCIDR (calico's block IPAM). Absent:
   * host-local over spec.podCIDR, as flannel and the bridge plugin delegate to.
   */
  ipam?: PodIpAllocator;
}

/** A CNI IPAM plugin as the kubelet's CNI ADD/DEL sees it. */
export interface PodIpAllocator {
  /** An address for the pod `uid`; throws a KemuError ERR_POD_IPAM_EXHAUSTED when none is left. */
  allocate(uid: string): string;
  /** Claims `ip` for `uid` again (a restart); false when it cannot be had. */
  reserve(uid: string, ip: string): boolean;
  release(uid: string): void;
}

interface PodEntry {
  uid: string;
  stage: 'pending' | 'running' | 'stopping' | 'stopped';
  ip?: string;
  sandbox?: SandboxHandle;
  unsubscribe?: () => void;
  startedAt?: number;
  restartCount: number;
  graceMs?: number;
  killed?: boolean;
  finishedAt?: number;
  /** The last warning recorded, so a pod stuck for the same reason is not re-reported per sync. */
  warned?: string;
}

export class PodManager {
  private loop: PodLoop | undefined;
  private readonly entries = new Map<string, PodEntry>();
  private ipam: PodIpam | undefined;

  constructor(private readonly opts: PodManagerOptions) {}

  async start(): Promise<void> {
    if (this.loop) return;
    const { client, clock, nodeName } = this.opts;
    const pods = new Informer<Pod>(client, 'pods', { clock, fieldSelector: `spec.nodeName=${nodeName}` });
    const nodes = new Informer<Node>(client, 'nodes', { clock, fieldSelector: `metadata.name=${nodeName}` });
    const loop = new PodLoop(pods, nodes, (l, key) => this.syncPod(l, key), { ...this.opts, name: `pods-${nodeName}` });
    this.loop = loop;
    pods.addHandlers({
      onAdd: (p) => loop.enqueue(objectKey(p)),
      onUpdate: (_o, p) => loop.enqueue(objectKey(p)),
      onDelete: (p) => loop.enqueue(objectKey(p)),
    });
    nodes.addHandlers({
      onAdd: () => this.retryPending(loop),
      onUpdate: (o, n) => {
        if (o.spec?.podCIDR !== n.spec?.podCIDR) this.retryPending(loop);
      },
    });
    pods.start();
    nodes.start();
    await Promise.all([pods.waitForSync(), nodes.waitForSync()]);
    if (this.loop !== loop) return;
    this.adoptExistingIps(pods.list());
    await loop.start();
    // Sandboxes whose pods went away while the kubelet was down are torn down by their sync.
    for (const key of this.entries.keys()) loop.enqueue(key);
  }

  /** The kubelet stops; sandboxes keep running and are picked up again by the next start(). */
  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = undefined;
    if (!loop) return;
    loop.pods.stop();
    loop.nodes.stop();
    await loop.stop();
  }

  /** The host powers off: every sandbox is gone and nothing is written to the API. */
  async stopAll(): Promise<void> {
    await this.stop();
    const entries = [...this.entries.values()];
    this.entries.clear();
    this.ipam = undefined;
    await Promise.all(entries.map((e) => this.killSandbox(e, 0)));
  }

  /** Pods with a running sandbox on this node (tests, status views). */
  runningPods(): string[] {
    return [...this.entries].filter(([, e]) => e.stage === 'running' || e.stage === 'stopping').map(([k]) => k);
  }

  idle(): boolean {
    return this.loop?.idle() ?? true;
  }

  private async syncPod(loop: PodLoop, key: string): Promise<void> {
    if (this.loop !== loop) return;
    const pod = loop.pods.getByKey(key);
    let entry = this.entries.get(key);
    if (entry && (!pod || pod.metadata.uid !== entry.uid)) {
      // Force-deleted (or replaced by a namesake): no grace is left to give.
      this.entries.delete(key);
      await this.killSandbox(entry, 0);
      entry = undefined;
      this.retryPending(loop);
    }
    if (!pod) return;
    if (!entry) {
      entry = { uid: pod.metadata.uid ?? '', stage: 'pending', restartCount: priorRestarts(pod) };
      this.entries.set(key, entry);
    }
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (pod.metadata.deletionTimestamp) return this.syncTerminating(loop, key, pod, entry);
    if (finished && entry.stage === 'pending') return;
    if (entry.stage === 'pending') await this.startPod(loop, key, pod, entry);
    if (this.loop === loop && this.entries.get(key) === entry) await this.writeStatus(pod, entry);
  }

  private async startPod(loop: PodLoop, key: string, pod: Pod, entry: PodEntry): Promise<void> {
    const ip = pod.spec.hostNetwork ? this.hostIP() : this.allocateIp(loop, pod, entry);
    if (!ip) return;
    let sandbox: SandboxHandle;
    try {
      sandbox = await this.opts.runtime.startSandbox(pod, ip);
    } catch (err) {
      this.releaseIp(entry.uid);
      this.warn(pod, entry, (err as Error).message);
      throw err; // retried with backoff, as the kubelet's pod workers do
    }
    if (this.loop !== loop || this.entries.get(key) !== entry) {
      this.releaseIp(entry.uid);
      await sandbox.stop(0);
      return;
    }
    Object.assign(entry, { stage: 'running', ip, sandbox, startedAt: this.opts.clock.now(), warned: undefined });
    entry.unsubscribe = sandbox.onReadyChange(() => this.loop?.enqueue(key));
    for (const c of pod.spec.containers ?? []) {
      this.opts.recorder.normal(pod, 'Pulled', `Container image "${c.image ?? ''}" already present on machine`);
      this.opts.recorder.normal(pod, 'Created', `Created container ${c.name}`);
      this.opts.recorder.normal(pod, 'Started', `Started container ${c.name}`);
    }
  }

  /** CNI ADD's IPAM step; host-network pods skip it and use the node's address. */
  private allocateIp(loop: PodLoop, pod: Pod, entry: PodEntry): string | undefined {
    if (this.opts.ipam !== undefined) return this.allocateWith(this.opts.ipam, pod, entry);
    const cidr = loop.nodes.get(undefined, this.opts.nodeName)?.spec?.podCIDR;
    if (!cidr) {
      // What flanneld logs on such a node; the CNI ADD fails the same way for every pod.
      this.warn(pod, entry, `node "${this.opts.nodeName}" pod cidr not assigned`);
      return undefined;
    }
    return this.allocateWith(this.ipamFor(cidr), pod, entry);
  }

  private allocateWith(ipam: PodIpAllocator, pod: Pod, entry: PodEntry): string | undefined {
    try {
      const prior = pod.status?.podIP;
      return prior && ipam.reserve(entry.uid, prior) ? prior : ipam.allocate(entry.uid);
    } catch (err) {
      if (!isKemuError(err, ERR_POD_IPAM_EXHAUSTED)) throw err;
      this.warn(pod, entry, `failed to allocate for range 0: ${err.message}`);
      return undefined;
    }
  }

  private async syncTerminating(loop: PodLoop, key: string, pod: Pod, entry: PodEntry): Promise<void> {
    if (entry.stage === 'pending') {
      // Never started: nothing to stop, the kubelet removes it at once.
      this.entries.delete(key);
      this.releaseIp(entry.uid);
      return this.deletePod(pod);
    }
    const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    if (entry.stage === 'running' || (entry.stage === 'stopping' && graceMs < (entry.graceMs ?? Infinity))) {
      // A second delete with a shorter grace period shortens the wait, as with the real kubelet.
      const first = entry.stage === 'running';
      entry.stage = 'stopping';
      entry.graceMs = graceMs;
      if (first) for (const c of pod.spec.containers ?? []) this.opts.recorder.normal(pod, 'Killing', `Stopping container ${c.name}`);
      entry.sandbox!.stop(graceMs).then(
        (r) => this.stopped(loop, key, entry, r.killed),
        () => this.stopped(loop, key, entry, true),
      );
    }
    if (entry.stage === 'stopped') {
      await this.writeStatus(pod, entry);
      this.entries.delete(key);
      return this.deletePod(pod);
    }
    await this.writeStatus(pod, entry); // readiness is still reported while the workload drains
  }

  private stopped(loop: PodLoop, key: string, entry: PodEntry, killed: boolean): void {
    if (entry.stage !== 'stopping') return;
    entry.unsubscribe?.();
    Object.assign(entry, { stage: 'stopped', killed, finishedAt: this.opts.clock.now() });
    this.releaseIp(entry.uid); // CNI DEL as the sandbox goes
    if (this.loop === loop) {
      loop.enqueue(key);
      this.retryPending(loop);
    }
  }

  private async killSandbox(entry: PodEntry, graceMs: number): Promise<void> {
    entry.unsubscribe?.();
    this.releaseIp(entry.uid);
    if (entry.sandbox && entry.stage !== 'stopped') await entry.sandbox.stop(graceMs).catch(() => undefined);
    entry.stage = 'stopped';
  }

  private async writeStatus(pod: Pod, entry: PodEntry): Promise<void> {
    const stage = entry.stage === 'stopping' ? 'running' : entry.stage;
    const state: LocalPodState = {
      stage,
      sandboxId: entry.sandbox?.id,
      ip: entry.ip,
      hostIP: this.hostIP() ?? pod.status?.hostIP,
      ready: entry.sandbox?.ready() ?? false,
      startedAt: entry.startedAt,
      restartCount: entry.restartCount,
      killed: entry.killed,
      finishedAt: entry.finishedAt,
    };
    const status = buildPodStatus(pod, state, this.opts.clock.now());
    if (canonicalJson(status) === canonicalJson(pod.status)) return;
    try {
      await this.opts.client.update<Pod>('pods', { ...pod, status }, 'status');
    } catch (err) {
      // A conflict means a newer pod is on its way through the informer, which re-enqueues it.
      if (err instanceof ApiError && (err.reason === 'Conflict' || err.reason === 'NotFound')) return;
      throw err;
    }
  }

  private async deletePod(pod: Pod): Promise<void> {
    try {
      await this.opts.client.delete('pods', pod.metadata.namespace, pod.metadata.name ?? '', {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (err) {
      if (err instanceof ApiError && (err.reason === 'NotFound' || err.reason === 'Conflict')) return;
      throw err;
    }
  }

  /** The event the kubelet records when CNI ADD fails; the status write is left to syncPod. */
  private warn(pod: Pod, entry: PodEntry, cause: string): void {
    const sandbox = (entry.uid || pod.metadata.name || '').replace(/-/g, '').padEnd(64, '0').slice(0, 64);
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${sandbox}": ${cause}`;
    if (entry.warned === message) return; // the same failure again is not news
    entry.warned = message;
    this.opts.recorder.warning(pod, 'FailedCreatePodSandBox', message);
  }

  /** Pods waiting for a podCIDR or a free IP get another try. */
  private retryPending(loop: PodLoop): void {
    if (this.loop !== loop) return;
    for (const p of loop.pods.list()) {
      const key = objectKey(p);
      const e = this.entries.get(key);
      if (!e || e.stage === 'pending') loop.enqueue(key);
    }
  }

  /** After a restart, IPs already in pod statuses are claimed first so new pods cannot take them. */
  private adoptExistingIps(pods: Pod[]): void {
    const cidr = this.loop?.nodes.get(undefined, this.opts.nodeName)?.spec?.podCIDR;
    if (!cidr && this.opts.ipam === undefined) return;
    const ipam = this.opts.ipam ?? this.ipamFor(cidr!);
    for (const p of pods) {
      const ip = p.status?.podIP;
      const finished = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
      if (ip && !finished && !p.metadata.deletionTimestamp && p.metadata.uid && !this.entries.has(objectKey(p))) ipam.reserve(p.metadata.uid, ip);
    }
  }

  private releaseIp(uid: string): void {
    (this.opts.ipam ?? this.ipam)?.release(uid);
  }

  /** One allocator per podCIDR (which Kubernetes never changes once set). */
  private ipamFor(cidr: string): PodIpam {
    const fresh = new PodIpam(cidr);
    if (this.ipam?.cidr !== fresh.cidr) this.ipam = fresh;
    return this.ipam!;
  }

  private hostIP(): string | undefined {
    const node = this.loop?.nodes.get(undefined, this.opts.nodeName);
    return node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  }
}

/** A pod that ran before (its host was powered off) restarts its containers: one more restart. */
function priorRestarts(pod: Pod): number {
  const prev = pod.status?.containerStatuses?.find((c: any) => c.containerID);
  return prev ? (prev.restartCount ?? 0) + 1 : 0;
}
