/**
 * The FSM's Transport over any connected byte stream shaped like net.Socket — a real node:net socket
 * (a speaker on the host's loopback, peering with gobgpd) or a TcpSocket of kemu's own TCP (calico
 * between emulated nodes) — and a Connector built from a function that opens such a stream.
 * Addresses are reported as plain dotted quads.
 */
import type { Duplex } from 'node:stream';
import type { ConnectCallbacks, Connector, PendingConnect, Transport, TransportHandlers } from './fsm/index.js';

/** What a BGP session needs of a connected stream (net.Socket and kemu's TcpSocket both have it). */
export interface BgpStream extends Duplex {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  setNoDelay(noDelay?: boolean): unknown;
}

function plain(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

export class StreamTransport implements Transport {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private handlers: TransportHandlers | undefined;
  private early: Uint8Array[] = [];
  private endedByUs = false;
  /** Set once the connection ended before handlers were attached (null: without an error). */
  private ended: Error | null | undefined;

  constructor(private readonly socket: BgpStream) {
    this.localAddress = plain(socket.localAddress);
    this.localPort = socket.localPort ?? 0;
    this.remoteAddress = plain(socket.remoteAddress);
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

/** A Connector over `open(address, port, localAddress)`, which returns a stream that emits 'connect' or 'error'. */
export function streamConnector(open: (address: string, port: number, localAddress: string | undefined) => BgpStream): Connector {
  return {
    connect(address: string, port: number, localAddress: string | undefined, callbacks: ConnectCallbacks): PendingConnect {
      let settled = false;
      const socket = open(address, port, localAddress);
      socket.once('connect', () => {
        if (settled) return;
        settled = true;
        socket.removeAllListeners('error');
        callbacks.connected(new StreamTransport(socket));
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
