/**
 * A running cluster in one process: store, API service and server, the system objects, one host
 * agent per node, and the topology's manifests. Start and stop are the only entry points.
 */
import { MemoryStore } from '../api/store/memory.js';
import { ApiService } from '../api/service/service.js';
import { ApiServer } from '../api/server/http.js';
import { InProcessClient } from '../api/client/inprocess.js';
import { resourceForKind } from '../api/resources.js';
import { ApiError } from '../api/errors.js';
import type { Clock } from '../util/clock.js';
import { KemuError } from '../util/errors.js';
import type { Progress } from '../util/progress.js';
import { HostAgent } from './host-agent.js';
import { InMemoryRuntime } from '../node/runtime.js';
import { isNodeReady } from '../api/conditions.js';
import { NodeProxy, type ProxyMode } from './node-proxy.js';
import { type ListenerInfo, NodePortEdge } from './edge/node-ports.js';
import { BgpEdge, DEFAULT_BGP_EDGE_PORT } from './edge/bgp-edge.js';
import { SHARED_REAL_ADDRESS } from './from-topology.js';
import { type LoadBalancerInfo, LoadBalancerEdge } from './edge/load-balancers.js';
import { type ClusterCni, type NodeCni, createCniDaemons } from './cni.js';
import { registerShowApi } from './show.js';
import { NetworkedRuntime } from './networked-runtime.js';
import { ClusterDns } from '../dns/cluster-dns.js';
import type { DnsServerAddress } from '../dns/server.js';
import { evaluateReadiness, describeReadiness, type Readiness } from './readiness.js';
import type { EndpointSlice, Pod, Service } from '../api/types.js';
import type { Node } from '../api/types.js';
import { bootstrapCluster, bootstrapClusterDns, clusterDnsServiceIP } from './bootstrap.js';
import { COREDNS_IMAGE, coreDnsStarter } from './dns/coredns-workload.js';
import { resolveInNamespace } from './dns/stub-resolver.js';
import { clusterFirstResolvConf, podResolvConf } from '../node/resolv-conf.js';
import { ControlPlane } from './control-plane.js';
import { ExtensionApi } from './extension-api.js';
import type { ClusterConfig } from './config.js';
import { LabNetwork, registerNetworkApi } from './network/index.js'; // packet plane

export interface ClusterStatus {
  ready: boolean;
  name: string;
  api: string;
  kubeconfig?: string;
  /** bgp: the node's real BGP listener (calico), where gobgpd and other real daemons peer. */
  nodes: { name: string; internalIP: string; address: string; role: string; ready: boolean; podCIDR: string | null; bgp?: { address: string; port: number } }[];
  /** Real listeners on each node's address: NodePorts, health-check NodePorts (healthCheck), kube-proxy's healthz (proxyHealthz). */
  nodePorts: ListenerInfo[];
  /** Real listeners standing for LoadBalancer ingress IPs (one address per ingress IP). */
  loadBalancers: LoadBalancerInfo[];
  /** The cluster DNS server's listener (UDP and TCP on the same port). */
  dns?: { address: string; port: number };
}

export interface ClusterOptions {
  /** How long `start()` waits for readiness before reporting what is missing and going on (60 s). */
  readyTimeoutMs?: number;
  /**
   * 'full' (default): CNI agents, kube-proxy and emulated workloads in pod namespaces on every host.
   * 'control-plane': kubelets run pods in an in-memory runtime (Ready after a short start delay, no
   * network namespace) and no node daemons run — what the control-plane benchmark measures, since
   * 1,000 hosts' data planes (routes, rules, 30,000 programs) are not the controllers' cost.
   */
  dataPlane?: 'full' | 'control-plane';
}

export class Cluster {
  readonly store = new MemoryStore();
  readonly service: ApiService;
  readonly client: InProcessClient;
  readonly server: ApiServer;
  readonly hosts = new Map<string, HostAgent>();
  readonly controlPlane: ControlPlane;
  readonly extensions = new ExtensionApi();
  /** The cluster DNS server's real listener on 127.0.0.1, for dig and other tools on this machine. */
  dns: ClusterDns | undefined;
  private dnsAddress: DnsServerAddress | undefined;
  /** The packet plane: hosts, routers and pods on the underlay (src/lab/network). */
  readonly network: LabNetwork;
  /** The kube-dns Service's ClusterIP: the tenth address of the service range (10.96.0.10). */
  get clusterDNS(): string {
    return clusterDnsServiceIP(this.service.addressing.clusterIPs.firstAddress());
  }

