/**
 * Route operations as flanneld issues them over netlink, made idempotent: a route already as wanted
 * is left alone (no table version bump, so route caches stay warm), a different one for the same
 * prefix is replaced, and a delete only removes the route flannel would have installed.
 */
import type { NetNamespace, Route } from '../../dataplane/stack/index.js';
import { formatIpv4 } from '../../net/index.js';
import { isKemuError } from '../../util/errors.js';
import type { Ip4Net } from './cidr.js';

export interface RouteWant {
  dst: Ip4Net;
  via: number;
  dev: string;
  onlink: boolean;
}

function matches(r: Route, want: RouteWant): boolean {
  return r.type === 'unicast' && r.via === want.via && r.dev?.name === want.dev && r.onlink === want.onlink;
}

/** The route flannel installed for this prefix (metric 0), if any. */
export function installedRoute(ns: NetNamespace, dst: Ip4Net): Route | undefined {
  return ns.routes.exact(dst.network, dst.prefixLength).find((r) => r.metric === 0);
}

/** `ip route replace`, skipped when the route is in place. Throws the table's KemuError. */
export function ensureRoute(ns: NetNamespace, want: RouteWant): 'unchanged' | 'installed' {
  const have = installedRoute(ns, want.dst);
  if (have !== undefined && matches(have, want)) return 'unchanged';
  ns.routes.replace({ dst: want.dst.text, via: want.via, dev: want.dev, onlink: want.onlink });
  return 'installed';
}

/** `ip route del` of exactly this route; false when it was not there. */
export function deleteRoute(ns: NetNamespace, want: RouteWant): boolean {
  const have = installedRoute(ns, want.dst);
  if (have === undefined || !matches(have, want)) return false;
  ns.routes.delete({ dst: want.dst.text, via: want.via, dev: want.dev });
  return true;
}

/** `ip route` text of a wanted route, for messages. */
export function describeRoute(want: RouteWant): string {
  return `${want.dst.text} via ${formatIpv4(want.via)} dev ${want.dev}${want.onlink ? ' onlink' : ''}`;
}

/**
 * What netlink answers for a route the table refused, as flanneld logs it: a gateway off every
 * connected subnet is ENETUNREACH ("network is unreachable"), whatever iproute2 would print.
 */
export function netlinkError(err: unknown): string {
  if (isKemuError(err, 'ERR_GATEWAY_NOT_ON_LINK')) return 'network is unreachable';
  if (isKemuError(err, 'ERR_NO_SUCH_DEVICE')) return 'no such device';
  return err instanceof Error ? err.message : String(err);
}
