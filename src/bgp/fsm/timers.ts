/** The FSM's three timers on the injected Clock; a timer cancelled or restarted after falling due never fires. */
import type { Clock, TimerHandle } from '../../util/clock.js';

export type TimerName = 'connectRetry' | 'hold' | 'keepalive';

export class FsmTimers {
  private readonly running: Partial<Record<TimerName, TimerHandle>> = {};

  constructor(private readonly clock: Clock, private readonly fire: (name: TimerName) => void) {}

  start(name: TimerName, ms: number): void {
    this.running[name]?.cancel();
    const handle = this.clock.setTimeout(() => {
      if (this.running[name] !== handle) return;
      delete this.running[name];
      this.fire(name);
    }, ms);
    this.running[name] = handle;
  }

  stop(name: TimerName): void {
    this.running[name]?.cancel();
    delete this.running[name];
  }

  names(): TimerName[] {
    return (Object.keys(this.running) as TimerName[]).sort();
  }
}
