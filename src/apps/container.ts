/**
 * One container of an emulated pod, as the kubelet runs it: start the program, run its startup,
 * liveness and readiness probes, restart it when it exits or fails liveness/startup (by
 * restartPolicy, with the kubelet's crash-loop back-off: 10 s doubling to 5 min, reset after 10 min
 * of running), and stop it with SIGTERM / SIGKILL.
 *
 * Without a readiness probe an emulated container is ready once the pod listens on every TCP/UDP
 * port the container declares (kemu's rule: the port is really served); a container kemu runs as
 * pause in place of an unknown image is ready at once, as the kubelet would make it.
 */
import type { Container, Pod } from '../api/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { containerEnv, podHostname } from './env.js';
import { ProbeWorker, type ProbeKind } from './probes.js';
import { type StartedWorkload, startWorkload } from './registry.js';
import type { Process } from './process.js';
import type { PodNetwork, WorkloadContext } from './types.js';

export const BACKOFF_INITIAL_S = 10;
export const BACKOFF_MAX_S = 300;
/** A container that ran this long without exiting starts its back-off afresh. */
export const BACKOFF_RESET_S = 600;

export interface ContainerRunnerOptions {
  pod: Pod;
  podIP: string;
  container: Container;
  /** The pod's own namespace. */
  net: PodNetwork;
  /** Where probes come from (the node's host network). */
  probeNet: PodNetwork;
  clock: Clock;
  apiSecondMs: number;
  resolve(host: string): Promise<string>;
  warn(reason: string, message: string): void;
  normal(reason: string, message: string): void;
  log(line: string): void;
  /** Everything the pod listens on (containers share the namespace). */
  podListening(): ReadonlySet<string>;
  /** Readiness or listening changed. */
  onChange(): void;
  start?: (ctx: Omit<WorkloadContext, 'args'>) => StartedWorkload;
}

export interface ContainerStatusView {
  name: string;
  state: 'waiting' | 'running' | 'terminated';
  ready: boolean;
  started: boolean;
  restartCount: number;
  lastExitCode?: number;
  /** False when kemu runs pause in place of this container's program. */
  emulated: boolean;
  program: string;
}

