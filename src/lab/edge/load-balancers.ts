/**
 * LoadBalancer ingress IPs for real clients. Each LoadBalancer Service with an ingress IP from the
 * topology's pool gets a real loopback address of this machine (lb-backends.ts: base + N for the
 * pool's N-th address), and kemu listens there on every service port, TCP or UDP as the port says.
 * Like a pass-through cloud load balancer, each new connection (each UDP client) is given to a node —
 * round robin over the eligible ones (Ready; for externalTrafficPolicy: Local only those whose
 * kube-proxy health check says 200) — and enters the emulation at that node's eth0 still addressed
 * to INGRESS_IP:PORT (lb-path.ts); kube-proxy's rules for the LB IP do the rest. No eligible node:
 * TCP connections are reset and datagrams dropped, as a load balancer without healthy backends does.
 * With `distinctPorts` every ingress IP's real address is the shared one and each service port a free
 * real port (list() maps them).
 *
 * Health is read from each node's kube-proxy health server directly rather than probed over the
 * emulated network: the answer is the one a probe would get, with no probe traffic, no probe timers
 * and no probe interval between an endpoint change and the load balancer noticing it.
 */
import { type Informer, objectKey } from '../../api/client/informer.js';
import type { Node, Service } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { SerialPasses } from '../../util/serial-passes.js';
import type { LabNetwork } from '../network/index.js';
import { type HealthProbe, RoundRobin, eligibleNodes, ingressIPOf, lbRealAddress } from './lb-backends.js';
import { LoadBalancerPaths } from './lb-path.js';
import type { EdgeNode } from './node-ports.js';
import { listenRealUdp } from './udp-relay.js';
import { listenRealTcp } from './tcp-splice.js';

export interface LoadBalancerEdgeOptions {
  network: LabNetwork;
  /** Every node, in topology order (the round robin's order). */
  nodes: readonly EdgeNode[];
  services: Informer<Service>;
  nodeObjects: Informer<Node>;
  /** spec.networking.loadBalancerPool; without one no Service gets an ingress IP (<pending>). */
  pool: string | undefined;
  /** Real address of the pool's network address (ingress IPs map to base + offset). */
  addressBase: string;
  /** Every ingress IP on this one real address, each service port on a free real port. */
  sharedAddress?: string;
  clock: Clock;
  /** How long a UDP client mapping lives without traffic (the conntrack UDP stream timeout). */
  udpIdleMs: number;
  /** Each node's health check answer for a Service (its kube-proxy's health server). */
  probe: HealthProbe;
  onError: (err: Error) => void;
}

export interface LoadBalancerInfo {
  /** "namespace/name". */
  service: string;
  ingressIP: string;
  /** The real address of this machine that stands for the ingress IP. */
  address: string;
  /** `port`: where a real client connects; `servicePort`: the Service's port it stands for. */
  ports: Array<{ port: number; servicePort: number; protocol: 'TCP' | 'UDP' }>;
}

interface Wanted {
  service: string;
  ingressIP: string;
  address: string;
  /** The Service's port (on the ingress IP inside the emulation). */
  port: number;
  protocol: 'TCP' | 'UDP';
}

interface Listener extends Wanted {
  /** The real port bound: `port`, or a free one with a shared address. */
  realPort: number;
  close(): Promise<void>;
}

export class LoadBalancerEdge {
  private readonly listeners = new Map<string, Listener>();
  private readonly paths: LoadBalancerPaths;
  private readonly rr = new RoundRobin();
  private readonly passes = new SerialPasses(() => this.sync(), (err) => this.o.onError(err));
  private stopped = false;
  /** Connections and datagrams turned away because no node was eligible. */
  refused = 0;

  constructor(private readonly o: LoadBalancerEdgeOptions) {
    this.paths = new LoadBalancerPaths(o.network);
  }

  async start(): Promise<void> {
    const changed = (): void => (this.stopped ? undefined : this.reconcile());
    this.o.services.addHandlers({ onAdd: changed, onUpdate: changed, onDelete: changed });
    this.o.services.start();
    this.o.nodeObjects.start();
    await Promise.all([this.o.services.waitForSync(), this.o.nodeObjects.waitForSync()]);
    this.reconcile();
    await this.passes.settled();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.passes.settled();
    await Promise.all([...this.listeners.values()].map((l) => l.close()));
    for (const l of this.listeners.values()) this.paths.unroute(l.ingressIP);
    this.listeners.clear();
  }