  /** The CNI agent of each node (flanneld), when the topology's plugin is built. */
  cni = new Map<string, NodeCni>();
  private cniRouters: ClusterCni['routers'] = [];
  /** Real NodePort listeners on the nodes' addresses of this machine. */
  edge: NodePortEdge | undefined;
  /** Real BGP listeners on the nodes' addresses (calico only), spliced to NODE_IP:179. */
  bgpEdge: BgpEdge | undefined;
  /** Real listeners for LoadBalancer ingress IPs, carried to a node as a cloud load balancer would. */
  lbEdge: LoadBalancerEdge | undefined;
  private started = false;

  constructor(
    readonly config: ClusterConfig,
    private readonly clock: Clock,
    private readonly progress?: Progress,
    private readonly opts: ClusterOptions = {},
  ) {
    this.service = new ApiService({
      store: this.store,
      clock,
      serviceSubnet: config.serviceSubnet,
      loadBalancerPool: config.loadBalancerPool,
    });
    this.client = new InProcessClient(this.service);
    this.server = new ApiServer({
      service: this.service,
      clock,
      host: config.apiHost,
      port: config.apiPort,
      log: (line) => this.progress?.warn(line),
      extensions: [this.extensions.handle],
      websocketExtensions: [this.extensions.handleWebSocket],
    });
    this.extensions
      .on('GET', '/status', async () => this.status())
      .on('POST', '/nodes/:name/stop', async ({ name }) => this.stopNode(name!))
      .on('POST', '/nodes/:name/start', async ({ name }) => this.startNode(name!));
    this.network = LabNetwork.fromTopology(config.topology, { clock });
    // kemu curl resolves names as a pod of the source's namespace would (ClusterFirst).
    registerNetworkApi(this.extensions, this.network, (ns, host) => {
      const podNamespace = ns.name.includes('/') ? ns.name.split('/')[0]! : 'default';
      const conf = clusterFirstResolvConf(podNamespace, { clusterDNS: this.clusterDNS, clusterDomain: this.config.dnsDomain });
      return resolveInNamespace(ns, conf, host);
    }); // POST /ping, /trace, /capture, /curl
    registerShowApi(this.extensions, this.network, (node) => this.cni.get(node), (node) => this.proxyOf(node)); // POST /show
    this.controlPlane = new ControlPlane(this.client, clock, config, (component, err) =>
      this.progress?.warn(`${component}: ${err.message}`),
    );
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const p = this.progress;
    let phase = p?.phase('API server');
    const url = await this.server.listen();
    const controlPlane = this.config.nodes.find((n) => n.role === 'control-plane') ?? this.config.nodes[0];
    await bootstrapCluster(this.client, {
      kubernetesServiceIP: this.service.addressing.clusterIPs.firstAddress(),
      controlPlaneAddress: controlPlane?.address ?? '127.0.0.1',
    });
    phase?.done(url);

    phase = p?.phase('Controllers');
    await this.controlPlane.start();
    phase?.done('scheduler, nodeipam, node lifecycle, workloads, endpoints, namespace, gc');

    phase = p?.phase('Packet plane');
    await this.network.start();
    phase?.done(`${this.network.nodes.size} hosts, ${this.network.routers.size} routers, ${this.network.segments.size} underlay segments`);

    phase = p?.phase('Cluster DNS');
    this.dns = new ClusterDns({
      factory: this.controlPlane.factory,
      clock: this.clock,
      dnsDomain: this.config.dnsDomain,
      dns: this.config.topology.dns,
      address: '127.0.0.1',
      port: 0,
      onError: (err) => p?.warn(`dns: ${err.message}`),
    });
    this.dnsAddress = await this.dns.start();
    await bootstrapClusterDns(this.client, { serviceIP: this.clusterDNS, corefile: this.dns.corefile, image: COREDNS_IMAGE });
    phase?.done(`${this.dnsAddress.address}:${this.dnsAddress.udpPort} (UDP and TCP)`);

    phase = p?.phase('Nodes');
    const full = this.opts.dataPlane !== 'control-plane';
    const cni: ClusterCni = !full ? { daemons: new Map(), routers: [] } : createCniDaemons({
      topology: this.config.topology,
      network: this.network,
      client: this.client,
      factory: this.controlPlane.factory,
      clock: this.clock,
      speed: this.config.timing.speed,
      log: (line) => p?.warn(line),
    });
    this.cni = cni.daemons;
    this.cniRouters = cni.routers;
    for (const r of cni.routers) await r.start();
    const runtime = !full ? new InMemoryRuntime({ clock: this.clock, startDelayMs: 100 / this.config.timing.speed }) : new NetworkedRuntime({
      network: this.network,
      client: this.client,
      clock: this.clock,
      nodeCIDRMaskSize: this.config.nodeCIDRMaskSize,
      apiSecondMs: 1000 / this.config.timing.speed,
      cniOf: (node) => cni.daemons.get(node),
      resolverFor: (pod, ns) => {
        const conf = podResolvConf(pod, { clusterDNS: this.clusterDNS, clusterDomain: this.config.dnsDomain });
        return (host) => resolveInNamespace(ns, conf, host);
      },
      programs: coreDnsStarter(() => this.dns),
    });
    for (const n of this.config.nodes) {
      const host = new HostAgent(
        this.client,
        this.clock,
        { name: n.name, role: n.role, internalIP: n.address, labels: n.labels, taints: n.taints, zone: n.zone },
        {
          leaseDurationSeconds: this.config.timing.leaseDurationSeconds,
          leaseRenewIntervalMs: this.config.timing.leaseRenewInterval,
          nodeStatusReportFrequencyMs: this.config.timing.nodeStatusReportFrequency,
        },
        runtime,
        (err) => p?.warn(`kubelet ${n.name}: ${err.message}`),
        cni.daemons.get(n.name)?.ipam,
      );
      const cniDaemon = cni.daemons.get(n.name);
      if (cniDaemon) host.daemons.push(cniDaemon);
      if (full) host.daemons.push(this.nodeProxy(n.name, n.address));
      this.hosts.set(n.name, host);
      await host.powerOn();
      phase?.update(`${this.hosts.size}/${this.config.nodes.length} registered`);
    }
    phase?.done(`${this.config.nodes.length} registered`);

    phase = p?.phase('Node ports');
    const edgeNodes = this.config.nodes.map((n) => ({ name: n.name, internalIP: n.address, realAddress: n.realAddress }));
    this.edge = new NodePortEdge({
      network: this.network,
      nodes: edgeNodes,
      services: this.controlPlane.factory.informer<Service>('services'),
      clock: this.clock,
      udpIdleMs: this.config.timing.conntrackUDPTimeout,
      distinctPorts: this.config.distinctPorts,
      onError: (err) => p?.warn(`node ports: ${err.message}`),
    });
    await this.edge.start();
    if (full) {
      this.lbEdge = new LoadBalancerEdge({
        network: this.network,
        nodes: edgeNodes,
        services: this.controlPlane.factory.informer<Service>('services'),
        nodeObjects: this.controlPlane.factory.informer<Node>('nodes'),
        pool: this.config.loadBalancerPool,
        addressBase: this.config.lbAddressBase,
        ...(this.config.distinctPorts ? { sharedAddress: SHARED_REAL_ADDRESS } : {}),
        clock: this.clock,
        udpIdleMs: this.config.timing.conntrackUDPTimeout,
        probe: (node, svc) => this.proxyOf(node)?.serviceHealth(svc)?.status,
        onError: (err) => p?.warn(`load balancers: ${err.message}`),
      });
      await this.lbEdge.start();
    }
    if (this.config.topology.networking.cni.plugin === 'calico' && full) {
      this.bgpEdge = new BgpEdge({ network: this.network, nodes: edgeNodes, port: this.config.bgpPort ?? DEFAULT_BGP_EDGE_PORT, onError: (err) => p?.warn(`bgp edge: ${err.message}`) });
      await this.bgpEdge.start();
    }
    phase?.done(this.config.distinctPorts
      ? `nodes at ${SHARED_REAL_ADDRESS}, a port of its own for each node's port (status: nodePorts)`
      : `nodes at ${this.config.nodes[0]?.realAddress ?? '-'}${this.config.nodes.length > 1 ? ` … ${this.config.nodes.at(-1)!.realAddress}` : ''}`);

    phase = p?.phase('Manifests');
    await this.applyManifests((done, total) => phase?.update(`${done}/${total}`));
    phase?.done(`${this.config.manifests.length} created`);

    phase = p?.phase('Cluster ready');
    const r = await this.waitReady(this.opts.readyTimeoutMs ?? 60_000, (x) => phase?.update(describeReadiness(x)));
    this.lastReadiness = r;
    if (r.ready) phase?.done(describeReadiness(r));
    else phase?.fail(`${describeReadiness(r)}; still waiting for: ${r.waitingFor.join('; ')}`);
    // What a CNI agent could not program (host-gw across a router, a node without podCIDR) is the
    // first thing a user must know: traffic that needs it will fail.
    for (const d of this.cni.values()) {
      const problem = d.lastError();
      if (problem !== undefined) p?.warn(problem);
    }
  }

