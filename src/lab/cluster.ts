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
import { Kubelet } from '../node/kubelet.js';
import type { Node } from '../api/types.js';
import { bootstrapCluster } from './bootstrap.js';
import { ControlPlane } from './control-plane.js';
import { ExtensionApi } from './extension-api.js';
import type { ClusterConfig } from './config.js';

export interface ClusterStatus {
  ready: boolean;
  name: string;
  api: string;
  kubeconfig?: string;
  nodes: { name: string; internalIP: string; role: string; ready: boolean }[];
}

export class Cluster {
  readonly store = new MemoryStore();
  readonly service: ApiService;
  readonly client: InProcessClient;
  readonly server: ApiServer;
  readonly kubelets = new Map<string, Kubelet>();
  readonly controlPlane: ControlPlane;
  readonly extensions = new ExtensionApi();
  private started = false;

  constructor(
    readonly config: ClusterConfig,
    private readonly clock: Clock,
    private readonly progress?: Progress,
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
    });
    this.extensions
      .on('GET', '/status', async () => this.status())
      .on('POST', '/nodes/:name/stop', async ({ name }) => this.stopNode(name!))
      .on('POST', '/nodes/:name/start', async ({ name }) => this.startNode(name!));
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
    phase?.done('nodeipam, node lifecycle, namespace, garbage collector');

    phase = p?.phase('Nodes');
    for (const n of this.config.nodes) {
      const kubelet = new Kubelet(
        this.client,
        this.clock,
        { name: n.name, role: n.role, internalIP: n.address, labels: n.labels, taints: n.taints, zone: n.zone },
        {
          leaseDurationSeconds: this.config.timing.leaseDurationSeconds,
          leaseRenewIntervalMs: this.config.timing.leaseRenewInterval,
          nodeStatusReportFrequencyMs: this.config.timing.nodeStatusReportFrequency,
        },
        (err) => p?.warn(`kubelet ${n.name}: ${err.message}`),
      );
      this.kubelets.set(n.name, kubelet);
      await kubelet.start();
      phase?.update(`${this.kubelets.size}/${this.config.nodes.length} registered`);
    }
    phase?.done(`${this.config.nodes.length} registered`);

    phase = p?.phase('Manifests');
    await this.applyManifests((done, total) => phase?.update(`${done}/${total}`));
    phase?.done(`${this.config.manifests.length} created`);
  }

  async stop(): Promise<void> {
    for (const k of this.kubelets.values()) k.stop();
    await this.controlPlane.stop();
    await this.server.close();
  }

  /** Powers a simulated host off: its kubelet stops renewing its Lease and reporting status. */
  async stopNode(name: string): Promise<{ node: string; state: 'stopped' }> {
    this.kubeletOf(name).stop();
    return { node: name, state: 'stopped' };
  }

  /** Powers a simulated host on again: its kubelet re-registers and heartbeats. */
  async startNode(name: string): Promise<{ node: string; state: 'running' }> {
    await this.kubeletOf(name).start();
    return { node: name, state: 'running' };
  }

  private kubeletOf(name: string): Kubelet {
    const k = this.kubelets.get(name);
    if (!k) throw new ApiError('NotFound', `node "${name}" is not part of this topology (nodes: ${[...this.kubelets.keys()].join(', ')})`);
    return k;
  }

  apiUrl(): string {
    return this.server.url();
  }

  async status(kubeconfig?: string): Promise<ClusterStatus> {
    const nodes = await this.client.list<Node>('nodes');
    return {
      ready: true,
      name: this.config.name,
      api: this.apiUrl(),
      ...(kubeconfig ? { kubeconfig } : {}),
      nodes: this.config.nodes.map((n) => {
        const obj = nodes.items.find((o) => o.metadata.name === n.name);
        const ready = obj?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
        return { name: n.name, internalIP: n.address, role: n.role, ready };
      }),
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
