/**
 * Serves ProxyHealth on the host namespace's port 10256, on every address (kube-proxy's
 * --healthz-bind-address 0.0.0.0:10256), over kemu's TCP with node:http doing the HTTP, as the
 * ServiceHealthServer does for healthCheckNodePorts.
 */
import { type Server, createServer } from 'node:http';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import { TcpLayer, type TcpServer, type TcpSocket } from '../../dataplane/tcp/index.js';
import { PROXY_HEALTHZ_PORT, type ProxyHealth } from './proxy-health.js';
import { acceptInto } from './server.js';

export class ProxyHealthServer {
  private readonly http: Server;
  private readonly listener: TcpServer;
  private readonly sockets = new Set<TcpSocket>();

  /** Throws if the port is taken in `ns` (kube-proxy logs that and goes on without the server). */
  constructor(ns: NetNamespace, health: ProxyHealth, port = PROXY_HEALTHZ_PORT) {
    this.http = createServer((req, res) => {
      const r = health.respond(req.url ?? '/');
      res.writeHead(r.status, r.headers);
      res.end(r.body);
    });
    this.listener = TcpLayer.of(ns).listen(port);
    acceptInto(this.http, this.listener, this.sockets);
  }

  close(): void {
    this.listener.close();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.http.close();
  }
}
