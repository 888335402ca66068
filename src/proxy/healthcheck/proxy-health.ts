/**
 * kube-proxy's own health (pkg/proxy/healthcheck ProxyHealthServer), served on port 10256
 * (--healthz-bind-address 0.0.0.0:10256). The proxier reports a queued update when a Service or
 * EndpointSlice change asks for a sync and an update when a sync succeeded; it is unhealthy once an
 * update has waited longer than healthTimeout (kube-proxy: 2 × syncPeriod). /healthz is also 503
 * while the node is being deleted or carries the cluster autoscaler's ToBeDeletedByClusterAutoscaler
 * taint ("nodeEligible": false); /livez looks at the proxier only. Pure: times come from the Clock.
 */
import type { Node } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';

export const PROXY_HEALTHZ_PORT = 10256;
export const TO_BE_DELETED_TAINT = 'ToBeDeletedByClusterAutoscaler';

export interface ProxyHealthResponse {
  status: 200 | 404 | 503;
  headers: Record<string, string>;
  body: string;
}

export class ProxyHealth {
  private lastUpdated: number | undefined;
  private oldestPendingQueued: number | undefined;
  private nodeEligible = true; // eligible while starting, until a node event says otherwise
  /** Clock reading at creation: Go prints a time's monotonic part as "m=+seconds since start". */
  private readonly startedAt: number;

  constructor(private readonly clock: Clock, private readonly healthTimeoutMs: number) {
    this.startedAt = clock.now();
  }

  /** The proxier got a change that needs a sync (kube-proxy: QueuedUpdate, only the oldest counts). */
  queuedUpdate(): void {
    this.oldestPendingQueued ??= this.clock.now();
  }

  /** A sync succeeded: the rules reflect everything queued so far (kube-proxy: Updated). */
  updated(): void {
    this.oldestPendingQueued = undefined;
    this.lastUpdated = this.clock.now();
  }

  /** Healthy while starting, when fully synced, or when the queued update is not late yet. */
  isHealthy(): boolean {
    if (this.lastUpdated === undefined || this.oldestPendingQueued === undefined) return true;
    return this.clock.now() - this.oldestPendingQueued < this.healthTimeoutMs;
  }

  /** From the node informer: a node being deleted or tainted for deletion is not eligible. */
  syncNode(node: Node): void {
    this.nodeEligible = !node.metadata.deletionTimestamp && !(node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT);
  }

  get eligible(): boolean {
    return this.nodeEligible;
  }

  /** The answer to GET `path` (kube-proxy's mux: /healthz and /livez, anything else Go's 404). */
  respond(path: string): ProxyHealthResponse {
    const route = path.split('?')[0];
    if (route !== '/healthz' && route !== '/livez') {
      return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: '404 page not found\n' };
    }
    const now = this.clock.now();
    const healthy = this.isHealthy() && (route === '/livez' || this.nodeEligible);
    // Healthy answers say "updated now", as kube-proxy does for compatibility with older releases.
    const lastUpdated = healthy ? now : (this.lastUpdated ?? this.startedAt);
    const times = `{"lastUpdated": ${JSON.stringify(this.goTime(lastUpdated))},"currentTime": ${JSON.stringify(this.goTime(now))}`;
    return {
      status: healthy ? 200 : 503,
      headers: { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' },
      body: route === '/healthz' ? `${times}, "nodeEligible": ${this.nodeEligible}}` : `${times}}`,
    };
  }

  /** Go's time.Time String() in UTC with its monotonic reading: "2006-01-02 15:04:05.999999999 +0000 UTC m=+1.5". */
  private goTime(ms: number): string {
    const iso = new Date(ms).toISOString(); // 2006-01-02T15:04:05.123Z
    const frac = iso.slice(20, 23).replace(/0+$/, '');
    const wall = `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ''} +0000 UTC`;
    const mono = (ms - this.startedAt) / 1000;
    return `${wall} m=+${mono.toFixed(9)}`;
  }
}
