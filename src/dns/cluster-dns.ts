/**
 * The cluster's DNS server as the lab runs it: the Corefile (kubeadm's, filled from the topology,
 * unless one is given) → a chain over the shared informers → a DnsServer on 127.0.0.1. It starts
 * listening once the informers have synced, or after `syncTimeoutMs` regardless, as CoreDNS does
 * (until then a name error is SERVFAIL, so no client caches a false NXDOMAIN). The chain and the WireHandler are public for the packet plane, which
 * will serve the same chain from a UDP socket in a pod's namespace.
 */
import type { InformerFactory } from '../api/client/factory.js';
import type { Clock } from '../util/clock.js';
import type { DnsConfig } from '../topology/types.js';
import { buildChain, type Chain } from './chain.js';
import { defaultCorefile, parseCorefile } from './corefile.js';
import { InformerView } from './kubernetes/view.js';
import { DnsServer, type DnsServerAddress, type DnsServerCounters } from './server.js';
import { WireHandler } from './wire.js';
import type { ProbeResult } from './plugins/health.js';

export interface ClusterDnsOptions {
  /** Shared informers (the lab's ControlPlane.factory); DNS adds its indexes to them. */
  factory: InformerFactory;
  clock: Clock;
  /** topology.networking.dnsDomain, e.g. "cluster.local". */
  dnsDomain: string;
  /** topology.dns: upstreams, cacheSeconds, ttl. */
  dns: DnsConfig;
  /** A Corefile to use instead of the default built from dnsDomain and dns. */
  corefile?: string;
  /** Listen address (default 127.0.0.1) and port for UDP and TCP (default 0: any free port). */
  address?: string;
  port?: number;
  /** This server's own addresses for NS answers (e.g. the kube-dns pod IPs); default the listen address. */
  localIPs?: string[];
  maxUdpSize?: number;
  /** How long start() waits for the informers before listening anyway; CoreDNS waits 5s. */
  syncTimeoutMs?: number;
  logLine?: (line: string) => void;
  onError?: (err: Error) => void;
}

export class ClusterDns {
  readonly corefile: string;
  readonly chain: Chain;
  readonly wire: WireHandler;
  private readonly view: InformerView;
  private readonly server: DnsServer;

  constructor(private readonly opts: ClusterDnsOptions) {
    this.corefile = opts.corefile ?? defaultCorefile(opts.dnsDomain, opts.dns);
    const cfg = parseCorefile(this.corefile);
    this.view = new InformerView(opts.factory, opts.clock, cfg.kubernetes?.podMode === 'verified');
    this.chain = buildChain(cfg, {
      clock: opts.clock,
      view: this.view,
      localIPs: opts.localIPs ?? [opts.address ?? '127.0.0.1'],
      onError: opts.onError,
      logLine: opts.logLine,
    });
    this.wire = new WireHandler(this.chain.handler, { maxUdpSize: opts.maxUdpSize, onError: opts.onError });
    this.server = new DnsServer({ handler: this.wire, clock: opts.clock, address: opts.address, port: opts.port });
  }

  async start(): Promise<DnsServerAddress> {
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<void>((r) => (timer = this.opts.clock.setTimeout(r, this.opts.syncTimeoutMs ?? 5000)));
    await Promise.race([this.view.start(), timeout]);
    timer?.cancel();
    return this.server.start();
  }

  async stop(): Promise<void> {
    await this.server.stop();
    this.chain.close();
  }

  health(): ProbeResult | undefined {
    return this.chain.health();
  }

  ready(): ProbeResult | undefined {
    return this.chain.ready();
  }

  counters(): DnsServerCounters {
    return this.server.counters();
  }
}
