/**
 * An in-memory network for the workload tests: hosts with IPv4 addresses, each a PodNetwork. TCP
 * is a pair of connected Duplex streams with real backpressure (a writer's callback waits until
 * the reader's buffer drains), FIN (end) and RST (destroy before FIN) semantics; UDP datagrams are
 * queued and delivered on a later turn of the event loop. Closed ports refuse (ECONNREFUSED, ICMP
 * port unreachable to the UDP sender), unknown hosts are unreachable, blackholed hosts never answer.
 */
import { Duplex } from 'node:stream';
import { KemuError } from '../../src/util/errors.js';
import { type Clock, RealClock, type TimerHandle } from '../../src/util/clock.js';
import type { PodNetwork, StreamSocket, TcpListener, UdpEndpoint, UdpError } from '../../src/apps/types.js';

type MessageFn = (data: Uint8Array, from: { address: string; port: number }) => void;

interface Datagram {
  data: Uint8Array;
  from: FabricNet;
  fromPort: number;
  to: string;
  toPort: number;
}

export class Fabric {
  readonly hosts = new Map<string, FabricNet>();
  readonly blackholed = new Set<string>();
  readonly stats = { connections: 0, refused: 0, resets: 0, udpSent: 0, udpDelivered: 0, udpDropped: 0 };
  /** TCP sockets (both ends) not yet closed. */
  openSockets = 0;
  /** Drop every n-th datagram (0: none), to exercise loss accounting. */
  dropEveryNthDatagram = 0;
  /** Bytes a reader buffers before the writer is held back. */
  readonly highWaterMark: number;
  private queue: Datagram[] = [];
  private flushing = false;

  constructor(readonly clock: Clock = new RealClock(), opts: { highWaterMark?: number } = {}) {
    this.highWaterMark = opts.highWaterMark ?? 64 * 1024;
  }

  host(ip: string): FabricNet {
    let net = this.hosts.get(ip);
    if (!net) this.hosts.set(ip, (net = new FabricNet(this, ip)));
    return net;
  }

  /** @internal */
  sendUdp(d: Datagram): void {
    this.stats.udpSent++;
    if (this.queue.length >= 100_000 || (this.dropEveryNthDatagram > 0 && this.stats.udpSent % this.dropEveryNthDatagram === 0)) {
      this.stats.udpDropped++;
      return;
    }
    this.queue.push(d);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.flushing = false;
    for (const d of batch) {
      if (this.blackholed.has(d.to)) {
        this.stats.udpDropped++;
        continue;
      }
      const target = this.hosts.get(d.to);
      const endpoint = target?.udp.get(d.toPort);
      if (!endpoint) {
        this.stats.udpDropped++;
        d.from.udp.get(d.fromPort)?.onError?.({ code: target ? 'ECONNREFUSED' : 'EHOSTUNREACH', address: d.to, port: d.toPort });
        continue;
      }
      this.stats.udpDelivered++;
      endpoint.onMessage(d.data, { address: d.from.ip, port: d.fromPort });
    }
  }
}

function netError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export class FabricSocket extends Duplex implements StreamSocket {
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
  connecting = true;
  peer: FabricSocket | undefined;
  /** The peer's write callback, held until this side's reader wants more. */
  private blockedWriter: ((err?: Error | null) => void) | undefined;
  private waiting: (() => void)[] = [];
  private idleMs = 0;
  private idleTimer: TimerHandle | undefined;

  constructor(private readonly fabric: Fabric, local: { address: string; port: number }, remote: { address: string; port: number }) {
    super({ allowHalfOpen: true, readableHighWaterMark: fabric.highWaterMark, writableHighWaterMark: fabric.highWaterMark });
    this.localAddress = local.address;
    this.localPort = local.port;
    this.remoteAddress = remote.address;
    this.remotePort = remote.port;
    fabric.openSockets++;
    this.once('close', () => fabric.openSockets--);
  }

  /** @internal The handshake completed. */
  established(peer: FabricSocket): void {
    this.peer = peer;
    this.connecting = false;
    for (const fn of this.waiting.splice(0)) fn();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.connecting) return void this.waiting.push(() => this._write(chunk, _enc, cb));
    const peer = this.peer;
    if (!peer || peer.destroyed) return cb(netError('EPIPE', 'write EPIPE'));
    this.touch();
    peer.touch();
    if (peer.push(Buffer.from(chunk))) cb();
    else peer.blockedWriter = cb;
  }

  override _read(): void {
    const cb = this.blockedWriter;
    this.blockedWriter = undefined;
    cb?.();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.connecting) return void this.waiting.push(() => this._final(cb));
    if (this.peer && !this.peer.destroyed) this.peer.push(null);
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.idleTimer?.cancel();
    this.waiting = [];
    const peer = this.peer;
    if (peer && !peer.destroyed) {
      if (!this.writableFinished) {
        // Closed without a FIN (or with data unread): the peer gets a reset.
        this.fabric.stats.resets++;
        peer.destroy(netError('ECONNRESET', 'read ECONNRESET'));
      } else if (this.blockedWriter) {
        const writer = this.blockedWriter;
        this.blockedWriter = undefined;
        writer(netError('EPIPE', 'write EPIPE'));
      }
    }
    cb(err);
  }

  setTimeout(ms: number, cb?: () => void): this {
    this.idleMs = ms;
    if (cb) this.once('timeout', cb);
    this.touch();
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** Traffic resets the idle timer. */
  private touch(): void {
    this.idleTimer?.cancel();
    this.idleTimer = undefined;
    if (this.idleMs > 0 && !this.destroyed) this.idleTimer = this.fabric.clock.setTimeout(() => this.emit('timeout'), this.idleMs);
  }
}

