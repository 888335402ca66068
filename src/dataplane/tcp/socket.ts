/**
 * TcpSocket: a node:stream Duplex over a TcpConnection, shaped like net.Socket so Node's own HTTP
 * client and server run over it. Backpressure is real both ways: bytes are taken from the
 * connection only while the readable side wants them (unread bytes close the advertised window),
 * and a write's callback waits while the connection's send buffer is full.
 *
 * Closing follows Linux's close(2): destroy() after end() with nothing unread lets the connection
 * finish on its own (FIN retransmitted until acknowledged, then TIME-WAIT); destroy() before end(),
 * with an error, or with unread data aborts it with a RST.
 */
import { Duplex } from 'node:stream';
import type { TimerHandle } from '../../util/clock.js';
import type { TcpEndpoint } from './endpoint.js';
import { socketError } from './errors.js';
import type { TcpLayer } from './layer.js';

type Callback = (err?: Error | null) => void;

/** What one read() would return: queued chunks joined into one buffer of at most 64 KiB (one copy). */
const READ_CHUNK = 64 * 1024;

function takeCoalesced(conn: TcpEndpoint['conn']): Uint8Array | undefined {
  const first = conn.take(READ_CHUNK);
  if (first === undefined || first.length >= READ_CHUNK || conn.readableLength === 0) return first;
  const out = Buffer.allocUnsafe(Math.min(READ_CHUNK, first.length + conn.readableLength));
  out.set(first, 0);
  let at = first.length;
  while (at < out.length) {
    const next = conn.take(out.length - at)!;
    out.set(next, at);
    at += next.length;
  }
  return out;
}

export class TcpSocket extends Duplex {
  /** True until the handshake completes (net.Socket.connecting). */
  connecting = true;
  readonly remoteFamily = 'IPv4';
  bytesRead = 0;
  bytesWritten = 0;
  private ep: TcpEndpoint | undefined;
  private wantRead = false;
  private endPushed = false;
  private pendingWrite: Callback | undefined;
  private connectTimer: TimerHandle | undefined;
  private idleMs = 0;
  private idleTimer: TimerHandle | undefined;
  private lastActivity = 0;
  private readonly onIdle = (): void => this.idleCheck();
  private pumpScheduled = false;
  private readonly scheduledPump = (): void => {
    this.pumpScheduled = false;
    this.pump();
  };

  /** @internal Sockets come from TcpLayer.connect and from a TcpServer's 'connection'. */
  constructor(private readonly layer: TcpLayer) {
    super({ allowHalfOpen: false, readableHighWaterMark: 64 * 1024 });
  }

  get remoteAddress(): string | undefined {
    return this.ep?.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.ep?.dstPort;
  }

  get localAddress(): string | undefined {
    return this.ep?.localAddress;
  }

  get localPort(): number | undefined {
    return this.ep?.srcPort;
  }

  /** The connection's RFC 9293 state ('SYN-SENT', 'ESTABLISHED', 'TIME-WAIT'...); 'CLOSED' once gone. */
  get state(): string {
    return this.ep?.conn.state ?? 'CLOSED';
  }

  get pending(): boolean {
    return this.connecting;
  }

  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  /** The idle timeout set by setTimeout (0: none). */
  get timeout(): number {
    return this.idleMs;
  }

  address(): { address: string; family: 'IPv4'; port: number } | Record<string, never> {
    const ep = this.ep;
    return ep === undefined ? {} : { address: ep.localAddress, family: 'IPv4', port: ep.srcPort };
  }

  setNoDelay(noDelay = true): this {
    this.ep?.run((c, now) => c.setNoDelay(noDelay, now));
    return this;
  }

  setKeepAlive(enable = false, initialDelayMs = 0): this {
    this.ep?.run((c, now) => c.setKeepAlive(enable, initialDelayMs > 0 ? initialDelayMs : undefined, now));
    return this;
  }