  lastReadiness: Readiness | undefined;

  async stop(): Promise<void> {
    await this.edge?.stop();
    await this.lbEdge?.stop();
    await this.bgpEdge?.stop();
    for (const h of this.hosts.values()) await h.powerOff();
    for (const r of this.cniRouters) await r.stop();
    await this.dns?.stop();
    await this.controlPlane.stop();
    await this.network.stop();
    await this.server.close();
  }

  /** Powers a simulated host off: its kubelet stops renewing its Lease and reporting status. */
  async stopNode(name: string): Promise<{ node: string; state: 'stopped' }> {
    const host = this.hostOf(name);
    // A power cut: the wire goes dead first, so peers learn of it the hard way (BGP hold timer,
    // TCP retransmissions), not from a clean NOTIFICATION or FIN sent on the way down.
    this.network.setNodeLinkDown(name, true);
    await host.powerOff();
    return { node: name, state: 'stopped' };
  }

  /** Powers a simulated host on again: its kubelet re-registers and heartbeats. */
  async startNode(name: string): Promise<{ node: string; state: 'running' }> {
    this.network.setNodeLinkDown(name, false);
    await this.hostOf(name).powerOn();
    return { node: name, state: 'running' };
  }

  private nodeProxy(name: string, address: string): NodeProxy {
    const node = this.network.nodes.get(name);
    if (node === undefined) throw new KemuError('ERR_TOPOLOGY', `node ${name} has no host on the packet plane`);
    return new NodeProxy({
      nodeName: name,
      nodeIP: address,
      clusterCIDR: this.config.podSubnet,
      mode: this.config.kubeProxyMode as ProxyMode,
      ns: node.ns,
      netfilter: node.netfilter,
      factory: this.controlPlane.factory,
      clock: this.clock,
      minSyncPeriodMs: this.config.timing.kubeProxyMinSyncPeriod,
      syncPeriodMs: this.config.timing.kubeProxySyncPeriod,
      onError: (err) => this.progress?.warn(`kube-proxy ${name}: ${err.message}`),
    });
  }