interface FabricUdp {
  onMessage: MessageFn;
  onError: ((e: UdpError) => void) | undefined;
}

export class FabricNet implements PodNetwork {
  readonly listeners = new Map<number, (s: StreamSocket) => void>();
  readonly udp = new Map<number, FabricUdp>();
  private nextPort = 32768;

  constructor(private readonly fabric: Fabric, readonly ip: string) {}

  listenTcp(port: number, onConnection: (socket: StreamSocket) => void): TcpListener {
    checkPort(port);
    const chosen = port === 0 ? this.ephemeral((p) => this.listeners.has(p)) : port;
    if (this.listeners.has(chosen)) throw new KemuError('ERR_ADDRESS_IN_USE', 'bind: Address already in use');
    this.listeners.set(chosen, onConnection);
    return { port: chosen, close: () => void (this.listeners.get(chosen) === onConnection && this.listeners.delete(chosen)) };
  }

  connectTcp(host: string, port: number, opts: { timeoutMs?: number } = {}): StreamSocket {
    const fabric = this.fabric;
    const client = new FabricSocket(fabric, { address: this.ip, port: this.ephemeral(() => false) }, { address: host, port });
    setImmediate(() => {
      if (client.destroyed) return;
      if (fabric.blackholed.has(host)) {
        if (opts.timeoutMs === undefined) return;
        const t = fabric.clock.setTimeout(() => client.destroy(netError('ETIMEDOUT', `connect ETIMEDOUT ${host}:${port}`)), opts.timeoutMs);
        client.once('close', () => t.cancel());
        return;
      }
      const target = fabric.hosts.get(host);
      if (!target) return void client.destroy(netError('EHOSTUNREACH', `connect EHOSTUNREACH ${host}:${port}`));
      const accept = target.listeners.get(port);
      if (!accept) {
        fabric.stats.refused++;
        return void client.destroy(netError('ECONNREFUSED', `connect ECONNREFUSED ${host}:${port}`));
      }
      fabric.stats.connections++;
      const server = new FabricSocket(fabric, { address: host, port }, { address: this.ip, port: client.localPort! });
      server.established(client);
      client.established(server);
      client.emit('connect');
      client.emit('ready');
      accept(server);
    });
    return client;
  }

  bindUdp(port: number, onMessage: MessageFn, onError?: (e: UdpError) => void): UdpEndpoint {
    checkPort(port);
    const chosen = port === 0 ? this.ephemeral((p) => this.udp.has(p)) : port;
    if (this.udp.has(chosen)) throw new KemuError('ERR_ADDRESS_IN_USE', 'bind: Address already in use');
    const entry: FabricUdp = { onMessage, onError };
    this.udp.set(chosen, entry);
    let open = true;
    return {
      port: chosen,
      send: (data, toPort, address) => {
        if (!open) throw new KemuError('ERR_SOCKET_CLOSED', 'send: Bad file descriptor');
        checkPort(toPort);
        this.fabric.sendUdp({ data: Uint8Array.from(data), from: this, fromPort: chosen, to: address, toPort });
      },
      close: () => {
        open = false;
        if (this.udp.get(chosen) === entry) this.udp.delete(chosen);
      },
    };
  }

  private ephemeral(taken: (port: number) => boolean): number {
    for (let i = 0; i < 28232; i++) {
      const p = this.nextPort++;
      if (this.nextPort > 60999) this.nextPort = 32768;
      if (!taken(p)) return p;
    }
    throw new KemuError('ERR_ADDRESS_IN_USE', 'no ephemeral port left');
  }
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new KemuError('ERR_INVALID_PORT', `invalid port ${port}`);
}

/** Lets queued datagrams, connects and stream callbacks run (a few turns of the event loop). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
