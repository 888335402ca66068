/**
 * agnhost serve-hostname (and the older standalone serve_hostname image): the hostname over HTTP
 * (default), or raw over TCP (write, close) and/or UDP (one datagram back per datagram), on
 * --port 9376. On SIGTERM it logs, keeps serving and sleeps 60 s "awaiting pod deletion", so with
 * the default 30 s grace period the kubelet ends it with SIGKILL, as with the real image.
 */
import { Process } from '../process.js';
import type { FlagSpec, FlagValues } from '../flags.js';
import type { WorkloadContext } from '../types.js';

export const SERVE_HOSTNAME_FLAGS: FlagSpec = {
  tcp: { type: 'bool', default: false },
  udp: { type: 'bool', default: false },
  http: { type: 'bool', default: true },
  close: { type: 'bool', default: false },
  port: { type: 'int', default: 9376 },
};

export const SERVE_HOSTNAME_LINGER_MS = 60_000;

export class ServeHostname extends Process {
  constructor(ctx: WorkloadContext, private readonly flags: FlagValues) {
    super(ctx);
  }

  protected main(): void {
    const { tcp, udp, http, close } = this.flags as { tcp: boolean; udp: boolean; http: boolean; close: boolean };
    const port = this.flags.port as number;
    if (http && (tcp || udp)) throw new Error("Can't server TCP/UDP mode and HTTP mode at the same time");
    const hostname = this.ctx.hostname;
    if (tcp) {
      this.guard('net.Listen()', () => this.listenTcp(port, (socket) => {
        this.logGo(`TCP request from ${socket.remoteAddress}:${socket.remotePort}`);
        socket.end(hostname);
      }));
    }
    if (udp) {
      const endpoint = this.guard('ListenUDP()', () => this.bindUdp(port, (_data, from) => {
        this.logGo(`UDP request from ${from.address}:${from.port}`);
        endpoint.send(Buffer.from(hostname), from.port, from.address);
      }));
    }
    if (http) {
      this.guard('http.ListenAndServe', () => this.serveHttp(port, (req, res) => {
        this.logGo(`HTTP request from ${req.socket.remoteAddress}:${req.socket.remotePort}`);
        const headers: Record<string, string | number> = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(hostname) };
        if (close) headers.Connection = 'close';
        res.writeHead(200, headers);
        res.end(hostname);
      }));
    }
    this.logGo(`Serving on port ${port}.`);
  }

  protected override onSigterm(): void {
    this.logGo('Shutting down after receiving signal: terminated.');
    this.logGo('Awaiting pod deletion.');
    this.after(SERVE_HOSTNAME_LINGER_MS, () => this.exit(0));
  }

  private guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw new Error(`Error from ${what}: listen ${what === 'ListenUDP()' ? 'udp' : 'tcp'} :${this.flags.port}: ${(err as Error).message}`);
    }
  }
}
