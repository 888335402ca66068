/**
 * The narrow view the kubelet has of a container runtime (a CRI shrunk to what kemu needs): start a
 * pod's sandbox with the IP the CNI gave it, watch its readiness, stop it with a grace period.
 *
 * The default runtime here is in-memory: workloads exist only as state and turn ready after a
 * configurable start delay. The real emulated workloads (agnhost netexec, serve-hostname, ...
 * listening on the packet plane behind the pod's veth) arrive with a later issue and implement
 * this same interface, so the PodManager does not change when they do.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Pod } from '../api/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';

export interface SandboxHandle {
  /** The sandbox's id (64 hex digits, like containerd's); containers get ids derived from it. */
  readonly id: string;
  /** Whether every container passes its readiness check (what the kubelet's prober reports). */
  ready(): boolean;
  /** Called whenever ready() changes; returns a function that unsubscribes. */
  onReadyChange(fn: (ready: boolean) => void): () => void;
  /**
   * SIGTERM, then SIGKILL after graceMs. Resolves once every container has exited; `killed` says
   * whether the grace period ran out (exit code 137 rather than 0). May be called again with a
   * shorter grace period (a second `kubectl delete --grace-period`), which brings the kill forward.
   */
  stop(graceMs: number): Promise<{ killed: boolean }>;
}

export interface PodRuntime {
  startSandbox(pod: Pod, ip: string): Promise<SandboxHandle>;
}

export interface InMemoryRuntimeOptions {
  clock: Clock;
  /** Time from start until the workload answers its readiness check (default 500 ms). */
  startDelayMs?: number;
  /** Time a workload takes to exit after SIGTERM (default 0: exits at once). */
  stopDelayMs?: number;
}

export class InMemoryRuntime implements PodRuntime {
  private readonly live = new Set<InMemorySandbox>();

  constructor(private readonly opts: InMemoryRuntimeOptions) {}

  async startSandbox(pod: Pod, ip: string): Promise<SandboxHandle> {
    const sandbox = new InMemorySandbox(this.opts, pod, ip, () => this.live.delete(sandbox));
    this.live.add(sandbox);
    return sandbox;
  }

  /** Sandboxes started and not yet stopped (tests and status views). */
  running(): number {
    return this.live.size;
  }
}

class InMemorySandbox implements SandboxHandle {
  readonly id = randomBytes(32).toString('hex');
  private isReady = false;
  private stopped = false;
  private readonly listeners = new Set<(ready: boolean) => void>();
  private timer: TimerHandle | undefined;
  private stopping: Promise<{ killed: boolean }> | undefined;
  private finish: ((killed: boolean) => void) | undefined;
  private exitTimer: TimerHandle | undefined;
  private killTimer: TimerHandle | undefined;
  private killAt = Infinity;

  constructor(
    private readonly opts: InMemoryRuntimeOptions,
    readonly pod: Pod,
    readonly ip: string,
    private readonly onGone: () => void,
  ) {
    this.timer = opts.clock.setTimeout(() => this.setReady(true), opts.startDelayMs ?? 500);
  }

  ready(): boolean {
    return this.isReady;
  }

  onReadyChange(fn: (ready: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  stop(graceMs: number): Promise<{ killed: boolean }> {
    this.timer?.cancel();
    const exitAfter = this.opts.stopDelayMs ?? 0;
    if (!this.stopping) {
      this.stopping = new Promise((resolve) => (this.finish = (killed) => {
        if (this.stopped) return;
        this.stopped = true;
        this.killTimer?.cancel();
        this.exitTimer?.cancel();
        this.setReady(false);
        this.onGone();
        resolve({ killed });
      }));
      if (exitAfter <= 0) this.finish!(false);
      else if (exitAfter <= graceMs) this.exitTimer = this.opts.clock.setTimeout(() => this.finish!(false), exitAfter);
    }
    // SIGKILL when the grace period runs out; a later stop with a shorter grace brings it forward.
    if (!this.stopped && graceMs < this.killAt - this.opts.clock.now()) {
      this.killAt = this.opts.clock.now() + Math.max(0, graceMs);
      this.killTimer?.cancel();
      if (graceMs <= 0) this.finish!(true);
      else this.killTimer = this.opts.clock.setTimeout(() => this.finish!(true), graceMs);
    }
    return this.stopping;
  }

  private setReady(ready: boolean): void {
    if (this.isReady === ready || (ready && this.stopped)) return;
    this.isReady = ready;
    for (const fn of [...this.listeners]) fn(ready);
  }
}

/** An image reference as containerd reports it: registry and tag made explicit. */
export function normalizeImage(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  let ref = hasRegistry ? image : `docker.io/${slash < 0 ? 'library/' : ''}${image}`;
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !lastPart.includes('@')) ref += ':latest';
  return ref;
}

/** A stable digest-style imageID for an image (there is no registry to ask for the real one). */
export function imageId(image: string): string {
  const ref = normalizeImage(image);
  const repo = ref.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
  return `${repo}@sha256:${createHash('sha256').update(ref).digest('hex')}`;
}
