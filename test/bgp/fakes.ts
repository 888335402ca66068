/** A fake TCP transport and connector for FSM tests: records writes, lets the test deliver bytes and close. */
import { type DecodedMessage, Framer, decodeMessage } from '../../src/bgp/codec/index.js';
import type { ConnectCallbacks, Connector, PendingConnect, Transport, TransportHandlers } from '../../src/bgp/fsm/index.js';

export class FakeTransport implements Transport {
  readonly written: Uint8Array[] = [];
  closed = false;
  private handlers: TransportHandlers | undefined;
  private seen = 0;

  constructor(
    readonly localAddress = '10.0.0.1',
    readonly remoteAddress = '10.0.0.2',
    readonly localPort = 40000,
    readonly remotePort = 179,
  ) {}

  setHandlers(h: TransportHandlers): void {
    this.handlers = h;
  }

  write(bytes: Uint8Array): void {
    if (this.closed) throw new Error('write after close');
    this.written.push(bytes.slice());
  }

  close(): void {
    this.closed = true;
  }

  /** Test side: bytes from the peer. */
  deliver(...messages: Uint8Array[]): void {
    this.handlers?.data(Buffer.concat(messages));
  }

  /** Test side: the peer closed or the connection broke. */
  drop(error?: Error): void {
    this.handlers?.closed(error);
  }

  /** Messages written since the last call, decoded (4-octet context). */
  sent(): DecodedMessage[] {
    const framer = new Framer();
    const all = framer.push(Buffer.concat(this.written.slice(this.seen))).messages;
    this.seen = this.written.length;
    return all.map((m) => {
      const r = decodeMessage(m, { as4: true });
      if (!r.ok) throw new Error(`we sent an undecodable message: ${r.error.reason}`);
      return r.value;
    });
  }

  sentTypes(): string[] {
    return this.sent().map((m) => (m.type === 'NOTIFICATION' ? `NOTIFICATION ${m.code}/${m.subcode}` : m.type));
  }
}

interface Attempt {
  address: string;
  port: number;
  localAddress: string | undefined;
  callbacks: ConnectCallbacks;
  cancelled: boolean;
}

export class FakeConnector implements Connector {
  readonly attempts: Attempt[] = [];

  connect(address: string, port: number, localAddress: string | undefined, callbacks: ConnectCallbacks): PendingConnect {
    const a: Attempt = { address, port, localAddress, callbacks, cancelled: false };
    this.attempts.push(a);
    return { cancel: () => (a.cancelled = true) };
  }

  get last(): Attempt {
    return this.attempts[this.attempts.length - 1]!;
  }

  /** Completes the last attempt; returns the connection. */
  succeed(t = new FakeTransport()): FakeTransport {
    this.last.callbacks.connected(t);
    return t;
  }

  fail(message = 'connect ECONNREFUSED'): void {
    this.last.callbacks.failed(new Error(message));
  }
}
