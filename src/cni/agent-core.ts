/**
 * What flanneld and calico-node do alike around their own sync: the coalescing sync loop with its
 * resync period and retry, the subscriptions and timers stop() undoes, the last log lines (the
 * container's log, `logs()`), and open problems turned into Warning Events and the Node's
 * NetworkUnavailable condition. Each agent keeps what is its own: what a sync does, and when it
 * counts as running.
 */
import type { ApiClient } from '../api/client.js';
import { EventRecorder } from '../controllers/events.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { ProblemReporter } from './backend.js';
import type { LeaseHub } from './flannel/lease-hub.js';
import { networkConditionPatch } from './flannel/node-status.js';
import type { NodeProblems } from './problems.js';
import { SyncLoop } from './sync-loop.js';

const MAX_LOG_LINES = 100;

export interface AgentCoreOptions {
  nodeName: string;
  /** The daemon: log lines read "DAEMON[node]: …" and its Events come from component DAEMON. */
  daemon: string;
  client: ApiClient;
  hub: LeaseHub;
  clock: Clock;
  problems: NodeProblems;
  /** Delay before a failed sync is tried again (the daemon would be restarted); default 1 s. */
  retryMs?: number;
  log?(line: string): void;
  sync(): Promise<void>;
  /** False while the agent is stopped: no sync, retry or condition report then. */
  active(): boolean;
}

export class AgentCore {
  /** For backends and helpers that report problems by key (felix, BIRD, flannel's backends). */
  readonly reporter: ProblemReporter = { set: (k, m) => this.setProblem(k, m), clear: (k) => this.clearProblem(k) };
  private readonly events: EventRecorder;
  private readonly loop: SyncLoop;
  private readonly recent: string[] = [];
  private timers: TimerHandle[] = [];
  private retry: TimerHandle | undefined;
  private unsubscribers: Array<() => void> = [];

  constructor(private readonly o: AgentCoreOptions) {
    this.events = new EventRecorder(o.client, o.clock, o.daemon, o.nodeName);
    this.loop = new SyncLoop(o.sync, o.active, (err) => this.log(`sync failed: ${err.message}`));
  }

  /** Asks for a sync (coalesced with the others asked for meanwhile). */
  kick(): void {
    this.loop.kick();
  }

  /** Runs a sync now (and once more if one is running); resolves when the agent is idle again. */
  resync(): Promise<void> {
    this.kick();
    return this.loop.idle;
  }

  /** Syncs every `ms` until halt() (the daemon's periodic check of its kernel state). */
  resyncEvery(ms: number): void {
    this.timers.push(this.o.clock.setInterval(() => this.kick(), ms));
  }

  /** An event source's unsubscribe, called by halt(). */
  track(unsubscribe: () => void): void {
    this.unsubscribers.push(unsubscribe);
  }

  /** One more sync after the retry delay (a failure the daemon's restart would retry). */
  scheduleRetry(): void {
    if (!this.o.active()) return;
    this.retry?.cancel();
    this.retry = this.o.clock.setTimeout(() => this.kick(), this.o.retryMs ?? 1000);
  }

  /** Stops the timers, the retry and the subscriptions; resolves once the sync in flight is done. */
  async halt(): Promise<void> {
    for (const t of this.timers.splice(0)) t.cancel();
    this.retry?.cancel();
    for (const u of this.unsubscribers.splice(0)) u();
    await this.loop.idle;
  }

  /** A problem appeared or changed: logged, a Warning Event on the Node, and a sync to report it. */
  setProblem(key: string, message: string): void {
    if (!this.o.problems.set(key, message)) return;
    this.log(message);
    const node = this.o.hub.node(this.o.nodeName);
    if (node !== undefined) this.events.warning(node, this.o.problems.reason(key), message);
    this.kick();
  }

  clearProblem(key: string): void {
    if (this.o.problems.clear(key)) this.kick();
  }

  /** A Normal Event on the Node (the daemon is up), once the Node is known. */
  normalEvent(reason: string, message: string): void {
    const node = this.o.hub.node(this.o.nodeName);
    if (node !== undefined) this.events.normal(node, reason, message);
  }

  /** NetworkUnavailable on the Node as the problems say, patched only when it reads otherwise. */
  async reportCondition(running: boolean): Promise<void> {
    const node = this.o.hub.node(this.o.nodeName);
    if (node === undefined || !this.o.active()) return;
    const patch = networkConditionPatch(node, this.o.problems.condition(running), this.o.clock.now());
    if (patch !== undefined) await this.o.client.patch('nodes', undefined, this.o.nodeName, 'strategic', patch, 'status');
  }

  log(line: string): void {
    const text = `${this.o.daemon}[${this.o.nodeName}]: ${line}`;
    this.recent.push(text);
    if (this.recent.length > MAX_LOG_LINES) this.recent.shift();
    this.o.log?.(text);
  }

  /** The last log lines, oldest first. */
  logs(): string[] {
    return [...this.recent];
  }
}
