/**
 * NodePorts for real clients. Every simulated node has a real loopback address of this machine
 * (127.0.1.N by default); for every NodePort of every NodePort/LoadBalancer Service, kemu listens on
 * each node's real address, TCP or UDP as the port says. A real connection or datagram is carried
 * into the emulation as traffic from an outside client (see client-address.ts) leaving the node's
 * gateway toward the node's underlay address and NodePort — then kube-proxy's rules on the node
 * DNAT, masquerade and route it like any other packet, encapsulated as the CNI mode does. A
 * LoadBalancer Service's healthCheckNodePort (externalTrafficPolicy: Local) is carried the same way
 * (TCP) to the node's kube-proxy health server, so `curl 127.0.1.2:HCPORT` shows what a cloud load
 * balancer's probe of that node gets; and so is kube-proxy's own healthz port, 10256, on every node.
 * With `distinctPorts` (the default where only 127.0.0.1 can be bound) every node's address is the
 * same and each listener takes a free port instead: list() says which real port is which node's port.
 */
import type { Informer } from '../../api/client/informer.js';
import type { Service } from '../../api/types.js';
import type { UdpSocket } from '../../dataplane/stack/index.js';
import type { Clock } from '../../util/clock.js';
import { SerialPasses } from '../../util/serial-passes.js';
import { PROXY_HEALTHZ_PORT } from '../../proxy/healthcheck/proxy-health.js';
import type { LabNetwork } from '../network/index.js';
import { clientAddressFor, ensureClientAddress } from './client-address.js';
import { listenRealUdp } from './udp-relay.js';
import { listenRealTcp, spliceIntoEmulation } from './tcp-splice.js';

export interface EdgeNode {
  name: string;
  /** The node's underlay address (eth0). */
  internalIP: string;
  /** Its address on this machine, where real clients reach it. */
  realAddress: string;
}

export interface NodePortEdgeOptions {
  network: LabNetwork;
  nodes: readonly EdgeNode[];
  services: Informer<Service>;
  clock: Clock;
  /** How long a UDP client mapping lives without traffic (the conntrack UDP stream timeout). */
  udpIdleMs: number;
  /** Nodes share one real address: every listener binds a free port (see ListenerInfo.nodePort). */
  distinctPorts?: boolean;
  onError: (err: Error) => void;
}

export interface ListenerInfo {
  node: string;
  /** Where a real client connects: the node's real address and port. */
  address: string;
  port: number;
  /** The port on the node inside the emulation (the NodePort); `port` too unless distinctPorts. */
  nodePort: number;
  protocol: 'TCP' | 'UDP';
  /** A healthCheckNodePort (kube-proxy's health server answers), not a Service's NodePort. */
  healthCheck?: true;
  /** kube-proxy's own /healthz and /livez (port 10256), there on every node whatever the Services. */
  proxyHealthz?: true;
}

const HEALTHZ_KEY = `TCP/${PROXY_HEALTHZ_PORT}`;

interface Listener extends ListenerInfo {
  close(): Promise<void>;
}

/** The NodePorts a Service asks for: "TCP/30080" keys, its healthCheckNodePort included. */
export function nodePortsOf(svc: Service): string[] {
  const type = svc.spec.type;
  if (type !== 'NodePort' && type !== 'LoadBalancer') return [];
  const ports = (svc.spec.ports ?? []).filter((p) => p.nodePort).map((p) => `${p.protocol ?? 'TCP'}/${p.nodePort}`);
  const hc = healthCheckPortOf(svc);
  return hc === undefined ? ports : [...ports, `TCP/${hc}`];
}

/** spec.healthCheckNodePort where kube-proxy serves it (LoadBalancer, externalTrafficPolicy: Local). */
export function healthCheckPortOf(svc: Service): number | undefined {
  const local = svc.spec.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local';
  return local && svc.spec.healthCheckNodePort ? svc.spec.healthCheckNodePort : undefined;
}

export class NodePortEdge {
  private readonly listeners = new Map<string, Listener>();
  private readonly passes = new SerialPasses(() => this.sync(), (err) => this.opts.onError(err));
  private stopped = false;

  constructor(private readonly opts: NodePortEdgeOptions) {}

