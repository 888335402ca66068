/**
 * kube-proxy's BoundedFrequencyRunner (pkg/proxy/runner): runs `fn` when asked, but
 *  - at most once per minInterval: requests during the cool-down after a run coalesce into one run
 *    when it ends (a burst of 1,000 endpoint changes costs two syncs, not 1,000);
 *  - at least once per maxInterval, asked or not (the periodic resync that repairs drift);
 *  - again retryInterval after a run that failed (threw), unless something runs it sooner.
 * Every timer goes through the Clock, so tests drive it with a FakeClock. A request is served on a
 * zero-delay timer rather than inside run(): events delivered together coalesce, and fn never runs
 * inside an informer handler.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import { KemuError } from '../util/errors.js';

export interface BoundedFrequencyRunnerOptions {
  clock: Clock;
  /** Least time between the end of one run and the start of the next (kube-proxy --iptables-min-sync-period, 1 s). */
  minIntervalMs: number;
  /** Most time between runs (kube-proxy --iptables-sync-period, 30 s). */
  maxIntervalMs: number;
  /** Delay before re-running a failed run; default minIntervalMs. */
  retryIntervalMs?: number;
  /** Told about every failed run (the runner itself only retries). */
  onError?: (err: unknown) => void;
}

export class BoundedFrequencyRunner {
  /** Runs so far, and how many of them failed (for tests and status). */
  runs = 0;
  failures = 0;
  private readonly clock: Clock;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly retryMs: number;
  private running = false;
  private stopped = true;
  private coolingDown = false;
  private requested = false;
  private soon: TimerHandle | undefined;
  private minTimer: TimerHandle | undefined;
  private maxTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;

  constructor(
    readonly name: string,
    private readonly fn: () => void,
    private readonly opts: BoundedFrequencyRunnerOptions,
  ) {
    if (opts.maxIntervalMs < opts.minIntervalMs) {
      throw new KemuError('ERR_PROXY_RUNNER', `${name}: maxInterval (${opts.maxIntervalMs} ms) must be >= minInterval (${opts.minIntervalMs} ms)`);
    }
    this.clock = opts.clock;
    this.minMs = opts.minIntervalMs;
    this.maxMs = opts.maxIntervalMs;
    this.retryMs = opts.retryIntervalMs ?? opts.minIntervalMs;
  }

  /** Loop: starts the periodic timer. Until then run() requests are ignored, as kube-proxy's are. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.maxTimer = this.clock.setTimeout(() => this.trigger(), this.maxMs);
  }

  stop(): void {
    this.stopped = true;
    for (const t of [this.soon, this.minTimer, this.maxTimer, this.retryTimer]) t?.cancel();
    this.soon = this.minTimer = this.maxTimer = this.retryTimer = undefined;
    this.requested = this.coolingDown = false;
  }

  /** Asks for a run as soon as the minimum interval allows. */
  run(): void {
    this.trigger();
  }

  /** Whether a requested run waits for the cool-down to end. */
  get pending(): boolean {
    return this.requested || this.soon !== undefined;
  }

  private trigger(): void {
    if (this.stopped) return;
    if (this.coolingDown || this.running) {
      this.requested = true; // served once when the cool-down ends, however many arrive
      return;
    }
    this.soon ??= this.clock.setTimeout(() => this.execute(), 0);
  }

  private execute(): void {
    this.soon?.cancel();
    this.soon = undefined;
    if (this.stopped) return;
    this.maxTimer?.cancel();
    this.running = true;
    this.requested = false;
    let failed = false;
    try {
      this.fn();
    } catch (err) {
      failed = true;
      this.failures++;
      this.opts.onError?.(err);
    } finally {
      this.running = false;
      this.runs++;
    }
    if (this.stopped) return; // fn may stop the runner
    this.retryTimer?.cancel();
    this.retryTimer = failed ? this.clock.setTimeout(() => this.trigger(), this.retryMs) : undefined;
    this.maxTimer = this.clock.setTimeout(() => this.trigger(), this.maxMs);
    this.coolingDown = true;
    this.minTimer = this.clock.setTimeout(() => this.endCoolDown(), this.minMs);
  }

  private endCoolDown(): void {
    this.coolingDown = false;
    this.minTimer = undefined;
    if (this.requested) this.execute();
  }
}
