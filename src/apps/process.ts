/**
 * The base of every emulated program: a "process" owning sockets and timers in its pod's namespace.
 * It keeps `listening` true to what is bound, turns a throw in main() into Go's log.Fatal (log the
 * message, exit 1), and makes exit total: every listener, socket and timer goes with the process,
 * as the kernel closes a dead process's descriptors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TimerHandle } from '../util/clock.js';
import { goLogPrefix } from './go.js';
import { HttpService, type HttpServiceOptions } from './http-server.js';
import {
  EXIT_KILLED, type StreamSocket, type TcpListener, type UdpEndpoint, type UdpError, type Workload, type WorkloadContext,
} from './types.js';

/** Exit code of a process that died of SIGTERM's default action. */
export const EXIT_TERMINATED = 143;

const ignore = (): void => {};

export abstract class Process implements Workload {
  readonly listening = new Set<string>();
  exitCode: number | undefined;
  /** Malformed input this process dropped (bad HTTP requests, datagrams it could not parse). */
  dropped = 0;
  protected readonly startedAt: number;
  private readonly listeningFns = new Set<() => void>();
  private readonly exitFns = new Set<(code: number) => void>();
  private readonly sockets = new Set<StreamSocket>();
  private readonly closers = new Set<() => void>();
  private readonly timers = new Set<TimerHandle>();
  private readonly exited: Promise<void>;
  private resolveExited!: () => void;
  private sigterm = false;

  constructor(protected readonly ctx: WorkloadContext) {
    this.startedAt = ctx.clock.now();
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  /** Starts main(); what it throws (or rejects with) is fatal. */
  launch(): this {
    try {
      const running = this.main();
      if (running instanceof Promise) running.catch((err) => this.fatal(err));
    } catch (err) {
      this.fatal(err);
    }
    return this;
  }

  protected abstract main(): void | Promise<void>;

  /** What SIGTERM does to this program; the default action ends it with 143. */
  protected onSigterm(): void {
    this.exit(EXIT_TERMINATED);
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  get terminating(): boolean {
    return this.sigterm;
  }

  onListeningChange(fn: () => void): () => void {
    this.listeningFns.add(fn);
    return () => this.listeningFns.delete(fn);
  }

  onExit(fn: (code: number) => void): () => void {
    if (!this.alive) {
      // Already gone (a program that exits inside main): tell the late subscriber all the same.
      queueMicrotask(() => fn(this.exitCode!));
      return () => {};
    }
    this.exitFns.add(fn);
    return () => this.exitFns.delete(fn);
  }

  stop(): Promise<void> {
    if (this.alive && !this.sigterm) {
      this.sigterm = true;
      try {
        this.onSigterm();
      } catch (err) {
        this.fatal(err);
      }
    }
    return this.exited;
  }

  kill(): void {
    this.exit(EXIT_KILLED);
  }

  /** The process ends: descriptors closed, timers gone, listeners told (after the current call stack). */
  protected exit(code: number): void {
    if (!this.alive) return;
    this.exitCode = code & 0xff;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    for (const close of [...this.closers]) close();
    for (const s of [...this.sockets]) s.destroy();
    this.sockets.clear();
    this.resolveExited();
    const fns = [...this.exitFns];
    queueMicrotask(() => {
      for (const fn of fns) fn(this.exitCode!);
    });
  }

  /** log.Fatal: the message, then exit 1. */
  protected fatal(err: unknown): void {
    if (!this.alive) return;
    this.logGo(err instanceof Error ? err.message : String(err));
    this.exit(1);
  }

  /** A line as Go's log package prints it. */
  protected logGo(message: string): void {
    this.ctx.log(goLogPrefix(this.ctx.clock.now()) + message);
  }

  protected listenTcp(port: number, onConnection: (socket: StreamSocket) => void): TcpListener {
    this.mustBeAlive();
    const inner = this.ctx.net.listenTcp(port, (socket) => {
      if (!this.alive) return void socket.destroy();
      this.track(socket);
      onConnection(socket);
    });
    return this.bound(`${inner.port}/TCP`, inner);
  }

  protected bindUdp(
    port: number,
    onMessage: (data: Uint8Array, from: { address: string; port: number }) => void,
    onError?: (error: UdpError) => void,
    announce = true,
  ): UdpEndpoint {
    this.mustBeAlive();
    const inner = this.ctx.net.bindUdp(
      port,
      (data, from) => {
        if (!this.alive) return;
        try {
          onMessage(data, from);
        } catch {
          this.dropped++; // a datagram the program could not handle; the stack never sees the throw
        }
      },
      onError && ((e) => this.alive && onError(e)),
    );
    const handle = this.bound(announce ? `${inner.port}/UDP` : undefined, inner);
    return { port: inner.port, send: (d, p, a) => inner.send(d, p, a), close: handle.close };
  }

  protected connectTcp(host: string, port: number, opts?: { timeoutMs?: number }): StreamSocket {
    this.mustBeAlive();
    return this.track(this.ctx.net.connectTcp(host, port, opts));
  }

  /** Keeps the socket so exit can destroy it; its errors never escape as uncaught exceptions. */
  protected track(socket: StreamSocket): StreamSocket {
    this.sockets.add(socket);
    socket.on('error', ignore);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }

  protected after(ms: number, fn: () => void): TimerHandle {
    const timer = this.ctx.clock.setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return { cancel: () => (timer.cancel(), this.timers.delete(timer)) };
  }

  protected every(ms: number, fn: () => void): TimerHandle {
    const timer = this.ctx.clock.setInterval(fn, ms);
    this.timers.add(timer);
    return { cancel: () => (timer.cancel(), this.timers.delete(timer)) };
  }

  /** Resolves after `ms` of the process's clock; never, if the process exits first. */
  protected sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** An HTTP server (node:http) on `port` of the pod. */
  protected serveHttp(port: number, handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>, opts: HttpServiceOptions = {}): HttpService {
    return new HttpService(handler, { ...opts, onMalformed: () => this.dropped++ }, (onConnection) => this.listenTcp(port, onConnection));
  }

  private bound(key: string | undefined, inner: { port: number; close(): void }): { port: number; close(): void } {
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      this.closers.delete(close);
      inner.close();
      if (key !== undefined && this.listening.delete(key)) this.changed();
    };
    this.closers.add(close);
    if (key !== undefined && !this.listening.has(key)) {
      this.listening.add(key);
      this.changed();
    }
    return { port: inner.port, close };
  }

  private changed(): void {
    for (const fn of [...this.listeningFns]) fn();
  }

  private mustBeAlive(): void {
    if (!this.alive) throw new Error('process has exited');
  }
}