  async start(): Promise<void> {
    // Shared informers keep their handlers; a stopped edge's go quiet.
    const changed = (): void => (this.stopped ? undefined : this.reconcile());
    this.opts.services.addHandlers({ onAdd: changed, onUpdate: changed, onDelete: changed });
    await this.opts.services.waitForSync();
    this.reconcile();
    await this.passes.settled();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.passes.settled();
    await Promise.all([...this.listeners.values()].map((l) => l.close()));
    this.listeners.clear();
  }

  list(): ListenerInfo[] {
    return [...this.listeners.values()].map(({ node, address, port, nodePort, protocol, healthCheck, proxyHealthz }) =>
      ({ node, address, port, nodePort, protocol, ...(healthCheck ? { healthCheck } : {}), ...(proxyHealthz ? { proxyHealthz } : {}) }));
  }

  /** Opens what Services ask for and closes what they no longer do; serialized, level-triggered. */
  reconcile(): void {
    this.passes.request();
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    // kube-proxy's healthz port is always there (`curl NODE:10256/healthz`, as a cloud LB probes it).
    const wanted = new Set<string>([HEALTHZ_KEY]);
    const healthChecks = new Set<string>();
    for (const svc of this.opts.services.list()) {
      for (const p of nodePortsOf(svc)) wanted.add(p);
      const hc = healthCheckPortOf(svc);
      if (hc !== undefined) healthChecks.add(`TCP/${hc}`);
    }
    for (const [key, l] of this.listeners) {
      if (!wanted.has(`${l.protocol}/${l.nodePort}`)) {
        this.listeners.delete(key);
        await l.close();
      }
    }
    for (const p of wanted) {
      const [protocol, port] = p.split('/') as ['TCP' | 'UDP' | 'SCTP', string];
      if (protocol === 'SCTP') continue;
      for (const node of this.opts.nodes) {
        const key = `${node.name}|${p}`;
        const open = this.listeners.get(key);
        if (open !== undefined) {
          // The same port may change role (a freed NodePort reallocated as a health-check port).
          if (healthChecks.has(p)) open.healthCheck = true;
          else delete open.healthCheck;
          continue;
        }
        try {
          const l = protocol === 'TCP' ? await this.listenTcp(node, Number(port)) : await this.listenUdp(node, Number(port));
          if (healthChecks.has(p)) l.healthCheck = true;
          if (p === HEALTHZ_KEY) l.proxyHealthz = true;
          this.listeners.set(key, l);
        } catch (err) {
          this.opts.onError(new Error(`cannot listen on ${node.realAddress}:${port}/${protocol} for node ${node.name}: ${(err as Error).message}`));
        }
      }
    }
  }

  /** The real port standing for a node's port: itself, or a free one (0) with distinct ports. */
  private realPort(port: number): number {
    return this.opts.distinctPorts ? 0 : port;
  }

  private async listenTcp(node: EdgeNode, port: number): Promise<Listener> {
    // The splice stands in for a forwarder: what arrives leaves at once, in either direction (no Nagle).
    const target = { network: this.opts.network, node: node.name, ip: node.internalIP, port, noDelay: true };
    const l = await listenRealTcp(node.realAddress, this.realPort(port), (real) => void spliceIntoEmulation(real, target, this.opts.onError), this.opts.onError);
    return { node: node.name, address: node.realAddress, port: l.port, nodePort: port, protocol: 'TCP', close: l.close };
  }

  private async listenUdp(node: EdgeNode, port: number): Promise<Listener> {
    const edge = this.opts.network.edgeOf(node.name).ns;
    const l = await listenRealUdp(node.realAddress, this.realPort(port), {
      clock: this.opts.clock,
      idleMs: this.opts.udpIdleMs,
      onError: this.opts.onError,
      open: (rinfo) => {
        const client = clientAddressFor(rinfo.address);
        ensureClientAddress(edge, client);
        let socket: UdpSocket;
        try {
          socket = edge.udp.bind(rinfo.port, client);
        } catch {
          socket = edge.udp.bind(0, client); // that client port is taken by another real peer
        }
        return { socket, close: () => socket.close() };
      },
      forward: (flow, payload) => flow.socket.send(node.internalIP, port, payload),
    });
    return { node: node.name, address: node.realAddress, port: l.port, nodePort: port, protocol: 'UDP', close: l.close };
  }

}
