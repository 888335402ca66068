/**
 * The CoreDNS container of the `coredns` Deployment in kube-system, emulated: inside its pod's
 * network namespace it serves the cluster's DNS plugin chain (the same ClusterDns chain the real
 * 127.0.0.1 listener serves, over the shared informers) on UDP and TCP port 53, health on :8080
 * (/health) and readiness on :8181 (/ready) for the kubelet's probes, and a small Prometheus text
 * on :9153 (/metrics). Queries reach it the Kubernetes way: pod → kube-dns ClusterIP → kube-proxy
 * DNAT → CNI → this pod.
 */
import { Process } from '../../apps/process.js';
import type { StreamSocket, WorkloadContext } from '../../apps/types.js';
import type { StartedWorkload } from '../../apps/registry.js';
import type { ClusterDns } from '../../dns/cluster-dns.js';

export const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.11.3';

/** Whether a container runs CoreDNS (any registry or tag of the coredns image). */
export function isCoreDnsImage(image: string | undefined): boolean {
  return image !== undefined && /(^|\/)coredns\/coredns(:|@|$)/.test(image);
}

class CoreDnsProcess extends Process {
  private queries = 0;

  constructor(ctx: WorkloadContext, private readonly dns: ClusterDns) {
    super(ctx);
  }

  protected main(): void {
    const wire = this.dns.wire;
    const udp = this.bindUdp(53, (data, from) => {
      this.queries++;
      void wire.handleWire(data, 'udp', undefined, from).then((reply) => {
        if (reply !== undefined && this.alive) udp.send(reply, from.port, from.address);
      });
    });
    this.listenTcp(53, (socket) => this.serveTcp(socket));
    // The health and ready plugins' own answers (status and body), as CoreDNS serves them.
    this.serveHttp(8080, (_req, res) => {
      const h = this.dns.health() ?? { status: 200, body: 'OK' };
      res.writeHead(h.status).end(h.body);
    });
    this.serveHttp(8181, (_req, res) => {
      const r = this.dns.ready() ?? { status: 200, body: 'OK' };
      res.writeHead(r.status).end(r.body);
    });
    this.serveHttp(9153, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(`# TYPE coredns_dns_requests_total counter\ncoredns_dns_requests_total ${this.queries}\n`);
    });
    this.ctx.log('.:53');
    this.ctx.log('CoreDNS-1.11.3 (emulated by kemu)');
  }

  /** RFC 7766: two-byte length prefix, pipelined queries answered as they complete. */
  private serveTcp(socket: StreamSocket): void {
    let buffered = Buffer.alloc(0);
    const from = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const len = buffered.readUInt16BE(0);
        const msg = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        this.queries++;
        void this.dns.wire.handleWire(msg, 'tcp', undefined, from).then((reply) => {
          if (reply === undefined || socket.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(reply.length);
          socket.write(Buffer.concat([head, reply]));
        });
      }
    });
  }
}

/** The sandbox's program override: CoreDNS containers run the cluster's chain, others the registry's. */
export function coreDnsStarter(dns: () => ClusterDns | undefined): (ctx: Omit<WorkloadContext, 'args'>) => StartedWorkload | undefined {
  return (ctx) => {
    const server = dns();
    if (!isCoreDnsImage(ctx.container.image) || server === undefined) return undefined;
    const full: WorkloadContext = { ...ctx, args: ['/coredns', ...(ctx.container.args ?? [])] };
    return { workload: new CoreDnsProcess(full, server).launch(), emulated: true, program: 'coredns' };
  };
}
