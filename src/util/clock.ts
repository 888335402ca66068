/**
 * Every timer and timestamp in kemu goes through a Clock, so tests can advance time by hand and
 * `timing.speed` can compress minutes of Kubernetes behaviour into seconds.
 */
export interface TimerHandle {
  cancel(): void;
  /**
   * Restarts a pending timeout with its original delay, counted from now, without creating a new
   * timer (a BGP hold timer is restarted by every message; re-creating it allocated per message).
   * Optional: callers fall back to cancel + setTimeout.
   */
  refresh?(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Runs `fn` every `ms` milliseconds until cancelled. */
  setInterval(fn: () => void, ms: number): TimerHandle;
}

export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return new NodeTimeout(fn, Math.max(0, ms));
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    const t = setInterval(fn, Math.max(1, ms));
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  }
}

/**
 * A Node timeout whose refresh, like FakeClock's, restarts only a pending one: Node's own
 * Timeout.refresh() re-arms a timeout that already fired, which would run `fn` a second time.
 */
class NodeTimeout implements TimerHandle {
  private done = false;
  private readonly t: NodeJS.Timeout;

  constructor(fn: () => void, ms: number) {
    this.t = setTimeout(() => {
      this.done = true;
      fn();
    }, ms);
    this.t.unref?.();
  }

  cancel(): void {
    this.done = true;
    clearTimeout(this.t);
  }

  refresh(): void {
    if (!this.done) this.t.refresh();
  }
}

interface FakeTimer {
  id: number;
  at: number;
  delay: number;
  every: number | undefined;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when the test says so. Timers fire in due order during `advance`. */
export class FakeClock implements Clock {
  private current: number;
  private timers: FakeTimer[] = [];
  private nextId = 1;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(0, ms), undefined);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(1, ms), Math.max(1, ms));
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers
        .filter((t) => !t.cancelled && t.at <= target)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.current = due.at;
      if (due.every !== undefined) due.at += due.every;
      else due.cancelled = true;
      due.fn();
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
    this.current = target;
  }

  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  private add(fn: () => void, ms: number, every: number | undefined): TimerHandle {
    const timer: FakeTimer = { id: this.nextId++, at: this.current + ms, delay: ms, every, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => (timer.cancelled = true),
      refresh: () => {
        if (timer.cancelled || timer.every !== undefined) return;
        timer.at = this.current + timer.delay;
        timer.id = this.nextId++; // a refreshed timer fires after timers already due at the same time
      },
    };
  }
}
