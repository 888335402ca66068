/**
 * The FSM's Transport over real TCP (node:net), for a speaker on the host's loopback or network
 * until kemu's emulated TCP carries BGP. Addresses are reported as plain dotted quads.
 */
import * as net from 'node:net';
import type { ConnectCallbacks, Connector, PendingConnect, Transport, TransportHandlers } from './fsm/index.js';

function plain(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

export class NetTransport implements Transport {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private handlers: TransportHandlers | undefined;
  private early: Uint8Array[] = [];
  private endedByUs = false;
  private ended: Error | null | undefined;

  constructor(private readonly socket: net.Socket) {
    this.localAddress = plain(socket.localAddress);
    this.localPort = socket.localPort ?? 0;
    this.remoteAddress = plain(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    // BGP messages are small and latency matters more than packing (KEEPALIVEs, OPEN/KEEPALIVE handshake).
    socket.setNoDelay(true);
    let error: Error | undefined;
    socket.on('data', (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (this.handlers) this.handlers.data(bytes);
      else this.early.push(bytes.slice());
    });
    socket.on('error', (err) => (error = err));
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
    if (!this.socket.destroyed && !this.endedByUs) this.socket.write(bytes);
  }

  close(): void {
    if (this.endedByUs) return;
    this.endedByUs = true;
    // Flush what was written (a NOTIFICATION must reach the peer), then release the socket.
    this.socket.end(() => this.socket.destroy());
  }
}

export const netConnector: Connector = {
  connect(address: string, port: number, localAddress: string | undefined, callbacks: ConnectCallbacks): PendingConnect {
    let settled = false;
    const socket = net.connect({ host: address, port, ...(localAddress ? { localAddress } : {}) });
    socket.once('connect', () => {
      if (settled) return;
      settled = true;
      socket.removeAllListeners('error');
      callbacks.connected(new NetTransport(socket));
    });
    socket.once('error', (err) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      callbacks.failed(err);
    });
    return {
      cancel: () => {
        if (settled) return;
        settled = true;
        socket.destroy();
      },
    };
  },
};
