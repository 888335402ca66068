/**
 * The kubelet's probe workers for emulated containers. A worker probes at once and then every
 * periodSeconds, skips while the container is younger than initialDelaySeconds, never overlaps two
 * attempts, and publishes a new result only after successThreshold successes or failureThreshold
 * failures in a row (the kubelet's resultRun rule). Readiness starts failed, liveness succeeded,
 * startup unknown (not started). Every failed attempt is a Warning "Unhealthy" Event, as the
 * kubelet records it. All timing goes through the Clock; seconds are scaled by apiSecondMs.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import { type ProbeOutcome, type ProbeTarget, runProbe } from './probe-checks.js';

export type ProbeKind = 'readiness' | 'liveness' | 'startup';

export interface ProbeSettings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** Kubernetes' defaults (SetDefaults_Probe) for fields missing or zero; liveness/startup need 1 success. */
export function probeSettings(probe: Record<string, any>, kind: ProbeKind, apiSecondMs = 1000): ProbeSettings {
  const num = (v: unknown, dflt: number): number => (typeof v === 'number' && v > 0 ? v : dflt);
  return {
    initialDelayMs: Math.max(0, Number(probe.initialDelaySeconds) || 0) * apiSecondMs,
    periodMs: num(probe.periodSeconds, 10) * apiSecondMs,
    timeoutMs: num(probe.timeoutSeconds, 1) * apiSecondMs,
    successThreshold: kind === 'readiness' ? num(probe.successThreshold, 1) : 1,
    failureThreshold: num(probe.failureThreshold, 3),
  };
}

export const PROBE_LABEL: Record<ProbeKind, string> = { readiness: 'Readiness', liveness: 'Liveness', startup: 'Startup' };

export interface ProbeWorkerOptions {
  kind: ProbeKind;
  probe: Record<string, any>;
  clock: Clock;
  apiSecondMs?: number;
  /** When the container started (initialDelaySeconds counts from here). */
  containerStartedAt: number;
  target: ProbeTarget;
  /** A published result changed. */
  onResult(ok: boolean): void;
  /** One attempt failed (a Warning Event "Unhealthy"). */
  onFailedAttempt(message: string): void;
  /** Replaces runProbe (tests). */
  check?: (probe: Record<string, any>, kind: ProbeKind, target: ProbeTarget, timeoutMs: number) => Promise<ProbeOutcome>;
}

export class ProbeWorker {
  readonly settings: ProbeSettings;
  /** The published result: undefined for a startup probe that has not succeeded yet. */
  private published: boolean | undefined;
  private lastResult: boolean | undefined;
  private resultRun = 0;
  private inFlight = false;
  private stopped = false;
  private ticker: TimerHandle | undefined;
  /** Attempts made (tests, status views). */
  attempts = 0;

  constructor(private readonly o: ProbeWorkerOptions) {
    this.settings = probeSettings(o.probe, o.kind, o.apiSecondMs);
    this.published = o.kind === 'readiness' ? false : o.kind === 'liveness' ? true : undefined;
  }

  get kind(): ProbeKind {
    return this.o.kind;
  }

  get result(): boolean | undefined {
    return this.published;
  }

  start(): void {
    if (this.ticker || this.stopped) return;
    this.ticker = this.o.clock.setInterval(() => this.tick(), this.settings.periodMs);
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.ticker?.cancel();
  }

  private tick(): void {
    if (this.stopped || this.inFlight) return;
    if (this.o.clock.now() - this.o.containerStartedAt < this.settings.initialDelayMs) return;
    this.inFlight = true;
    this.attempts++;
    const check = this.o.check ?? runProbe;
    check(this.o.probe, this.o.kind, this.o.target, this.settings.timeoutMs).then(
      (outcome) => this.record(outcome),
      (err: unknown) => this.record({ ok: false, message: String((err as Error)?.message ?? err) }),
    );
  }

  private record(outcome: ProbeOutcome): void {
    this.inFlight = false;
    if (this.stopped) return;
    if (!outcome.ok) this.o.onFailedAttempt(`${PROBE_LABEL[this.o.kind]} probe failed: ${outcome.message}`);
    const result = outcome.ok;
    if (this.lastResult === result) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    const needed = result ? this.settings.successThreshold : this.settings.failureThreshold;
    if (this.resultRun < needed || this.published === result) return;
    this.published = result;
    this.o.onResult(result);
  }
}
