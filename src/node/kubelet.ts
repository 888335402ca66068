/**
 * The node agent's control-plane side: registers its Node, renews its Lease in kube-node-lease
 * (every leaseRenewInterval, default 10 s) and refreshes NodeStatus (every
 * nodeStatusReportFrequency, default 5 min), and re-registers a Node that was deleted.
 * Pod lifecycle arrives with the control-plane issue.
 */
import type { ApiClient, Watch } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import type { Lease, Node } from '../api/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { rfc3339, rfc3339Micro } from '../util/time.js';
import { buildNode, healthyConditions, type NodeSpecInput } from './registration.js';

export interface KubeletTiming {
  leaseDurationSeconds: number;
  leaseRenewIntervalMs: number;
  nodeStatusReportFrequencyMs: number;
}

export class Kubelet {
  private timers: TimerHandle[] = [];
  private nodeWatch: Watch | undefined;
  private running = false;
  private readySince = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    readonly spec: NodeSpecInput,
    private readonly timing: KubeletTiming,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.readySince = this.clock.now();
    await this.register();
    await this.renewLease();
    this.timers.push(this.clock.setInterval(() => void this.renewLease().catch(this.onError), this.timing.leaseRenewIntervalMs));
    this.timers.push(this.clock.setInterval(() => void this.reportStatus().catch(this.onError), this.timing.nodeStatusReportFrequencyMs));
    this.watchOwnNode();
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.nodeWatch?.stop();
    this.nodeWatch = undefined;
  }

  isRunning(): boolean {
    return this.running;
  }

  /** --register-node: create the Node, or take over an existing one (kubelet restart). */
  private async register(): Promise<void> {
    const node = buildNode(this.spec, this.clock.now());
    try {
      await this.client.create('nodes', node);
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
      await this.reportStatus();
    }
  }

  private async renewLease(): Promise<void> {
    if (!this.running) return;
    const now = rfc3339Micro(this.clock.now());
    const name = this.spec.name;
    try {
      const lease = await this.client.get<Lease>('leases', 'kube-node-lease', name);
      await this.client.update('leases', { ...lease, spec: { ...lease.spec, holderIdentity: name, renewTime: now } });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
      await this.client.create<Lease>('leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: 'kube-node-lease' },
        spec: { holderIdentity: name, leaseDurationSeconds: this.timing.leaseDurationSeconds, renewTime: now },
      });
    }
  }

  private async reportStatus(): Promise<void> {
    if (!this.running) return;
    const current = await this.client.get<Node>('nodes', undefined, this.spec.name);
    const fresh = buildNode(this.spec, this.clock.now());
    // The kubelet owns Ready and the pressure conditions; others (NetworkUnavailable, set by the CNI)
    // are kept as they are, as the real kubelet's status update does.
    const own = healthyConditions(this.clock.now(), this.readySince);
    const ownTypes = new Set(own.map((c) => c.type));
    const others = (current.status?.conditions ?? []).filter((c) => !ownTypes.has(c.type));
    const status = { ...current.status, ...fresh.status, conditions: [...own, ...others] };
    await this.client.update('nodes', { ...current, status }, 'status');
  }

  /** A deleted Node is registered again by its kubelet, as the real kubelet does. */
  private watchOwnNode(): void {
    this.nodeWatch = this.client.watch<Node>(
      'nodes',
      { fieldSelector: `metadata.name=${this.spec.name}` },
      {
        onEvent: (ev) => {
          if (ev.type === 'DELETED' && this.running) {
            this.clock.setTimeout(() => void this.register().catch(this.onError), 0);
          }
        },
        onClose: () => {
          if (this.running) this.clock.setTimeout(() => this.running && this.watchOwnNode(), 1000);
        },
      },
    );
  }
}

export { rfc3339 };