  /** Emits 'timeout' after `ms` without activity, as net.Socket does (the socket stays open). 0 disables. */
  setTimeout(ms: number, cb?: () => void): this {
    this.idleMs = ms > 0 ? ms : 0;
    if (cb !== undefined) {
      if (this.idleMs === 0) this.removeListener('timeout', cb);
      else this.once('timeout', cb);
    }
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
    if (this.idleMs > 0) this.touch();
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** end(), then destroy() once everything written was handed to the connection (net.Socket.destroySoon). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** Closes with a RST whatever the state (net.Socket.resetAndDestroy). */
  resetAndDestroy(): this {
    const ep = this.ep;
    if (ep !== undefined) {
      ep.socket = undefined;
      ep.run((c, now) => c.abort(now));
    }
    return this.destroy();
  }

  // ---- wiring, from the layer and the endpoint -------------------------------------------------

  /** @internal */
  attach(ep: TcpEndpoint, connectTimeoutMs: number | undefined): void {
    this.ep = ep;
    ep.socket = this;
    if (connectTimeoutMs !== undefined && connectTimeoutMs > 0) {
      this.connectTimer = this.layer.ns.clock.setTimeout(() => {
        this.connectTimer = undefined;
        if (!this.connecting || this.destroyed) return;
        ep.socket = undefined;
        ep.run((c, now) => c.abort(now));
        this.destroy(socketError('ETIMEDOUT', 'connect', ep.remoteAddress, ep.dstPort));
      }, connectTimeoutMs);
    }
  }

  /** @internal connect() failed before a connection existed (no route, no source address). */
  failBeforeConnect(code: string, address: string, port: number): void {
    // setImmediate, not nextTick: node:http attaches its 'error' listener on a nextTick after
    // createConnection returns, and a real socket's connect errors come from a later I/O phase.
    setImmediate(() => this.destroy(socketError(code, 'connect', address, port)));
  }

  /** @internal */
  onConnect(): void {
    this.connecting = false;
    this.connectTimer?.cancel();
    this.connectTimer = undefined;
    this.touch();
    process.nextTick(() => { // net.Socket never emits 'connect' inside connect()
      if (this.destroyed) return;
      this.emit('connect');
      this.emit('ready');
    });
  }

  /**
   * @internal New data in the connection. Handed to the readable side once per event-loop turn,
   * coalesced, as a real socket's reader gets what arrived since its last read() in one chunk rather
   * than a 'data' event per segment.
   */
  onReadable(): void {
    if (this.wantRead && !this.pumpScheduled) {
      this.pumpScheduled = true;
      setImmediate(this.scheduledPump);
    }
  }

  /** @internal */
  onRemoteEnd(): void {
    this.pump();
  }

  /** @internal */
  onWritable(): void {
    const cb = this.pendingWrite;
    if (cb !== undefined && this.ep !== undefined && this.ep.conn.sendSpace() > 0) {
      this.pendingWrite = undefined;
      cb();
    }
  }

  /** @internal The connection reached CLOSED while this socket was attached. */
  onClosed(error: string | undefined): void {
    const ep = this.ep;
    this.clearTimers();
    const cb = this.pendingWrite;
    this.pendingWrite = undefined;
    if (error !== undefined) {
      // Node words it "connect ECONNREFUSED 10.0.0.2:80" while connecting, "read ECONNRESET" after.
      const err = this.connecting ? socketError(error, 'connect', ep?.remoteAddress, ep?.dstPort) : socketError(error, 'read');
      // A RST can answer a SYN inside connect() itself (both ends in one process, one call stack);
      // a real socket reports it from a later I/O phase, after callers attached their listeners.
      if (this.connecting) {
        this.connectError = err; // a write in between fails with it, not with EPIPE
        setImmediate(() => (this.destroyed ? undefined : this.destroy(err)));
      }
      else if (!this.destroyed) this.destroy(err);
      cb?.(err);
      return;
    }
    cb?.(socketError('EPIPE', 'write'));
    if (!this.endPushed && (ep === undefined || ep.conn.readableLength === 0)) {
      this.endPushed = true;
      this.push(null);
    }
  }

  // ---- Duplex ----------------------------------------------------------------------------------

  override _read(): void {
    this.wantRead = true;
    this.pump();
  }

  /** Why the connection failed before 'connect', until the socket is destroyed with it. */
  private connectError: Error | undefined;

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: Callback): void {
    this.writeChunks([chunk], chunk.length, cb);
  }

