/**
 * BGP over kemu's own TCP: the FSM's Transport and Connector on a TcpLayer (src/dataplane/tcp), and
 * a listener on port 179 whose connections are handed to BgpSpeaker.accept. Sessions between nodes
 * therefore run between the node addresses across the emulated underlay: they show in captures as
 * TCP port 179, they cross routers, and they break when a link breaks (the hold timer notices).
 */
import type { ConnectCallbacks, Connector, PendingConnect, Transport, TransportHandlers } from '../../bgp/fsm/index.js';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import { TcpLayer, type TcpServer, type TcpSocket } from '../../dataplane/tcp/index.js';

export const BGP_PORT = 179;

/** The FSM's Transport over one TcpSocket. */
export class TcpTransport implements Transport {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private handlers: TransportHandlers | undefined;
  private early: Uint8Array[] = [];
  private endedByUs = false;
  /** Set once the connection ended before handlers were attached (null: without an error). */
  private ended: Error | null | undefined;

  constructor(private readonly socket: TcpSocket) {
    this.localAddress = socket.localAddress ?? '';
    this.localPort = socket.localPort ?? 0;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    // BIRD sets TCP_NODELAY too: KEEPALIVEs and the OPEN handshake are small and latency-bound.
    socket.setNoDelay(true);
    let error: Error | undefined;
    socket.on('data', (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (this.handlers) this.handlers.data(bytes);
      else this.early.push(bytes.slice());
    });
    socket.on('error', (err: Error) => (error = err));
    socket.on('close', () => {
      if (this.endedByUs) return;
      if (this.handlers) this.handlers.closed(error);
      else this.ended = error ?? null;
    });
  }

  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers;
    for (const chunk of this.early.splice(0)) handlers.data(chunk);
    if (this.ended !== undefined) handlers.closed(this.ended ?? undefined);
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed && !this.endedByUs && this.socket.writable) this.socket.write(bytes);
  }

  close(): void {
    if (this.endedByUs) return;
    this.endedByUs = true;
    // FIN after what was written (a NOTIFICATION must reach the peer), then release the socket.
    if (this.socket.destroyed) return;
    this.socket.end(() => this.socket.destroy());
  }
}

/** Opens BGP connections from `ns` (source: the FSM's localAddress, else the route's). */
export function tcpConnector(ns: NetNamespace): Connector {
  return {
    connect(address: string, port: number, localAddress: string | undefined, callbacks: ConnectCallbacks): PendingConnect {
      let settled = false;
      const socket = TcpLayer.of(ns).connect({ host: address, port, ...(localAddress ? { localAddress } : {}), noDelay: true });
      socket.once('connect', () => {
        if (settled) return;
        settled = true;
        socket.removeAllListeners('error');
        callbacks.connected(new TcpTransport(socket));
      });
      socket.once('error', (err: Error) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        callbacks.failed(err);
      });
      return {
        cancel: () => {
          if (settled) return;
          settled = true;
          socket.on('error', () => {}); // the abort may still report; nobody is waiting for it
          socket.destroy();
        },
      };
    },
  };
}

export interface BgpListener {
  readonly address: string;
  readonly port: number;
  close(): void;
}

/**
 * Listens for BGP on `ns` (BIRD's `listen bgp`): every accepted connection becomes a Transport for
 * `accept` (BgpSpeaker.accept, which refuses unknown peers with Cease / Connection Rejected).
 * Address undefined: every local address (a router with one interface per rack).
 */
export function listenBgp(ns: NetNamespace, opts: { address?: string; port?: number }, accept: (t: Transport) => void): BgpListener {
  const server: TcpServer = TcpLayer.of(ns).listen(opts.port ?? BGP_PORT, opts.address === undefined ? {} : { address: opts.address });
  server.on('connection', (socket: TcpSocket) => accept(new TcpTransport(socket)));
  const bound = server.address();
  return { address: bound.address, port: bound.port, close: () => void server.close() };
}