  /** One entry per Service with open listeners. */
  list(): LoadBalancerInfo[] {
    const bySvc = new Map<string, LoadBalancerInfo>();
    for (const l of this.listeners.values()) {
      let info = bySvc.get(l.service);
      if (info === undefined) bySvc.set(l.service, (info = { service: l.service, ingressIP: l.ingressIP, address: l.address, ports: [] }));
      info.ports.push({ port: l.realPort, servicePort: l.port, protocol: l.protocol });
    }
    return [...bySvc.values()];
  }

  /** The node the next connection of a Service would go to (advances the rotation). */
  chooseNode(service: string): string | undefined {
    const svc = this.o.services.getByKey(service);
    if (svc === undefined) return undefined;
    const nodeOf = (name: string): Node | undefined => this.o.nodeObjects.getByKey(name);
    return this.rr.next(service, eligibleNodes(svc, this.o.nodes.map((n) => n.name), nodeOf, this.o.probe));
  }

  /** Opens what Services ask for and closes what they no longer do; serialized, a burst is one pass. */
  reconcile(): void {
    this.passes.request();
  }

  private wanted(): Map<string, Wanted> {
    const out = new Map<string, Wanted>();
    if (this.o.pool === undefined) return out;
    for (const svc of this.o.services.list()) {
      const ingressIP = ingressIPOf(svc);
      if (ingressIP === undefined) continue;
      const address = this.o.sharedAddress ?? lbRealAddress(ingressIP, this.o.pool, this.o.addressBase);
      const service = objectKey(svc);
      if (address === undefined) {
        this.o.onError(new Error(`${service}: ingress IP ${ingressIP} has no real address (pool ${this.o.pool}, base ${this.o.addressBase})`));
        continue;
      }
      for (const p of svc.spec.ports ?? []) {
        const protocol = p.protocol ?? 'TCP';
        if (protocol !== 'TCP' && protocol !== 'UDP') continue; // SCTP: no real listener for it
        out.set(`${protocol}/${ingressIP}:${p.port}`, { service, ingressIP, address, port: p.port, protocol });
      }
    }
    return out;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    const wanted = this.wanted();
    for (const [key, l] of this.listeners) {
      const w = wanted.get(key);
      if (w !== undefined && w.service === l.service && w.ingressIP === l.ingressIP) continue;
      this.listeners.delete(key);
      await l.close();
      if (![...this.listeners.values()].some((o) => o.ingressIP === l.ingressIP)) this.paths.unroute(l.ingressIP);
      if (![...this.listeners.values()].some((o) => o.service === l.service)) this.rr.forget(l.service);
    }
    for (const [key, w] of wanted) {
      if (this.listeners.has(key)) continue;
      try {
        this.listeners.set(key, w.protocol === 'TCP' ? await this.listenTcp(w) : await this.listenUdp(w));
      } catch (err) {
        this.o.onError(new Error(`cannot listen on ${w.address}:${w.port}/${w.protocol} for LoadBalancer ${w.service} (${w.ingressIP}): ${(err as Error).message}`));
      }
    }
  }

  private async listenTcp(w: Wanted): Promise<Listener> {
    const l = await listenRealTcp(w.address, this.realPort(w), (real) => {
      const node = this.chooseNode(w.service);
      if (node === undefined) {
        this.refused++;
        real.resetAndDestroy();
        return;
      }
      this.paths.spliceTcp(real, node, w.ingressIP, w.port, this.o.onError);
    }, this.o.onError);
    return { ...w, realPort: l.port, close: l.close };
  }

  /** The Service's own port on the ingress IP's real address; a free one when the address is shared. */
  private realPort(w: Wanted): number {
    return this.o.sharedAddress === undefined ? w.port : 0;
  }

  private async listenUdp(w: Wanted): Promise<Listener> {
    const l = await listenRealUdp(w.address, this.realPort(w), {
      clock: this.o.clock,
      idleMs: this.o.udpIdleMs,
      onError: this.o.onError,
      open: (rinfo) => {
        // One node per client mapping, as a load balancer keeps a UDP flow on its backend.
        const node = this.chooseNode(w.service);
        if (node === undefined) {
          this.refused++;
          return undefined;
        }
        return this.paths.udpFlow(rinfo, node, w.ingressIP, w.port);
      },
      forward: (flow, payload) => flow.socket.send(w.ingressIP, w.port, payload),
    });
    return { ...w, realPort: l.port, close: l.close };
  }
}
