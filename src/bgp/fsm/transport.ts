/**
 * The FSM's only view of TCP, narrow enough to fake in a test and to implement over node:net now
 * and over kemu's emulated TCP stack later.
 */

export interface TransportHandlers {
  data(chunk: Uint8Array): void;
  /** The connection ended (peer closed, reset, or error). Not called after our own close(). */
  closed(error?: Error): void;
}

export interface Transport {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Attaches the receiver; data that arrived before is delivered then. */
  setHandlers(handlers: TransportHandlers): void;
  write(bytes: Uint8Array): void;
  /** Flushes what was written (a NOTIFICATION must get out) and closes. */
  close(): void;
}

export interface ConnectCallbacks {
  connected(transport: Transport): void;
  failed(error: Error): void;
}

export interface PendingConnect {
  cancel(): void;
}

/** Opens outgoing connections (the "TCP connection initiation" of RFC 4271 §8). */
export interface Connector {
  connect(address: string, port: number, localAddress: string | undefined, callbacks: ConnectCallbacks): PendingConnect;
}
