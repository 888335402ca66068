/**
 * DnsServer: a real UDP and TCP listener (node:dgram, node:net) on one address and one port, both
 * feeding the same WireHandler. The port is shared because a client that sees TC retries over TCP
 * on the port it asked (dig does). TCP carries length-prefixed messages, pipelined, answered as
 * they complete (RFC 7766); an idle connection closes after `tcpIdleMs` on the Clock.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Clock, TimerHandle } from '../util/clock.js';
import { KemuError } from '../util/errors.js';
import type { Handler } from './types.js';
import { WireHandler, type WireCounters, type WireOptions } from './wire.js';

export interface DnsServerOptions extends WireOptions {
  /** The chain to serve (or a WireHandler wrapping it, to share counters). */
  handler: Handler | WireHandler;
  clock: Clock;
  /** Listen address; default 127.0.0.1. */
  address?: string;
  /** UDP and TCP port; 0 = one free port for both. */
  port?: number;
  /** Idle TCP connections close after this long (CoreDNS: 10s). */
  tcpIdleMs?: number;
  /** Connections beyond this are closed at once. */
  maxTcpConnections?: number;
}

export interface DnsServerAddress {
  address: string;
  udpPort: number;
  tcpPort: number;
}

export interface DnsServerCounters extends WireCounters {
  tcpConnections: number;
  tcpRejected: number;
}

export class DnsServer {
  readonly wire: WireHandler;
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly conns = new Set<net.Socket>();
  private tcpStats = { tcpConnections: 0, tcpRejected: 0 };

  constructor(private readonly opts: DnsServerOptions) {
    this.wire = opts.handler instanceof WireHandler ? opts.handler : new WireHandler(opts.handler, opts);
  }

  async start(): Promise<DnsServerAddress> {
    const address = this.opts.address ?? '127.0.0.1';
    const wanted = this.opts.port ?? 0;
    // With port 0 the UDP port is free but the same TCP port may not be: try a few.
    for (let attempt = 0; ; attempt++) {
      const udp = await this.bindUdp(address, wanted);
      const port = udp.address().port;
      try {
        this.tcp = await this.listenTcp(address, port);
        this.udp = udp;
        return { address, udpPort: port, tcpPort: port };
      } catch (err) {
        udp.close();
        if (wanted !== 0 || attempt >= 20) throw new KemuError('DNS_LISTEN', `dns: cannot listen on ${address}:${port}/tcp: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    await Promise.all([
      udp ? new Promise<void>((r) => udp.close(() => r())) : undefined,
      tcp ? new Promise<void>((r) => tcp.close(() => r())) : undefined,
    ]);
  }

  counters(): DnsServerCounters {
    const c = this.wire.counters;
    return { ...c, replies: { ...c.replies }, ...this.tcpStats };
  }

  private bindUdp(address: string, port: number): Promise<dgram.Socket> {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket({ type: net.isIPv6(address) ? 'udp6' : 'udp4' });
      sock.once('error', reject);
      sock.bind(port, address, () => {
        sock.off('error', reject);
        // A send failure (e.g. the client went away) is no reason to stop serving.
        sock.on('error', () => undefined);
        sock.on('message', (msg, rinfo) => {
          void this.wire.handleWire(msg, 'udp', undefined, rinfo).then((out) => {
            // No send callback: it would cost a completion callback per reply; errors reach 'error'.
            if (out && this.udp === sock) sock.send(out, rinfo.port, rinfo.address);
          }, ignore);
        });
        resolve(sock);
      });
    });
  }

  private listenTcp(address: string, port: number): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((c) => this.onConnection(c));
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        server.on('error', () => undefined);
        resolve(server);
      });
    });
  }

  private onConnection(c: net.Socket): void {
    c.on('error', () => undefined);
    if (this.conns.size >= (this.opts.maxTcpConnections ?? 1000)) {
      this.tcpStats.tcpRejected++;
      c.destroy();
      return;
    }
    this.tcpStats.tcpConnections++;
    this.conns.add(c);
    const remote = { address: c.remoteAddress ?? '', port: c.remotePort ?? 0 };
    let buf: Buffer = Buffer.alloc(0);
    let inflight = 0;
    let idle: TimerHandle | undefined;
    const arm = () => {
      idle?.cancel();
      idle = inflight === 0 && !c.destroyed ? this.opts.clock.setTimeout(() => c.end(), this.opts.tcpIdleMs ?? 10_000) : undefined;
    };
    const done = (out: Buffer | undefined) => {
      inflight--;
      if (out && !c.destroyed) {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length);
        c.write(Buffer.concat([len, out]));
      }
      arm();
    };
    c.on('close', () => {
      idle?.cancel();
      this.conns.delete(c);
    });
    c.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        inflight++;
        void this.wire.handleWire(msg, 'tcp', undefined, remote).then(done, () => done(undefined));
      }
      arm();
    });
    arm();
  }
}

/** handleWire never rejects; should it ever, one lost reply must not become an unhandled rejection. */
function ignore(): void {}
