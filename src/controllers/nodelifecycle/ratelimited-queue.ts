/**
 * The rate-limited timed queue behind Kubernetes' per-zone NoExecute tainter, pure (time is
 * passed in). Each zone has one: unhealthy nodes are added, and a pass every 100 ms takes them in
 * order of due time as long as the zone's token bucket (burst 1, `qps` tokens per second) allows.
 * A node stays in the queue's set after it was processed, so it is not tainted twice, until it
 * is removed (healthy again, or its taint vanished).
 */

/** A token bucket of `burst` tokens refilled at `qps` per second; starts full. qps <= 0 never allows. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly qps: number,
    now: number,
    private readonly burst = 1,
  ) {
    this.tokens = qps > 0 ? burst : 0;
    this.last = now;
  }

  tryAccept(now: number): boolean {
    if (this.qps <= 0) return false;
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
      this.last = now;
    }
    // Tolerance: refills summed over many small steps must not miss a token by a rounding error.
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }
}

export interface TimedValue {
  value: string;
  uid: string;
  addedAt: number;
  processAt: number;
}

/** What processing one value decided: done, or try again after `retryMs`. */
export type TryResult = { ok: true } | { ok: false; retryMs: number };

export class RateLimitedTimedQueue {
  private limiter: TokenBucket;
  /** Pending values, kept sorted by processAt (then insertion). */
  private pending: TimedValue[] = [];
  /** Every value added and not removed: pending or already processed. */
  private readonly members = new Set<string>();

  constructor(qps: number, now: number) {
    this.limiter = new TokenBucket(qps, now);
  }

  get qps(): number {
    return this.limiter.qps;
  }

  /** Adds a value due now; false if it is already a member (pending or processed). */
  add(value: string, uid: string, now: number): boolean {
    if (this.members.has(value)) return false;
    this.members.add(value);
    this.insert({ value, uid, addedAt: now, processAt: now });
    return true;
  }

  /** Forgets a value entirely, so it can be added again; true if it was a member. */
  remove(value: string): boolean {
    this.pending = this.pending.filter((v) => v.value !== value);
    return this.members.delete(value);
  }

  has(value: string): boolean {
    return this.members.has(value);
  }

  pendingValues(): string[] {
    return this.pending.map((v) => v.value);
  }

  /**
   * Processes due values in order while tokens last. As in Kubernetes a token is taken before the
   * head's due time is checked, so an early check costs one token.
   */
  try(now: number, fn: (v: TimedValue) => TryResult): void {
    while (this.pending.length) {
      if (!this.limiter.tryAccept(now)) return;
      const head = this.pending[0]!;
      if (now < head.processAt) return;
      this.pending.shift();
      const r = fn(head);
      if (!r.ok) this.insert({ ...head, processAt: now + r.retryMs + 1 });
    }
  }

  /** Puts a processed value back to be retried at `at` (an asynchronous failure); no-op if removed. */
  retry(value: string, uid: string, at: number): void {
    if (!this.members.has(value) || this.pending.some((v) => v.value === value)) return;
    this.insert({ value, uid, addedAt: at, processAt: at });
  }

  /**
   * Changes the rate. A fresh bucket starts full unless the old one was empty, in which case the
   * new one is drained too (Kubernetes' SwapLimiter), so a rate change does not grant a burst.
   */
  swapLimiter(qps: number, now: number): void {
    if (this.limiter.qps === qps) return;
    const next = new TokenBucket(qps, now);
    if (qps > 0 && !this.limiter.tryAccept(now)) next.tryAccept(now);
    this.limiter = next;
  }

  private insert(v: TimedValue): void {
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1]!.processAt > v.processAt) i--;
    this.pending.splice(i, 0, v);
  }
}
