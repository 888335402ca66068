/**
 * The I/O shell around one TcpConnection: its addresses and ports, the packets it sends (built by
 * wire.ts and sent through the namespace's output path, so OUTPUT/POSTROUTING hooks and conntrack
 * see them), one clock timer re-armed lazily for the connection's nearest deadline, and the
 * hand-over of events to the TcpSocket (or to the listener, until the handshake completes).
 */
import { formatIpv4 } from '../../net/index.js';
import type { TimerHandle } from '../../util/clock.js';
import { TcpConnection, type ConnectionOptions } from './connection.js';
import type { TcpLayer } from './layer.js';
import type { InSegment, OutSegment } from './segment.js';
import type { ConnectionEvents } from './state.js';
import type { TcpServer } from './server.js';
import type { TcpSocket } from './socket.js';
import { buildPacket } from './wire.js';

export class TcpEndpoint implements ConnectionEvents {
  readonly conn: TcpConnection;
  socket: TcpSocket | undefined;
  /** The listener that accepted it, until 'connection' is emitted. */
  server: TcpServer | undefined;
  /** @internal Next endpoint with the same port pair in the layer's table. */
  nextInBucket: TcpEndpoint | undefined;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private readonly onTimer = (): void => this.fire();
  /** Fields buildPacket reads. */
  readonly src: number;
  readonly dst: number;
  readonly srcPort: number;
  readonly dstPort: number;
  private readonly copyPayload = (into: Uint8Array, at: number): void => this.conn.send.copyOut(this.pendingOffset, this.pendingLength, into, at);
  private pendingOffset = 0;
  private pendingLength = 0;
  /**
   * Packets built during a call into the connection, sent when the outermost call returns: delivery
   * can be synchronous (loopback, in-memory links), and the peer's answer must not reach this
   * connection while it is halfway through a state change.
   */
  private readonly outbox: Uint8Array[] = [];
  private depth = 0;
  private sending = false;

  constructor(
    readonly layer: TcpLayer,
    localIp: number, localPort: number, remoteIp: number, remotePort: number,
    opts: Omit<ConnectionOptions, 'events'>,
  ) {
    this.src = localIp;
    this.srcPort = localPort;
    this.dst = remoteIp;
    this.dstPort = remotePort;
    this.conn = new TcpConnection({ ...opts, events: this });
  }

  get localAddress(): string {
    return formatIpv4(this.src);
  }

  /** The connection's state (a method, so callers re-read it after calls that change it). */
  state(): string {
    return this.conn.state;
  }

  get remoteAddress(): string {
    return formatIpv4(this.dst);
  }

  /** Runs `fn` on the connection, sends what it produced, then re-arms the timer for what it scheduled. */
  run(fn: (conn: TcpConnection, now: number) => void): void {
    this.depth++;
    try {
      fn(this.conn, this.layer.ns.clock.now());
    } finally {
      this.depth--;
    }
    if (this.depth === 0) this.sendQueued();
    this.arm();
  }

  /** A received segment (run() without a closure per segment: this is the hot path). */
  input(seg: InSegment): void {
    this.depth++;
    try {
      this.conn.input(seg, this.layer.ns.clock.now());
    } finally {
      this.depth--;
    }
    if (this.depth === 0) this.sendQueued();
    this.arm();
  }

  /** In order, including packets queued by calls the sending itself causes (a synchronous answer). */
  private sendQueued(): void {
    if (this.sending) return;
    this.sending = true;
    const ns = this.layer.ns;
    const out = this.outbox;
    try {
      for (let i = 0; i < out.length; i++) ns.sendOwnIp(out[i]!);
    } finally {
      out.length = 0;
      this.sending = false;
    }
  }

  // ---- ConnectionEvents ------------------------------------------------------------------------

  transmit(seg: OutSegment): void {
    this.pendingOffset = seg.offset;
    this.pendingLength = seg.length;
    this.outbox.push(buildPacket(this, seg, this.layer.ns.nextIpId(), this.copyPayload));
  }

  established(): void {
    const server = this.server;
    if (server !== undefined) {
      this.server = undefined;
      server.accepted(this);
    } else {
      this.socket?.onConnect();
    }
  }

  readable(): void {
    this.socket?.onReadable();
  }

  remoteClosed(): void {
    this.socket?.onRemoteEnd();
  }

  writable(): void {
    this.socket?.onWritable();
  }

  closed(error: string | undefined): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
    this.layer.remove(this);
    if (this.server !== undefined) {
      this.server.halfOpenGone();
      this.server = undefined;
    }
    this.socket?.onClosed(error);
  }

  appBuffered(): number {
    return this.socket?.readableLength ?? 0;
  }

  // ---- the timer -----------------------------------------------------------------------------

  /**
   * One clock timer per connection, moved only when the connection needs it earlier: deadlines that
   * move later (the RTO restarted by every ACK) let the timer fire early and re-arm, which costs far
   * less than cancelling and creating a timer per segment.
   */
  private arm(): void {
    const due = this.conn.nextDeadline();
    if (due === Infinity || (this.timer !== undefined && this.timerAt <= due)) return;
    this.timer?.cancel();
    this.timerAt = due;
    this.timer = this.layer.ns.clock.setTimeout(this.onTimer, Math.max(0, due - this.layer.ns.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.conn.state === 'CLOSED') return;
    if (this.conn.nextDeadline() > this.layer.ns.clock.now()) return this.arm();
    try {
      this.run((c, now) => c.onTimer(now));
    } catch (err) {
      this.layer.ns.internalError(err);
    }
  }
}