  /**
   * Corked writes (node:http corks a response's head and body) leave in one write, as net.Socket's
   * writev does: with TCP_NODELAY each write would otherwise be a segment of its own, where a real
   * stack sends one.
   */
  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, cb: Callback): void {
    let bytes = 0;
    for (const c of chunks) bytes += c.chunk.length;
    this.writeChunks(chunks.map((c) => c.chunk), bytes, cb);
  }

  private writeChunks(chunks: Buffer[], bytes: number, cb: Callback): void {
    const ep = this.ep;
    if (this.connectError !== undefined) return cb(this.connectError);
    if (ep === undefined || ep.conn.state === 'CLOSED' || ep.conn.finQueued) return cb(socketError('EPIPE', 'write'));
    ep.run((c, now) => c.writev(chunks, now));
    this.bytesWritten += bytes;
    this.touch();
    // Read the space now: a synchronous link may already have brought ACKs (and 'writable') back.
    if (ep.conn.sendSpace() > 0 || ep.state() === 'CLOSED') cb();
    else this.pendingWrite = cb;
  }

  override _final(cb: Callback): void {
    this.ep?.run((c, now) => c.close(now));
    cb();
  }

  override _destroy(err: Error | null, cb: Callback): void {
    this.clearTimers();
    const ep = this.ep;
    if (ep !== undefined && ep.conn.state !== 'CLOSED') {
      ep.socket = undefined;
      const conn = ep.conn;
      const unread = conn.readableLength + this.readableLength > 0;
      if (err === null && conn.finQueued && !unread) ep.run((c, now) => c.orphan(now)); // close(2): finish on its own
      else ep.run((c, now) => c.abort(now));
    }
    const pending = this.pendingWrite;
    this.pendingWrite = undefined;
    cb(err);
    pending?.(err ?? socketError('EPIPE', 'write'));
  }

  /** Moves data from the connection into the readable buffer while it wants more; then the end. */
  private pump(): void {
    const ep = this.ep;
    if (ep === undefined || this.destroyed) return;
    const conn = ep.conn;
    let took = false;
    while (this.wantRead) {
      const chunk = takeCoalesced(conn);
      if (chunk === undefined) break;
      took = true;
      this.bytesRead += chunk.length;
      if (!this.push(chunk)) this.wantRead = false;
    }
    if (took) {
      this.touch();
      if (this.ep === ep && conn.windowUpdateMayHelp()) ep.run((c, now) => c.windowUpdate(now));
    }
    if (conn.remoteFin && conn.readableLength === 0 && !this.endPushed) {
      this.endPushed = true;
      this.push(null);
    }
  }

  private touch(): void {
    if (this.idleMs === 0) return;
    this.lastActivity = this.layer.ns.clock.now();
    if (this.idleTimer === undefined) this.idleTimer = this.layer.ns.clock.setTimeout(this.onIdle, this.idleMs);
  }

  /** One idle timer, re-armed lazily for the time left since the last activity. */
  private idleCheck(): void {
    this.idleTimer = undefined;
    if (this.idleMs === 0 || this.destroyed) return;
    const left = this.lastActivity + this.idleMs - this.layer.ns.clock.now();
    if (left > 0) {
      this.idleTimer = this.layer.ns.clock.setTimeout(this.onIdle, left);
      return;
    }
    this.emit('timeout');
  }

  private clearTimers(): void {
    this.connectTimer?.cancel();
    this.connectTimer = undefined;
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
  }
}
