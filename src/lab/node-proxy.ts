/**
 * kube-proxy on one simulated host: an IptablesProxier fed by the cluster's shared Service and
 * EndpointSlice informers, loading its rules into the host's own Netfilter (the packet plane runs
 * them on every packet that crosses the host). Started when the host powers on, stopped when it
 * powers off; a new start begins with a full sync (every chain rewritten), as a booting kube-proxy
 * does, so rules that went stale while the host was off are replaced.
 */
import type { InformerFactory } from '../api/client/factory.js';
import { type Netfilter, save } from '../dataplane/netfilter/index.js';
import { IptablesProxier, type ProxyConfigHandle, runProxyConfig } from '../proxy/index.js';
import type { Clock } from '../util/clock.js';

export type ProxyMode = 'iptables' | 'ipvs' | 'userspace';

export interface NodeProxyOptions {
  nodeName: string;
  /** The node's underlay address (primary node IP). */
  nodeIP: string;
  /** --cluster-cidr: the pod network (podSubnet). */
  clusterCIDR: string;
  netfilter: Netfilter;
  factory: InformerFactory;
  clock: Clock;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  onError: (err: Error) => void;
}

export class NodeProxy {
  readonly name = 'kube-proxy';
  /** The mode that runs: only iptables is built (see docs/kube-proxy.md). */
  readonly mode: ProxyMode = 'iptables';
  private proxier: IptablesProxier | undefined;
  private handle: ProxyConfigHandle | undefined;

  constructor(private readonly opts: NodeProxyOptions) {}

  /** Resolves once both informers synced; the first full sync follows on the runner's next tick. */
  async start(): Promise<void> {
    if (this.proxier !== undefined) return;
    const o = this.opts;
    this.proxier = new IptablesProxier({
      nodeName: o.nodeName,
      nodeIPs: [o.nodeIP],
      clusterCIDR: o.clusterCIDR,
      ruleset: o.netfilter.ruleset,
      clock: o.clock,
      minSyncPeriodMs: o.minSyncPeriodMs,
      syncPeriodMs: o.syncPeriodMs,
      onError: (err) => o.onError(err instanceof Error ? err : new Error(String(err))),
    });
    this.handle = runProxyConfig(this.proxier, o.factory);
    await this.handle.synced;
  }

  stop(): void {
    this.handle?.stop();
    this.handle = undefined;
    this.proxier = undefined;
  }

  /** Whether the first sync has loaded rules (the host then proxies Services). */
  get synced(): boolean {
    return this.proxier?.lastSync !== undefined;
  }

  /** Asks for a sync (the runner still honours the min sync period). */
  syncNow(): void {
    this.proxier?.sync();
  }

  /** `iptables-save -t nat` of this host. */
  dumpNat(): string {
    return save(this.opts.netfilter.ruleset, { tables: ['nat'] });
  }

  get lastSync(): IptablesProxier['lastSync'] {
    return this.proxier?.lastSync;
  }
}
