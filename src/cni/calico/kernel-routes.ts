/**
 * The routes calico puts in a node's main table, as wanted values and an idempotent programmer.
 *
 * BIRD (bgp, ipip): its static protocol blackholes the node's own blocks (`blackhole BLOCK proto
 * bird`), and its kernel protocol installs the best BGP route of every other block or borrowed /32:
 *   bgp:   `BLOCK via NH dev eth0 proto bird` — NH resolved recursively (calico's `gateway
 *          recursive`): a next hop off every connected subnet is reached through the gateway of the
 *          route toward it, as BIRD resolves it through the kernel routes it learns;
 *   ipip:  `BLOCK via NH dev tunl0 proto bird onlink` (krt_tunnel = tunl0);
 *   ipip CrossSubnet: the bgp form when NH is on this node's subnet, the tunl0 form otherwise.
 * vxlan: BIRD programs nothing for the pool (calico's kernel filter leaves VXLAN pools to felix);
 * felix installs `blackhole BLOCK proto 80` and the VXLAN routes itself (vxlan-felix.ts).
 */
import type { NetNamespace, Route, RouteSpec } from '../../dataplane/stack/index.js';
import { formatIpv4, prefixMask } from '../../net/index.js';
import { isKemuError } from '../../util/errors.js';

/** Felix's route protocol number (iproute2 prints it as `proto 80`). */
export const FELIX_PROTO = '80';
export const BIRD_PROTO = 'bird';

export interface RouteWant {
  dst: number;
  prefixLength: number;
  type: 'unicast' | 'blackhole';
  via: number | undefined;
  dev: string | undefined;
  onlink: boolean;
  proto: string;
}

export function prefixText(dst: number, prefixLength: number): string {
  return `${formatIpv4(dst)}/${prefixLength}`;
}

/** "192.168.1.0/26" → [network, length]; undefined when it does not parse. */
export function parsePrefix(text: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text);
  if (m === null) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const len = Number(m[5]);
  if (octets.some((o) => o > 255) || len > 32) return undefined;
  const ip = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  return [(ip & prefixMask(len)) >>> 0, len];
}

export function blackhole(prefix: [number, number], proto: string): RouteWant {
  return { dst: prefix[0], prefixLength: prefix[1], type: 'blackhole', via: undefined, dev: undefined, onlink: false, proto };
}

/** How BIRD installs a learned route: directly, or into the tunnel. */
export interface BirdRouteContext {
  /** The device for plain routes (eth0). */
  uplink: string;
  /** tunl0 in ipip mode; undefined in bgp mode. */
  tunnel: string | undefined;
  /**
   * Whether the prefix lies in the IP pool. calico's kernel filter sets krt_tunnel only for pool
   * routes: a prefix learned from an outside peer (a BGPPeer) is routed plainly, even in ipip mode.
   * Undefined: every prefix is a pool's.
   */
  inPool?(prefix: [number, number]): boolean;
  /** CrossSubnet: no tunnel toward next hops on this node's subnet. */
  crossSubnet: boolean;
  /** Whether NH is on this node's own subnet (calico compares with the node's IPv4Address prefix). */
  sameSubnet(nextHop: number): boolean;
  /** The immediate gateway and device toward NH (recursive resolution); undefined when unroutable. */
  resolve(nextHop: number): { via: number; dev: string } | undefined;
}

/** The kernel route for a learned prefix; undefined when its next hop cannot be resolved. */
export function birdRoute(prefix: [number, number], nextHop: number, ctx: BirdRouteContext): RouteWant | undefined {
  if (ctx.tunnel !== undefined && ctx.inPool?.(prefix) !== false && !(ctx.crossSubnet && ctx.sameSubnet(nextHop))) {
    return { dst: prefix[0], prefixLength: prefix[1], type: 'unicast', via: nextHop, dev: ctx.tunnel, onlink: true, proto: BIRD_PROTO };
  }
  const hop = ctx.resolve(nextHop);
  return hop === undefined ? undefined : { dst: prefix[0], prefixLength: prefix[1], type: 'unicast', via: hop.via, dev: hop.dev, onlink: false, proto: BIRD_PROTO };
}

/**
 * The context with next-hop resolution remembered, for one programming pass that resolves every
 * route before installing any (100,000 routes from one peer share one next hop).
 */
export function resolvingOnce(ctx: BirdRouteContext): BirdRouteContext {
  const known = new Map<number, { via: number; dev: string } | undefined>();
  return {
    ...ctx,
    resolve(nextHop: number) {
      if (known.has(nextHop)) return known.get(nextHop);
      const hop = ctx.resolve(nextHop);
      known.set(nextHop, hop);
      return hop;
    },
  };
}

/** Recursive next-hop resolution over the node's table, ignoring the routes calico itself installed. */
export function resolveNextHop(ns: NetNamespace, nextHop: number): { via: number; dev: string } | undefined {
  const r = ns.routes.lookup(nextHop);
  if (r === undefined || r.type !== 'unicast' || r.dev === undefined || r.proto === BIRD_PROTO || r.proto === FELIX_PROTO) return undefined;
  return { via: r.via ?? nextHop, dev: r.dev.name };
}

