/**
 * A rate-limited work queue of keys, as client-go's workqueue: a key is queued at most once, never
 * processed by two workers at the same time, re-queued if it changed while being processed, and
 * retried with per-key exponential backoff when its sync fails.
 */
import type { Clock, TimerHandle } from './clock.js';

export interface WorkQueueOptions {
  clock: Clock;
  /** First retry delay (client-go: 5 ms), doubling per failure up to maxDelayMs (client-go: 1000 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class WorkQueue {
  /** Keys waiting, from `head` on: taking one moves `head` instead of shifting the array. */
  private queue: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, TimerHandle>();
  private waiters: (() => void)[] = [];
  private shuttingDown = false;
  /** Keys to add once the current turn of the event loop is over (addSoon). */
  private soon = new Set<string>();

  constructor(private readonly opts: WorkQueueOptions) {}

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-queued by done()
    this.queue.push(key);
    this.wakeOne();
  }

  /**
   * Adds `key` when the current turn of the event loop is over (setImmediate), so that a burst of
   * events in one turn (a write and everything it sets off, the timers due together) queues it
   * once: a real controller's workers run beside the handlers that add keys, and keys added while
   * they are busy coalesce the same way. No time passes: the key is queued before the next turn's
   * timers and I/O.
   */
  addSoon(key: string): void {
    if (this.shuttingDown) return;
    if (this.soon.size === 0) {
      setImmediate(() => {
        const keys = this.soon;
        this.soon = new Set();
        for (const k of keys) this.add(k);
      });
    }
    this.soon.add(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    if (this.delayed.has(key)) return;
    this.delayed.set(
      key,
      this.opts.clock.setTimeout(() => {
        this.delayed.delete(key);
        this.add(key);
      }, delayMs),
    );
  }

  /** Re-queues after the key's backoff delay; the delay doubles with each consecutive failure. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const base = this.opts.baseDelayMs ?? 5;
    const max = this.opts.maxDelayMs ?? 1_000_000;
    const delay = Math.min(max, base * 2 ** n);
    this.delayed.get(key)?.cancel();
    this.delayed.delete(key);
    this.addAfter(key, delay);
  }

  /** Clears a key's failure history after a successful sync. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves with the next key, or undefined once shut down. */
  async get(): Promise<string | undefined> {
    while (this.len() === 0) {
      if (this.shuttingDown) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const key = this.queue[this.head++]!;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      // Drop the consumed front now and then, so a queue that never empties does not grow.
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.wakeOne();
    }
  }

  len(): number {
    return this.queue.length - this.head;
  }

  /** True when nothing is queued, processing or waiting for a retry. */
  idle(): boolean {
    return this.len() === 0 && this.processing.size === 0 && this.delayed.size === 0 && this.soon.size === 0;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.delayed.values()) t.cancel();
    this.delayed.clear();
    this.soon.clear();
    for (const w of this.waiters.splice(0)) w();
  }

  private wakeOne(): void {
    this.waiters.shift()?.();
  }
}
