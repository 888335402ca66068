/**
 * The impairment core: what tc-netem + tbf do on the egress of a sender's interface, as a state
 * machine with no I/O. It is driven only by an injected Clock and random source and hands frames
 * that leave the interface to a sink, so it is tested with a FakeClock and a seeded random source,
 * and the dgram and in-memory segments share it. Exact semantics are in docs/underlay.md:
 *
 *   send → MTU check → loss → duplicate → token bucket (rate, queue limit) → delay line → sink
 *
 * Internal times are milliseconds relative to the Egress' creation: absolute epoch milliseconds
 * (~1.8e12) only resolve ~0.24 µs, coarser than a small frame's serialisation time at 10 Gbit/s.
 */
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { LinkParams } from '../../topology/types.js';
import type { RandomSource } from './params.js';
import { Fifo } from './fifo.js';

/** Ethernet header bytes on top of the MTU (no FCS, as the frames kemu carries have none). */
const L2_HEADER = 14;
/**
 * Slack when comparing a due time with the clock. It must exceed the clock's rounding at epoch
 * magnitudes (~2.4e-4 ms), or a timer could fire "just before" its due time forever; 1 µs early is
 * invisible to every consumer.
 */
const EPS_MS = 1e-3;
/** tbf's limit when none is given: what `tc qdisc add ... tbf latency 50ms` computes. */
const DEFAULT_LATENCY_MS = 50;

export type EgressDrop = 'mtu' | 'loss' | 'queue-full';

/** Where frames go: a port implements this (an object, so the hot path creates no closures). */
export interface EgressSink {
  /** The frame leaves the interface now, onto the wire. */
  onEgress(frame: Uint8Array): void;
  onEgressDrop(reason: EgressDrop, frame: Uint8Array): void;
}

export interface EgressOptions {
  clock: Clock;
  random: RandomSource;
  sink: EgressSink;
  /** tbf's `limit`: bytes that may wait for tokens. Default: rate × 50 ms + one frame (tbf latency 50ms). */
  queueLimitBytes?: number | undefined;
  /** Where to count duplicates and reorders (a port passes its own counters). */
  stats?: { duplicated: number; reordered: number };
}

export class Egress {
  /** Extra copies made by `duplicate`, and frames sent undelayed by `reorder`. */
  readonly stats: { duplicated: number; reordered: number };
  private p!: LinkParams;
  private passthrough = true;
  private readonly origin: number;
  // Token bucket (tbf): tokens in bytes as of time tokensAt; frames wait in `shaped`.
  private bytesPerMs = 0;
  private bucket = 0;
  private limit = 0;
  private tokens = 0;
  private tokensAt = 0;
  private readonly shaped = new Fifo<Uint8Array>();
  private shapedBytes = 0;
  private shapeTimer: TimerHandle | null = null;
  // Delay line (netem): frames with their due times, kept in FIFO order.
  private readonly line = new Fifo<Uint8Array>();
  private readonly lineDue = new Fifo<number>();
  private lineBytes = 0;
  private lastDue = -Infinity;
  private lineTimer: TimerHandle | null = null;
  // Bound once so timers never allocate a closure per frame.
  private readonly onShapeTimer = (): void => this.releaseShaped();
  private readonly onLineTimer = (): void => this.releaseLine();

  constructor(params: LinkParams, private readonly opts: EgressOptions) {
    this.origin = opts.clock.now();
    this.stats = opts.stats ?? { duplicated: 0, reordered: 0 };
    this.setParams(params);
  }

  get params(): LinkParams {
    return this.p;
  }

  /** Frames and bytes currently held (waiting for tokens or for their delay). */
  held(): { frames: number; bytes: number } {
    return { frames: this.shaped.size + this.line.size, bytes: this.shapedBytes + this.lineBytes };
  }

  /**
   * New parameters apply to frames sent from now on; held frames keep their due times, except that
   * the token bucket's rate changes for the frames still waiting (as `tc qdisc change` does).
   */
  setParams(p: LinkParams): void {
    const now = this.now();
    const hadRate = this.p !== undefined && this.p.rate !== null;
    if (hadRate) this.refill(now);
    this.p = p;
    this.passthrough = p.loss === 0 && p.duplicate === 0 && p.rate === null && p.delay === 0 && p.jitter === 0;
    if (p.rate === null) {
      this.cancelShapeTimer();
      while (this.shaped.size > 0) {
        const f = this.shaped.shift();
        this.shapedBytes -= f.length;
        this.propagate(f, now);
      }
      return;
    }
    this.bytesPerMs = p.rate / 8000;
    this.bucket = p.mtu + L2_HEADER;
    this.limit = this.opts.queueLimitBytes ?? Math.ceil(this.bytesPerMs * DEFAULT_LATENCY_MS) + this.bucket;
    if (!hadRate) this.tokens = this.bucket; // a fresh tbf starts with a full bucket
    this.tokens = Math.min(this.tokens, this.bucket);
    this.tokensAt = Math.max(this.tokensAt, now);
    this.cancelShapeTimer();
    if (this.shaped.size > 0) this.scheduleShape(now);
  }

