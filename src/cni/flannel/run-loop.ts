/**
 * What every flannel Network's Run does: follow the subnet events of the other nodes, and every
 * resync period compare again — the leases with the API cache, the host's kernel state with the
 * leases (flannel's routeCheck) — so drift is repaired whatever removed it. One timer per network.
 */
import type { BackendContext, Lease, SubnetEvent } from '../backend.js';

export interface LeaseHandler {
  handleSubnetEvents(events: SubnetEvent[]): void;
  /** Re-creates whatever is missing or wrong for the leases handled so far. */
  check(): void;
  /** Run is over: releases what dies with flanneld (the udp backend's TUN and socket). */
  close?(): void;
}

export function runLeaseLoop(ctx: BackendContext, own: Lease, handler: LeaseHandler, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      handler.close?.();
      return resolve();
    }
    ctx.log('watching for new subnet leases');
    const watch = ctx.subnetManager.watchLeases(own, (events) => handler.handleSubnetEvents(events));
    const timer = ctx.clock.setInterval(() => {
      try {
        watch.resync();
        handler.check();
      } catch (err) {
        ctx.log(`resync failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, ctx.resyncPeriodMs);
    signal.addEventListener('abort', () => {
      timer.cancel();
      watch.close();
      handler.close?.();
      resolve();
    }, { once: true });
  });
}