function matches(r: Route, w: RouteWant): boolean {
  return r.type === w.type && r.via === w.via && (r.dev?.name ?? undefined) === w.dev && r.onlink === w.onlink && r.proto === w.proto;
}

function sameWant(a: RouteWant, b: RouteWant): boolean {
  return a.dst === b.dst && a.prefixLength === b.prefixLength && a.type === b.type && a.via === b.via && a.dev === b.dev && a.onlink === b.onlink && a.proto === b.proto;
}

export function describeRoute(w: RouteWant): string {
  const p = prefixText(w.dst, w.prefixLength);
  if (w.type === 'blackhole') return `blackhole ${p}`;
  return `${p}${w.via === undefined ? '' : ` via ${formatIpv4(w.via)}`}${w.dev === undefined ? '' : ` dev ${w.dev}`}${w.onlink ? ' onlink' : ''}`;
}

/** What a refused route is reported as (the netlink error BIRD and felix log). */
export function netlinkError(err: unknown): string {
  if (isKemuError(err, 'ERR_GATEWAY_NOT_ON_LINK')) return 'Network is unreachable';
  if (isKemuError(err, 'ERR_NO_SUCH_DEVICE')) return 'No such device';
  return err instanceof Error ? err.message : String(err);
}

/**
 * Keeps one owner's routes (BIRD's or felix's) in the table: `apply(wanted)` installs what is
 * missing or different (`ip route replace`), removes what it installed before and no longer
 * wants, and leaves routes already right untouched (no table version bump: route caches stay warm).
 * Failures are reported per prefix and retried on the next apply.
 */
export class RouteProgrammer {
  private readonly installed = new Map<string, RouteWant>();

  constructor(
    private readonly ns: NetNamespace,
    private readonly report: { set(key: string, message: string): void; clear(key: string): void },
    private readonly who: string,
  ) {}

  /**
   * Takes over routes already in the table that `mine` recognises (a restarted BIRD or felix finds
   * its protocol's routes from before): they are then updated or removed like its own. Returns
   * their prefixes.
   */
  adopt(mine: (r: Route) => boolean): string[] {
    const keys: string[] = [];
    for (const r of this.ns.routes.list()) {
      if (r.metric !== 0 || !mine(r) || (r.type !== 'unicast' && r.type !== 'blackhole')) continue;
      const key = prefixText(r.dst, r.prefixLength);
      this.installed.set(key, { dst: r.dst, prefixLength: r.prefixLength, type: r.type, via: r.via, dev: r.dev?.name, onlink: r.onlink, proto: r.proto });
      keys.push(key);
    }
    return keys;
  }

  /** What this owner has installed, by prefix. */
  routes(): Map<string, RouteWant> {
    return new Map(this.installed);
  }

  /** Makes the owner's routes exactly `wanted`: a full pass (a resync). */
  apply(wanted: Map<string, RouteWant>): number {
    let changes = 0;
    for (const key of [...this.installed.keys()]) if (!wanted.has(key) && this.drop(key)) changes++;
    for (const [key, want] of wanted) if (this.ensure(key, want)) changes++;
    return changes;
  }

  /**
   * Changes some prefixes only (undefined: the owner no longer wants one): what BIRD's kernel
   * protocol does per best-route change, without a pass over every route it owns.
   */
  update(changes: ReadonlyMap<string, RouteWant | undefined>): number {
    let n = 0;
    for (const [key, want] of changes) if (want === undefined ? this.drop(key) : this.ensure(key, want)) n++;
    return n;
  }

  /**
   * Forgets `key` and removes its route if it is still ours in the table. The table removes within
   * the one prefix (removeAt): a session loss with 100,000 routes never walks the whole table.
   */
  private drop(key: string): boolean {
    const have = this.installed.get(key);
    if (have === undefined) return false;
    const r = this.current(have);
    if (r !== undefined && matches(r, have)) this.ns.routes.removeAt(have.dst, have.prefixLength, (x) => x === r);
    this.installed.delete(key);
    this.report.clear(`route ${key}`);
    return true;
  }

  /** `ip route replace` unless the route is already there as wanted; true when the table changed. */
  private ensure(key: string, want: RouteWant): boolean {
    const before = this.installed.get(key);
    const inTable = this.current(want);
    if (before !== undefined && sameWant(before, want) && inTable !== undefined && matches(inTable, want)) return false;
    try {
      const spec: RouteSpec = { dst: key, type: want.type, proto: want.proto, onlink: want.onlink };
      if (want.via !== undefined) spec.via = want.via;
      if (want.dev !== undefined) spec.dev = want.dev;
      this.ns.routes.replace(spec);
      this.installed.set(key, want);
      this.report.clear(`route ${key}`); // a failure reported earlier (by this owner, before a restart too) is over
      return true;
    } catch (err) {
      this.installed.delete(key);
      this.report.set(`route ${key}`, `${this.who}: error adding route ${describeRoute(want)}: ${netlinkError(err)}`);
      return false;
    }
  }

  /** Removes everything this owner installed (a network torn down). */
  clear(): void {
    for (const key of [...this.installed.keys()]) this.drop(key);
  }

  private current(want: RouteWant): Route | undefined {
    return this.ns.routes.exact(want.dst, want.prefixLength).find((r) => r.metric === 0);
  }
}
