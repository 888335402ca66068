/**
 * node:http served over a pod's TCP listener. node parses and writes HTTP/1.1; this adds what the
 * emulated programs need around it: per-connection bookkeeping for a graceful drain (nginx's
 * SIGQUIT, Go's Server.Shutdown), Go's answer to a malformed request, and handler failures kept
 * inside the process (Go's net/http recovers a panicking handler and drops that connection).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { StreamSocket, TcpListener } from './types.js';

export interface HttpServiceOptions {
  /** Idle keep-alive timeout; 0 (Go's default) keeps idle connections until the client closes them. */
  keepAliveTimeoutMs?: number;
  /** What answers a request node cannot parse (default: Go's plain "400 Bad Request"). */
  badRequestResponse?: string;
  onMalformed?: () => void;
}

const GO_BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request';

export class HttpService {
  readonly server: http.Server;
  readonly port: number;
  private readonly listener: TcpListener;
  /** Requests in progress per connection. */
  private readonly connections = new Map<StreamSocket, number>();
  private draining = false;
  private drained: (() => void) | undefined;

  constructor(
    handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
    opts: HttpServiceOptions,
    listen: (onConnection: (socket: StreamSocket) => void) => TcpListener,
  ) {
    this.server = http.createServer((req, res) => this.handle(handler, req, res));
    this.server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 0;
    this.server.on('clientError', (err: Error & { code?: string }, socket) => {
      // Parser errors are malformed input; anything else is the connection failing underneath.
      if (!err.code?.startsWith('HPE_')) return void socket.destroy();
      opts.onMalformed?.();
      if (socket.writable) socket.end(opts.badRequestResponse ?? GO_BAD_REQUEST);
      else socket.destroy();
    });
    this.listener = listen((socket) => {
      // Go's net package (agnhost) and nginx's keep-alive connections set TCP_NODELAY; without it a
      // response written in two pieces waits for the client's delayed ACK (40 ms) under Nagle.
      socket.setNoDelay(true);
      this.connections.set(socket, 0);
      socket.once('close', () => {
        this.connections.delete(socket);
        this.checkDrained();
      });
      this.server.emit('connection', socket);
    });
    this.port = this.listener.port;
  }

  /** Connections open right now. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** Stops accepting; open connections carry on. */
  close(): void {
    this.listener.close();
  }

  /**
   * Graceful shutdown: stop accepting, close idle connections, let each busy one finish its
   * request and then close it. Resolves when no connection is left.
   */
  drain(): Promise<void> {
    this.close();
    this.draining = true;
    const done = new Promise<void>((resolve) => (this.drained = resolve));
    for (const [socket, active] of this.connections) if (active === 0) socket.end();
    this.checkDrained();
    return done;
  }

  private handle(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>, req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket as StreamSocket;
    this.connections.set(socket, (this.connections.get(socket) ?? 0) + 1);
    if (this.draining) res.shouldKeepAlive = false;
    res.once('close', () => {
      const left = (this.connections.get(socket) ?? 1) - 1;
      if (this.connections.has(socket)) this.connections.set(socket, left);
      if (this.draining && left === 0) socket.end();
    });
    const fail = (): void => void socket.destroy();
    try {
      const running = handler(req, res);
      if (running instanceof Promise) running.catch(fail);
    } catch {
      fail();
    }
  }

  private checkDrained(): void {
    if (this.draining && this.connections.size === 0) this.drained?.();
  }
}
