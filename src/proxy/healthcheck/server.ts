/**
 * kube-proxy's ServiceHealthServer on a simulated host: for each Service with a healthCheckNodePort
 * an HTTP listener on that port of the host namespace (every address, as kube-proxy's 0.0.0.0), on
 * kemu's TCP, answering any request with healthResponse(). node:http does the HTTP: each accepted
 * TcpSocket is handed to an http.Server with emit('connection'). Listeners open and close as
 * Services gain and lose their port; a port that cannot be bound is reported, not thrown.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import { TcpLayer, type TcpServer, type TcpSocket } from '../../dataplane/tcp/index.js';
import { type HealthCheckSink, type HealthCheckUpdate, healthResponse } from './state.js';

export interface ServiceHealthServerOptions {
  /** The proxier's own health (kube-proxy's healthz: recent syncs); default always healthy. */
  isHealthy?: () => boolean;
  /** A listener that could not be opened (port in use). */
  onError?: (err: unknown, service: string, port: number) => void;
}

interface Instance {
  namespace: string;
  name: string;
  port: number;
  localEndpoints: number;
  listener: TcpServer;
}

/** Hands every connection `listener` accepts to `http` (node:http runs over kemu TCP), tracked in `sockets` for close. */
export function acceptInto(http: Server, listener: TcpServer, sockets: Set<TcpSocket>): void {
  listener.on('connection', (socket: TcpSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    http.emit('connection', socket as unknown as Duplex);
  });
}

export class ServiceHealthServer implements HealthCheckSink {
  private readonly instances = new Map<string, Instance>();
  private readonly byPort = new Map<number, Instance>();
  private readonly http: Server;
  private readonly sockets = new Set<TcpSocket>();

  constructor(private readonly ns: NetNamespace, private readonly opts: ServiceHealthServerOptions = {}) {
    this.http = createServer((req, res) => this.serve(req, res));
  }

  /** From a proxier's sync: open, move or close listeners, and set the local endpoint counts. */
  update(u: HealthCheckUpdate): void {
    for (const nsn of u.removed) this.close(nsn);
    for (const [nsn, s] of u.services) {
      const old = this.instances.get(nsn);
      if (old !== undefined && old.port === s.port) {
        old.localEndpoints = s.localEndpoints;
        continue;
      }
      if (old !== undefined) this.close(nsn);
      this.open(nsn, s.namespace, s.name, s.port, s.localEndpoints);
    }
  }

  /** SyncServices: the full set of Services and their ports; others close. */
  syncServices(ports: ReadonlyMap<string, number>): void {
    for (const nsn of [...this.instances.keys()]) if (ports.get(nsn) !== this.instances.get(nsn)!.port) this.close(nsn);
    for (const [nsn, port] of ports) {
      if (this.instances.has(nsn)) continue;
      const [namespace = '', name = ''] = nsn.split('/');
      this.open(nsn, namespace, name, port, 0);
    }
  }

  /** SyncEndpoints: local endpoint counts; Services missing from the map have none. */
  syncEndpoints(counts: ReadonlyMap<string, number>): void {
    for (const [nsn, inst] of this.instances) inst.localEndpoints = counts.get(nsn) ?? 0;
  }

  /** "namespace/name" → port, of the open listeners. */
  listening(): Map<string, number> {
    return new Map([...this.instances].map(([nsn, i]) => [nsn, i.port]));
  }

  localEndpoints(nsn: string): number | undefined {
    return this.instances.get(nsn)?.localEndpoints;
  }

  /** Closes every listener and connection. */
  close(nsn?: string): void {
    if (nsn !== undefined) {
      const inst = this.instances.get(nsn);
      if (inst === undefined) return;
      inst.listener.close();
      this.instances.delete(nsn);
      this.byPort.delete(inst.port);
      return;
    }
    for (const key of [...this.instances.keys()]) this.close(key);
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.http.close();
  }

  private open(nsn: string, namespace: string, name: string, port: number, localEndpoints: number): void {
    let listener: TcpServer;
    try {
      listener = TcpLayer.of(this.ns).listen(port);
    } catch (err) {
      this.opts.onError?.(err, nsn, port);
      return;
    }
    const inst: Instance = { namespace, name, port, localEndpoints, listener };
    acceptInto(this.http, listener, this.sockets);
    this.instances.set(nsn, inst);
    this.byPort.set(port, inst);
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const inst = this.byPort.get(req.socket.localPort ?? -1);
    if (inst === undefined) {
      // "Received request for closed healthcheck": kube-proxy answers nothing useful either.
      res.statusCode = 503;
      res.end();
      return;
    }
    const r = healthResponse(inst.namespace, inst.name, inst.localEndpoints, this.opts.isHealthy?.() ?? true);
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  }
}
