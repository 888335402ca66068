/**
 * BGP timers under `timing.speed`. The OPEN carries the hold time in whole seconds (0 or 3..65535,
 * RFC 4271), so a hold time of 90 s run 30 times faster cannot be written as "3 s" without lying on
 * the wire, and 90 s / 100 cannot be written at all. Instead the speaker keeps the topology's values
 * (what BIRD would send, visible in captures) and runs on a clock whose timers fire `factor` times
 * sooner: hold, keepalive, connect retry and error wait all shrink together.
 */
import type { Clock, TimerHandle } from '../../util/clock.js';

/** BIRD's and calico's values: hold 240 s (keepalive a third), connect retry 5 s. */
export const BIRD_HOLD_TIME_S = 240;
export const BIRD_CONNECT_RETRY_S = 5;

export interface BgpTimingInput {
  /** The topology's values in ms (timing.bgpHoldTime etc.) before any scaling by speed. */
  holdTimeMs?: number;
  keepaliveTimeMs?: number;
  connectRetryTimeMs?: number;
  /** timing.speed: how many times faster than real time timers run. Default 1. */
  speed?: number;
}

export interface BgpTimers {
  /** Seconds, as the OPEN says them. */
  holdTime: number;
  keepaliveTime: number | undefined;
  /** Milliseconds on the speaker's clock (unscaled: the clock does the scaling). */
  connectRetryMs: number;
  errorWaitMs: [number, number];
  /** The clock the speaker and its sessions run on. */
  clock: Clock;
}

/** A clock whose timers run `factor` times faster than `base`'s (timestamps are base's). */
export class ScaledClock implements Clock {
  constructor(private readonly base: Clock, readonly factor: number) {}

  now(): number {
    return this.base.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.base.setTimeout(fn, ms / this.factor);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.base.setInterval(fn, ms / this.factor);
  }
}

/**
 * The speaker's timers for the topology's values. A hold time that is not 0 is at least 3 s on the
 * wire: a shorter one (possible only in code, the topology refuses it) is sent as 3 and the clock
 * sped up so it still expires after the asked time.
 */
export function bgpTimers(base: Clock, t: BgpTimingInput): BgpTimers {
  const speed = t.speed !== undefined && t.speed > 0 ? t.speed : 1;
  const asked = t.holdTimeMs === undefined ? BIRD_HOLD_TIME_S : t.holdTimeMs / 1000;
  const holdTime = asked === 0 ? 0 : Math.max(3, Math.round(asked));
  // Extra speed-up when the wire value had to be raised to the legal minimum.
  const factor = speed * (asked > 0 && asked < 3 ? holdTime / asked : 1);
  return {
    holdTime,
    keepaliveTime: t.keepaliveTimeMs === undefined ? undefined : (t.keepaliveTimeMs / 1000) * (factor / speed),
    connectRetryMs: (t.connectRetryTimeMs ?? BIRD_CONNECT_RETRY_S * 1000) * (factor / speed),
    errorWaitMs: [5_000 * (factor / speed), 30_000 * (factor / speed)],
    clock: factor === 1 ? base : new ScaledClock(base, factor),
  };
}