  /** The kube-proxy of a node, when it runs one. */
  proxyOf(name: string): NodeProxy | undefined {
    return this.hosts.get(name)?.daemons.find((d): d is NodeProxy => d instanceof NodeProxy);
  }

  private hostOf(name: string): HostAgent {
    const h = this.hosts.get(name);
    if (!h) throw new ApiError('NotFound', `node "${name}" is not part of this topology (nodes: ${[...this.hosts.keys()].join(', ')})`);
    return h;
  }

  /** What is still missing before the cluster counts as up (see readiness.ts). */
  async readiness(): Promise<Readiness> {
    const [nodes, pods, services, slices, ...workloads] = await Promise.all([
      this.client.list<Node>('nodes'),
      this.client.list<Pod>('pods'),
      this.client.list<Service>('services'),
      this.client.list<EndpointSlice>('endpointslices'),
      this.client.list('deployments'),
      this.client.list('statefulsets'),
      this.client.list('daemonsets'),
    ]);
    return evaluateReadiness(
      this.config.nodes.map((n) => n.name),
      nodes.items,
      pods.items,
      services.items,
      slices.items,
      workloads.flatMap((list) => list.items.map((object) => ({ kind: object.kind, object }))),
    );
  }

  /** Waits until ready or `timeoutMs` passes; returns the last readiness either way. */
  async waitReady(timeoutMs: number, onProgress?: (r: Readiness) => void): Promise<Readiness> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.readiness();
      onProgress?.(r);
      // Endpoints published is not yet traffic flowing: every kube-proxy must also have synced
      // after that point (one sync is at most its min sync period away).
      if (r.ready) await this.waitProxiesSynced(this.clock.now(), deadline);
      if (r.ready || Date.now() >= deadline) return r;
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 50));
    }
  }

  private async waitProxiesSynced(since: number, deadline: number): Promise<void> {
    const proxies = [...this.hosts.keys()].map((n) => this.proxyOf(n)).filter((x): x is NodeProxy => x !== undefined);
    while (Date.now() < deadline && proxies.some((px) => (px.lastSync?.at ?? -Infinity) < since)) {
      for (const px of proxies) px.syncNow();
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 20));
    }
  }

  /** Where a real client reaches NODE's port (a NodePort): the node's real address and the real port. */
  realEndpoint(node: string, nodePort: number, protocol: 'TCP' | 'UDP' = 'TCP'): { address: string; port: number } | undefined {
    const l = this.edge?.list().find((x) => x.node === node && x.nodePort === nodePort && x.protocol === protocol);
    return l === undefined ? undefined : { address: l.address, port: l.port };
  }

  apiUrl(): string {
    return this.server.url();
  }

  async status(kubeconfig?: string): Promise<ClusterStatus> {
    const nodes = await this.client.list<Node>('nodes');
    const readiness = await this.readiness();
    return {
      ready: readiness.ready,
      name: this.config.name,
      ...(this.dnsAddress ? { dns: { address: this.dnsAddress.address, port: this.dnsAddress.udpPort } } : {}),
      api: this.apiUrl(),
      ...(kubeconfig ? { kubeconfig } : {}),
      nodes: this.config.nodes.map((n) => {
        const obj = nodes.items.find((o) => o.metadata.name === n.name);
        const ready = obj !== undefined && isNodeReady(obj);
        const bgp = this.bgpEdge?.list().find((l) => l.node === n.name);
        return { name: n.name, internalIP: n.address, address: n.realAddress, role: n.role, ready, podCIDR: obj?.spec.podCIDR ?? null, ...(bgp ? { bgp: { address: bgp.address, port: bgp.port } } : {}) };
      }),
      nodePorts: this.edge?.list() ?? [],
      loadBalancers: this.lbEdge?.list() ?? [],
    };
  }

  /** Creates the manifests, namespaces first, the rest in file order (as `kubectl apply -f` would). */
  private async applyManifests(onProgress: (done: number, total: number) => void): Promise<void> {
    const ordered = [
      ...this.config.manifests.filter((m) => m.object.kind === 'Namespace'),
      ...this.config.manifests.filter((m) => m.object.kind !== 'Namespace'),
    ];
    let done = 0;
    for (const m of ordered) {
      const r = resourceForKind(m.object.apiVersion, m.object.kind);
      if (!r) throw new KemuError('ERR_MANIFEST', `${m.origin}: kind ${m.object.kind} is not served by kemu`);
      try {
        await this.client.create(r.plural, m.object);
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'AlreadyExists' && m.object.kind === 'Namespace') continue;
        throw new KemuError('ERR_MANIFEST', `${m.origin}: ${(err as Error).message}`, { cause: err });
      }
      onProgress(++done, ordered.length);
    }
  }
}