/** "8080/TCP" keys of the TCP and UDP ports a container declares. */
export function declaredPorts(container: Container): string[] {
  return (container.ports ?? []).filter((p) => (p.protocol ?? 'TCP') !== 'SCTP').map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`);
}

export class ContainerRunner {
  workload: Process | undefined;
  restartCount = 0;
  lastExitCode: number | undefined;
  private state: ContainerStatusView['state'] = 'waiting';
  private emulated = true;
  private program = '';
  private startupDone = false;
  private readinessOk = false;
  private workers: ProbeWorker[] = [];
  private backoffMs = 0;
  private startedAt = 0;
  private restartTimer: TimerHandle | undefined;
  private killTimer: TimerHandle | undefined;
  private stopping = false;
  private exited: (() => void) | undefined;
  private readonly env: Record<string, string>;
  private readonly warned = new Set<string>();

  constructor(private readonly o: ContainerRunnerOptions) {
    this.env = containerEnv(o.pod, o.container, o.podIP);
  }

  get name(): string {
    return this.o.container.name;
  }

  start(): void {
    if (this.stopping) return;
    const o = this.o;
    const ctx: Omit<WorkloadContext, 'args'> = {
      pod: o.pod, podIP: o.podIP, hostname: podHostname(o.pod), container: o.container, env: this.env,
      net: o.net, clock: o.clock, resolve: o.resolve, warn: o.warn, log: o.log,
    };
    const started = (o.start ?? startWorkload)(ctx);
    const w = started.workload;
    this.workload = w;
    this.emulated = started.emulated;
    this.program = started.program;
    this.state = 'running';
    this.startedAt = o.clock.now();
    this.readinessOk = false;
    this.startupDone = !o.container.startupProbe;
    w.onListeningChange(() => o.onChange());
    w.onExit((code) => this.exitedWith(w, code));
    if (o.container.startupProbe) this.probe('startup', o.container.startupProbe);
    else this.startMainProbes();
    o.onChange();
  }

  ready(): boolean {
    if (this.state !== 'running' || !this.startupDone) return false;
    if (this.o.container.readinessProbe) return this.readinessOk;
    if (!this.emulated) return true;
    const listening = this.o.podListening();
    return declaredPorts(this.o.container).every((p) => listening.has(p));
  }

  status(): ContainerStatusView {
    return {
      name: this.name, state: this.state, ready: this.ready(), started: this.state === 'running' && this.startupDone,
      restartCount: this.restartCount, emulated: this.emulated, program: this.program,
      ...(this.lastExitCode !== undefined ? { lastExitCode: this.lastExitCode } : {}),
    };
  }

  /** SIGTERM without restarts; resolves when the program has exited (never, if it ignores SIGTERM). */
  stop(): Promise<void> {
    this.stopping = true;
    this.restartTimer?.cancel();
    for (const w of this.workers) if (w !== this.readinessWorker()) w.stop();
    if (this.state !== 'running' || !this.workload) return Promise.resolve();
    const done = new Promise<void>((resolve) => (this.exited = resolve));
    void this.workload.stop();
    return done;
  }

  /** SIGKILL, no restarts. */
  kill(): void {
    this.stopping = true;
    this.restartTimer?.cancel();
    this.workload?.kill();
  }

  private readinessWorker(): ProbeWorker | undefined {
    return this.workers.find((w) => w.kind === 'readiness');
  }

  private startMainProbes(): void {
    const c = this.o.container;
    if (c.livenessProbe) this.probe('liveness', c.livenessProbe);
    if (c.readinessProbe) this.probe('readiness', c.readinessProbe);
  }

  private probe(kind: ProbeKind, spec: Record<string, any>): void {
    const o = this.o;
    const worker: ProbeWorker = new ProbeWorker({
      kind, probe: spec, clock: o.clock, apiSecondMs: o.apiSecondMs, containerStartedAt: this.startedAt,
      target: {
        net: o.probeNet, clock: o.clock, podIP: o.podIP, container: o.container,
        warnOnce: (reason, message) => {
          if (this.warned.has(reason)) return;
          this.warned.add(reason);
          o.warn(reason.split('/')[0]!, message);
        },
      },
      onFailedAttempt: (message) => o.warn('Unhealthy', message),
      onResult: (ok) => {
        if (this.workload !== current) return;
        if (kind === 'readiness') {
          this.readinessOk = ok;
          o.onChange();
        } else if (kind === 'startup' && ok) {
          this.startupDone = true;
          worker.stop();
          this.startMainProbes();
          o.onChange();
        } else if (!ok) this.restartUnhealthy(kind, spec);
      },
    });
    const current = this.workload;
    this.workers.push(worker);
    worker.start();
  }

  /** Liveness or startup failed: kill with the grace period, then restart by policy. */
  private restartUnhealthy(kind: ProbeKind, spec: Record<string, any>): void {
    if (this.stopping || !this.workload) return;
    this.o.normal('Killing', `Container ${this.name} failed ${kind} probe, will be restarted`);
    for (const w of this.workers) w.stop();
    const graceS = spec.terminationGracePeriodSeconds ?? this.o.pod.spec.terminationGracePeriodSeconds ?? 30;
    const w = this.workload;
    void w.stop();
    this.killTimer = this.o.clock.setTimeout(() => w.kill(), Math.max(0, graceS) * this.o.apiSecondMs);
  }

  private exitedWith(w: Process, code: number): void {
    if (w !== this.workload) return;
    this.killTimer?.cancel();
    for (const worker of this.workers) worker.stop();
    this.workers = [];
    this.state = 'terminated';
    this.lastExitCode = code;
    this.o.onChange();
    if (this.stopping) return void this.exited?.();
    const policy = this.o.pod.spec.restartPolicy ?? 'Always';
    if (policy === 'Never' || (policy === 'OnFailure' && code === 0)) return;
    const now = this.o.clock.now();
    if (now - this.startedAt >= BACKOFF_RESET_S * this.o.apiSecondMs) this.backoffMs = 0;
    const delay = this.backoffMs;
    this.backoffMs = delay === 0 ? BACKOFF_INITIAL_S * this.o.apiSecondMs : Math.min(2 * delay, BACKOFF_MAX_S * this.o.apiSecondMs);
    if (delay > 0) {
      const p = this.o.pod.metadata;
      this.o.warn('BackOff', `Back-off restarting failed container ${this.name} in pod ${p.name}_${p.namespace ?? 'default'}(${p.uid ?? ''})`);
      this.state = 'waiting';
    }
    this.restartTimer = this.o.clock.setTimeout(() => {
      this.restartCount++;
      this.start();
    }, delay);
  }
}
