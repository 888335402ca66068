/**
 * flannel's host-gw backend: no tunnel, one route per remote node, `SUBNET via NODE_IP dev eth0`.
 * It only works when every node is on one L2 segment: Linux refuses a gateway that is not on a
 * connected subnet (ENETUNREACH), and so does kemu's routing table. flanneld just logs that; here
 * the refusal is also a reported problem (an Event and NetworkUnavailable on the node) and is
 * retried on every check, so a route appears as soon as the gateway becomes reachable.
 * Pods keep the underlay MTU: there is no encapsulation.
 */
import type { Backend, BackendContext, Lease, Network, NetworkConfig, SubnetEvent } from '../backend.js';
import { leaseInfo } from './lease-info.js';
import { type RouteWant, deleteRoute, describeRoute, ensureRoute, netlinkError } from './routes.js';
import { type LeaseHandler, runLeaseLoop } from './run-loop.js';

export const HOST_GW = 'host-gw';

export class HostGwBackend implements Backend {
  readonly type = HOST_GW;

  async registerNetwork(ctx: BackendContext, _config: NetworkConfig): Promise<Network> {
    // No backend data: Go marshals a nil RawMessage as "null", which is what the annotation carries.
    const lease = await ctx.subnetManager.acquireLease({ publicIP: ctx.ext.extAddr, backendType: HOST_GW, backendData: 'null' });
    return new HostGwNetwork(ctx, lease);
  }
}

class HostGwNetwork implements Network, LeaseHandler {
  readonly backendType = HOST_GW;
  /** Wanted routes by remote subnet (flannel's route list, which routeCheck re-installs), with their node. */
  private readonly routes = new Map<string, { want: RouteWant; node: string | undefined }>();

  constructor(private readonly ctx: BackendContext, readonly lease: Lease) {}

  get mtu(): number {
    return this.ctx.ext.dev.mtu;
  }

  run(signal: AbortSignal): Promise<void> {
    return runLeaseLoop(this.ctx, this.lease, this, signal);
  }

  handleSubnetEvents(events: SubnetEvent[]): void {
    for (const { type, lease } of events) {
      if (lease.attrs.backendType !== HOST_GW) {
        this.ctx.log(`Ignoring non-host-gw subnet: type=${lease.attrs.backendType}`);
        continue;
      }
      const want = this.routeFor(lease);
      if (want === undefined) continue;
      if (type === 'added') {
        this.ctx.log(`Subnet added: ${lease.subnet} via ${lease.attrs.publicIP}`);
        this.routes.set(want.dst.text, { want, node: lease.node });
        this.install(want, lease.node, false);
      } else {
        this.ctx.log(`Subnet removed: ${lease.subnet}`);
        this.routes.delete(want.dst.text);
        deleteRoute(this.ctx.ns, want);
        this.ctx.problems.clear(problemKey(want));
      }
    }
  }

  check(): void {
    for (const { want, node } of this.routes.values()) this.install(want, node, true);
  }

  private install(want: RouteWant, node: string | undefined, recovering: boolean): void {
    try {
      if (ensureRoute(this.ctx.ns, want) === 'installed' && recovering) this.ctx.log(`Route recovered ${describeRoute(want)}`);
      this.ctx.problems.clear(problemKey(want));
    } catch (err) {
      const who = node === undefined ? '' : ` (node ${node})`;
      this.ctx.problems.set(problemKey(want), `Error adding route to ${describeRoute(want)}${who}: ${netlinkError(err)}`);
    }
  }

  private routeFor(lease: Lease): RouteWant | undefined {
    const info = leaseInfo(lease);
    return info && { dst: info.subnet, via: info.publicIP, dev: this.ctx.ext.dev.name, onlink: false };
  }
}

function problemKey(want: RouteWant): string {
  return `route ${want.dst.text}`;
}