  send(frame: Uint8Array): void {
    const p = this.p;
    if (frame.length > p.mtu + L2_HEADER) {
      this.opts.sink.onEgressDrop('mtu', frame);
      return;
    }
    if (this.passthrough && this.line.size === 0 && this.shaped.size === 0) {
      this.opts.sink.onEgress(frame);
      return;
    }
    const random = this.opts.random;
    if (p.loss > 0 && random() < p.loss) {
      this.opts.sink.onEgressDrop('loss', frame);
      return;
    }
    const dup = p.duplicate > 0 && random() < p.duplicate;
    this.shape(frame);
    if (dup) {
      this.stats.duplicated++;
      // A copy, because each receiver owns (and may rewrite) the frame it gets.
      this.shape(new Uint8Array(frame));
    }
  }

  /** Drops every held frame (link down, port closed); returns how many were dropped. */
  clear(): number {
    const n = this.shaped.size + this.line.size;
    this.cancelShapeTimer();
    if (this.lineTimer !== null) this.lineTimer.cancel();
    this.lineTimer = null;
    this.shaped.clear();
    this.line.clear();
    this.lineDue.clear();
    this.shapedBytes = 0;
    this.lineBytes = 0;
    this.lastDue = -Infinity;
    return n;
  }

  private now(): number {
    return this.opts.clock.now() - this.origin;
  }

  // ---- token bucket ------------------------------------------------------------------------

  private refill(now: number): void {
    if (now > this.tokensAt) {
      this.tokens = Math.min(this.bucket, this.tokens + (now - this.tokensAt) * this.bytesPerMs);
      this.tokensAt = now;
    }
  }

  /** When the head frame has enough tokens. A frame above the bucket (after an MTU change) waits for a full one. */
  private headDeparture(): number {
    const need = Math.min(this.shaped.peek().length, this.bucket);
    return this.tokens >= need ? this.tokensAt : this.tokensAt + (need - this.tokens) / this.bytesPerMs;
  }

  private shape(frame: Uint8Array): void {
    const now = this.now();
    if (this.p.rate === null) {
      this.propagate(frame, now);
      return;
    }
    if (this.shaped.size === 0) {
      this.refill(now);
      if (this.tokens >= Math.min(frame.length, this.bucket)) {
        this.tokens -= frame.length;
        this.propagate(frame, now);
        return;
      }
    }
    if (this.shapedBytes + frame.length > this.limit) {
      this.opts.sink.onEgressDrop('queue-full', frame);
      return;
    }
    this.shaped.push(frame);
    this.shapedBytes += frame.length;
    if (this.shapeTimer === null) this.scheduleShape(now);
  }

  /**
   * Releases every frame whose departure time has passed, accounting tokens at each frame's exact
   * virtual departure time rather than the (possibly late, coarse) time the timer fired, so a 1 ms
   * timer still yields the configured rate on average.
   */
  private releaseShaped(): void {
    this.shapeTimer = null;
    const now = this.now();
    while (this.shaped.size > 0) {
      const at = this.headDeparture();
      if (at > now + EPS_MS) break;
      const f = this.shaped.shift();
      if (at > this.tokensAt) {
        this.tokens = Math.min(f.length, this.bucket);
        this.tokensAt = at;
      }
      this.tokens -= f.length;
      this.shapedBytes -= f.length;
      this.propagate(f, at);
    }
    if (this.shaped.size > 0) this.scheduleShape(now);
  }

  private scheduleShape(now: number): void {
    this.shapeTimer = this.opts.clock.setTimeout(this.onShapeTimer, Math.max(0, this.headDeparture() - now));
  }

  private cancelShapeTimer(): void {
    if (this.shapeTimer !== null) this.shapeTimer.cancel();
    this.shapeTimer = null;
  }

  // ---- delay line --------------------------------------------------------------------------

  /** A frame leaves the token bucket at time `t` (≤ now) and enters the delay line. */
  private propagate(frame: Uint8Array, t: number): void {
    const p = this.p;
    const random = this.opts.random;
    let due = t;
    if (p.delay > 0 || p.jitter > 0) {
      // netem's reorder: this share skips the delay and so overtakes the frames waiting for it.
      if (p.reorder > 0 && p.delay > 0 && random() < p.reorder) {
        this.stats.reordered++;
        this.opts.sink.onEgress(frame);
        return;
      }
      let d = p.delay;
      if (p.jitter > 0) d = Math.max(0, d + (2 * random() - 1) * p.jitter);
      due = t + d;
    }
    if (this.line.size === 0 && due <= this.now() + EPS_MS) {
      this.opts.sink.onEgress(frame);
      return;
    }
    // FIFO: jitter varies the delay but never lets a frame overtake one sent before it.
    if (due < this.lastDue) due = this.lastDue;
    this.lastDue = due;
    this.line.push(frame);
    this.lineDue.push(due);
    this.lineBytes += frame.length;
    if (this.lineTimer === null) this.scheduleLine();
  }

  private releaseLine(): void {
    this.lineTimer = null;
    const now = this.now();
    while (this.line.size > 0 && this.lineDue.peek() <= now + EPS_MS) {
      this.lineDue.shift();
      const f = this.line.shift();
      this.lineBytes -= f.length;
      this.opts.sink.onEgress(f);
    }
    if (this.line.size > 0) this.scheduleLine();
  }

  private scheduleLine(): void {
    this.lineTimer = this.opts.clock.setTimeout(this.onLineTimer, Math.max(0, this.lineDue.peek() - this.now()));
  }
}
