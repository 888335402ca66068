/**
 * Delayed re-syncs (waiting for minReadySeconds or a progress deadline) through the Clock. They are
 * kept outside the work queue on purpose: the queue's idle() then means "nothing to do now", which
 * readiness checks and tests rely on, instead of "nothing to do for the next ten minutes".
 */
import type { Clock, TimerHandle } from '../../util/clock.js';

export class Requeue {
  private readonly timers = new Map<string, { at: number; handle: TimerHandle }>();

  constructor(
    private readonly clock: Clock,
    private readonly enqueue: (key: string) => void,
  ) {}

  /** Enqueues `key` after `ms`; an earlier pending requeue of the same key wins. */
  after(key: string, ms: number): void {
    const at = this.clock.now() + Math.max(0, ms);
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    cur?.handle.cancel();
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(key);
      this.enqueue(key);
    }, Math.max(0, ms));
    this.timers.set(key, { at, handle });
  }

  stop(): void {
    for (const t of this.timers.values()) t.handle.cancel();
    this.timers.clear();
  }
}
