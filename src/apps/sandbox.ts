/**
 * A pod sandbox whose containers run emulated programs: the SandboxHandle the kubelet's PodManager
 * drives (src/node/runtime.ts). Ready when every container is ready; stop(graceMs) sends SIGTERM to
 * every container and SIGKILL to what is left when the grace period ends ({ killed: true }); a second
 * stop with a shorter grace period brings the kill forward.
 *
 * Init containers are taken as completed; their programs are not run.
 */
import { randomBytes } from 'node:crypto';
import type { Pod } from '../api/types.js';
import type { SandboxHandle } from '../node/runtime.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { KemuError } from '../util/errors.js';
import { ContainerRunner, type ContainerStatusView } from './container.js';
import type { StartedWorkload } from './registry.js';
import type { PodNetwork, Workload, WorkloadContext } from './types.js';

export interface WorkloadSandboxOptions {
  pod: Pod;
  podIP: string;
  /** The pod's network namespace. */
  net: PodNetwork;
  /** The node's host network, where probes come from. */
  probeNet: PodNetwork;
  clock: Clock;
  /** Kubernetes seconds (probe periods, grace periods, back-off) in ms; default 1000. */
  apiSecondMs?: number;
  /** Name resolution for the pod's programs; default: IPv4 literals only. */
  resolve?(host: string): Promise<string>;
  warn?(reason: string, message: string): void;
  normal?(reason: string, message: string): void;
  log?(container: string, line: string): void;
  /** Lines kept per container for logs(); default 1000. */
  maxLogLines?: number;
  /** Replaces the registry (tests). */
  start?: (ctx: Omit<WorkloadContext, 'args'>) => StartedWorkload;
}

export interface WorkloadSandbox extends SandboxHandle {
  containers(): ContainerStatusView[];
  workload(container: string): Workload | undefined;
  /** The container's recent log lines (kubectl logs). */
  logs(container: string): readonly string[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** The resolver used until cluster DNS is wired: IP literals resolve to themselves. */
export function literalResolver(host: string): Promise<string> {
  return IPV4.test(host) ? Promise.resolve(host) : Promise.reject(new KemuError('ENOTFOUND', `lookup ${host}: no such host`));
}

export function startWorkloadSandbox(o: WorkloadSandboxOptions): WorkloadSandbox {
  return new Sandbox(o);
}

class Sandbox implements WorkloadSandbox {
  readonly id = randomBytes(32).toString('hex');
  private readonly runners: ContainerRunner[];
  private readonly logLines = new Map<string, string[]>();
  private readonly readyFns = new Set<(ready: boolean) => void>();
  private isReady = false;
  private stopping: Promise<{ killed: boolean }> | undefined;
  private finished = false;
  private killAt = Infinity;
  private killTimer: TimerHandle | undefined;
  private settle: ((killed: boolean) => void) | undefined;

  constructor(private readonly o: WorkloadSandboxOptions) {
    const maxLines = o.maxLogLines ?? 1000;
    this.runners = (o.pod.spec.containers ?? []).map((container) => {
      const lines: string[] = [];
      this.logLines.set(container.name, lines);
      return new ContainerRunner({
        pod: o.pod, podIP: o.podIP, container, net: o.net, probeNet: o.probeNet, clock: o.clock,
        apiSecondMs: o.apiSecondMs ?? 1000,
        resolve: o.resolve ?? literalResolver,
        warn: (reason, message) => o.warn?.(reason, message),
        normal: (reason, message) => o.normal?.(reason, message),
        log: (line) => {
          lines.push(line);
          // Trimmed in batches: a splice per line past the cap moves 1,000 entries per request.
          if (lines.length >= 2 * maxLines) lines.splice(0, lines.length - maxLines);
          o.log?.(container.name, line);
        },
        podListening: () => this.listening(),
        onChange: () => this.recompute(),
        ...(o.start ? { start: o.start } : {}),
      });
    });
    for (const r of this.runners) r.start();
    this.recompute();
  }

  ready(): boolean {
    return this.isReady;
  }

  onReadyChange(fn: (ready: boolean) => void): () => void {
    this.readyFns.add(fn);
    return () => this.readyFns.delete(fn);
  }

  containers(): ContainerStatusView[] {
    return this.runners.map((r) => r.status());
  }

  workload(container: string): Workload | undefined {
    return this.runners.find((r) => r.name === container)?.workload;
  }

  logs(container: string): readonly string[] {
    const lines = this.logLines.get(container) ?? [];
    const max = this.o.maxLogLines ?? 1000;
    return lines.length > max ? lines.slice(lines.length - max) : lines;
  }

  stop(graceMs: number): Promise<{ killed: boolean }> {
    const clock = this.o.clock;
    if (!this.stopping) {
      this.stopping = new Promise((resolve) => (this.settle = (killed) => {
        if (this.finished) return;
        this.finished = true;
        this.killTimer?.cancel();
        this.recompute();
        resolve({ killed });
      }));
      void Promise.all(this.runners.map((r) => r.stop())).then(() => this.settle!(false));
    }
    // SIGKILL when the grace period runs out; a later, shorter grace period brings it forward.
    if (!this.finished && graceMs < this.killAt - clock.now()) {
      this.killAt = clock.now() + Math.max(0, graceMs);
      this.killTimer?.cancel();
      const kill = (): void => {
        if (this.finished) return;
        for (const r of this.runners) r.kill();
        this.settle!(true);
      };
      if (graceMs <= 0) kill();
      else this.killTimer = clock.setTimeout(kill, graceMs);
    }
    return this.stopping;
  }

  private listening(): ReadonlySet<string> {
    const all = new Set<string>();
    for (const r of this.runners) for (const key of r.workload?.listening ?? []) all.add(key);
    return all;
  }

  private recompute(): void {
    const ready = !this.finished && this.runners.length > 0 && this.runners.every((r) => r.ready());
    if (ready === this.isReady) return;
    this.isReady = ready;
    for (const fn of [...this.readyFns]) fn(ready);
  }
}
