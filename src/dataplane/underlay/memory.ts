/**
 * An underlay segment without sockets: the same switching, impairments and counters as
 * DgramSegment, but a frame is handed to the receiver by a Clock timer instead of a datagram. For
 * topologies too large for one socket per device, and for unit tests of other components (with a
 * FakeClock, `advance(0)` delivers). The default underlay is DgramSegment; see createSegment.
 *
 * Delivery is never synchronous, as with a real wire: a handler that answers from inside its
 * receive handler cannot recurse into the sender. Frames sent in one turn share one timer.
 */
import type { TimerHandle } from '../../util/clock.js';
import { type AttachOptions, UnderlayPort, UnderlaySegment } from './segment.js';

export class InMemorySegment extends UnderlaySegment<UnderlayPort> {
  readonly kind = 'memory' as const;
  // Two pairs of parallel arrays, swapped at each flush, so delivery allocates nothing per frame.
  private to: UnderlayPort[] = [];
  private frames: Uint8Array[] = [];
  private spareTo: UnderlayPort[] = [];
  private spareFrames: Uint8Array[] = [];
  private timer: TimerHandle | null = null;
  private readonly onTimer = (): void => this.flush();

  attach(mac: Uint8Array, opts: AttachOptions = {}): Promise<UnderlayPort> {
    try {
      this.reserve(mac);
    } catch (err) {
      return Promise.reject(err);
    }
    const port = new UnderlayPort(this, mac, opts.label ?? '');
    this.admit(port);
    return Promise.resolve(port);
  }

  close(): Promise<void> {
    this.closeAllPorts();
    if (this.timer !== null) this.timer.cancel();
    this.timer = null;
    this.to.length = 0;
    this.frames.length = 0;
    return Promise.resolve();
  }

  /** Frames waiting for the delivery timer. */
  pending(): number {
    return this.to.length;
  }

  protected transmit(_from: UnderlayPort, to: UnderlayPort, frame: Uint8Array, shared: boolean): void {
    this.to.push(to);
    // Each receiver owns its frame, as each gets its own datagram on the dgram segment.
    this.frames.push(shared ? new Uint8Array(frame) : frame);
    if (this.timer === null) this.timer = this.clock.setTimeout(this.onTimer, 0);
  }

  protected release(): void {
    // Nothing to free: frames already queued for a closed port are skipped by its deliver().
  }

  private flush(): void {
    this.timer = null;
    const to = this.to;
    const frames = this.frames;
    this.to = this.spareTo;
    this.frames = this.spareFrames;
    // Frames sent by handlers during this loop go to the fresh arrays and the next timer.
    try {
      for (let i = 0; i < to.length; i++) to[i]!.deliver(frames[i]!);
    } finally {
      // A throwing handler propagates (as from a dgram 'message' event); the rest of this batch is lost.
      to.length = 0;
      frames.length = 0;
      this.spareTo = to;
      this.spareFrames = frames;
    }
  }
}
