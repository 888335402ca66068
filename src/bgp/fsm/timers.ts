/** The FSM's three timers on the injected Clock; a timer cancelled or restarted after falling due never fires. */
import type { Clock, TimerHandle } from '../../util/clock.js';

export type TimerName = 'connectRetry' | 'hold' | 'keepalive';

export class FsmTimers {
  private readonly running: Partial<Record<TimerName, { handle: TimerHandle; ms: number }>> = {};

  constructor(private readonly clock: Clock, private readonly fire: (name: TimerName) => void) {}

  start(name: TimerName, ms: number): void {
    const current = this.running[name];
    // The hold and keepalive timers restart on every message with the same delay: refresh in place.
    if (current?.ms === ms && current.handle.refresh !== undefined) return current.handle.refresh();
    current?.handle.cancel();
    const handle = this.clock.setTimeout(() => {
      if (this.running[name]?.handle !== handle) return;
      delete this.running[name];
      this.fire(name);
    }, ms);
    this.running[name] = { handle, ms };
  }

  stop(name: TimerName): void {
    this.running[name]?.handle.cancel();
    delete this.running[name];
  }

  names(): TimerName[] {
    return (Object.keys(this.running) as TimerName[]).sort();
  }
}
