/**
 * A routing table with longest-prefix match, as `ip route` shows it. Routes are kept in one Map per
 * prefix length keyed by the masked destination, so a lookup costs one Map probe per prefix length
 * in use (a handful on a real node), longest first. Several routes for one prefix are kept ordered
 * by metric; routes through a device that is down are skipped, as Linux skips dead nexthops.
 * Map keys are the masked address as a signed 32-bit integer (`| 0`): addresses above 127.255.255.255
 * would otherwise be heap numbers, allocated and hashed as doubles on every probe.
 */

import { formatIpv4, prefixMask } from '../../net/index.js';
import { KemuError } from '../../util/errors.js';
import { formatCidr, networkOf, parseCidr, toIp } from './cidr.js';
import { type NetDevice, linkGeneration } from './device.js';

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit';
export type RouteScope = 'global' | 'link' | 'host';

/** What `ip route add` takes. */
export interface RouteSpec {
  /** "10.244.1.0/24", "10.0.0.1" or "default". */
  dst: string;
  via?: string | number;
  dev?: string;
  onlink?: boolean;
  type?: RouteType;
  metric?: number;
  src?: string | number;
  /** 'kernel' | 'boot' (the default of `ip route add`) | 'static' | 'bird' | any other name. */
  proto?: string;
  scope?: RouteScope;
}

export interface Route {
  readonly dst: number;
  readonly prefixLength: number;
  readonly type: RouteType;
  readonly via: number | undefined;
  readonly dev: NetDevice | undefined;
  readonly onlink: boolean;
  readonly metric: number;
  readonly src: number | undefined;
  readonly proto: string;
  readonly scope: RouteScope;
}

export interface DeviceDirectory {
  device(name: string): NetDevice | undefined;
}

/** Masks by prefix length as signed 32-bit integers, so `ip & MASKS[len]` is a map key directly. */
const MASKS = Array.from({ length: 33 }, (_, len) => prefixMask(len) | 0);
/** Direct-mapped by a Fibonacci hash of the address: a host's few hot destinations rarely collide in 64. */
const CACHE_SLOTS = 64;
const CACHE_SHIFT = 26; // 32 - log2(CACHE_SLOTS)

export class RoutingTable {
  private readonly byLength: Array<Map<number, Route[]>> = Array.from({ length: 33 }, () => new Map());
  /** Prefix lengths that hold routes, longest first. */
  private lengths: number[] = [];
  private count = 0;
  /** Bumped on every change; the lookup cache is valid for one version and one linkGeneration. */
  private version = 0;
  private cachedVersion = -1;
  private cachedLinks = -1;
  private readonly cacheUsed = new Uint8Array(CACHE_SLOTS);
  private readonly cacheKeys = new Int32Array(CACHE_SLOTS);
  private readonly cacheRoutes: Array<Route | undefined> = new Array<Route | undefined>(CACHE_SLOTS).fill(undefined);

  constructor(readonly name: string, private readonly devices: DeviceDirectory) {}

  get size(): number {
    return this.count;
  }

  /** `ip route add`: validates like the kernel (typed error codes, Linux's messages). */
  add(spec: RouteSpec): Route {
    const route = this.build(spec);
    this.insert(route, false);
    return route;
  }

  /** `ip route replace`: the route with the same prefix and metric is replaced, or this one added. */
  replace(spec: RouteSpec): Route {
    const route = this.build(spec);
    this.insert(route, true);
    return route;
  }

  /** `ip route del`: the first route matching the prefix and whatever else the spec names. */
  delete(spec: Partial<RouteSpec> & { dst: string }): Route {
    const { address, prefixLength } = parseCidr(spec.dst);
    const via = spec.via === undefined ? undefined : toIp(spec.via);
    const found = this.byLength[prefixLength]!.get(networkOf(address, prefixLength) | 0)?.find((r) =>
      (spec.metric === undefined || r.metric === spec.metric) && (via === undefined || r.via === via) &&
      (spec.dev === undefined || r.dev?.name === spec.dev) && (spec.type === undefined || r.type === spec.type));
    if (found === undefined) throw new KemuError('ERR_ROUTE_NOT_FOUND', 'RTNETLINK answers: No such process');
    this.removeAt(found.dst, found.prefixLength, (r) => r === found);
    return found;
  }

  /**
   * Removes the routes of one prefix that `predicate` picks, looking at that prefix only: a table of
   * 100,000 BGP routes loses a pod's /32 without a walk over all of them (removeWhere's cost).
   */
  removeAt(dst: number, prefixLength: number, predicate: (r: Route) => boolean = () => true): number {
    const map = this.byLength[prefixLength];
    const key = networkOf(dst, prefixLength) | 0;
    const list = map?.get(key);
    if (map === undefined || list === undefined) return 0;
    const kept = list.filter((r) => !predicate(r));
    const removed = list.length - kept.length;
    if (removed === 0) return 0;
    if (kept.length === 0) map.delete(key);
    else map.set(key, kept);
    this.count -= removed;
    this.version++;
    this.refreshLengths();
    return removed;
  }

  /** Inserts an already-built route (connected and local routes the namespace derives from addresses). */
  insert(route: Route, replace: boolean): void {
    this.version++;
    const map = this.byLength[route.prefixLength]!;
    const list = map.get(route.dst | 0) ?? [];
    const same = list.findIndex((r) => r.metric === route.metric);
    if (same >= 0 && !replace) throw new KemuError('ERR_ROUTE_EXISTS', 'RTNETLINK answers: File exists');
    if (same >= 0) list.splice(same, 1);
    else this.count++;
    const at = list.findIndex((r) => r.metric > route.metric);
    list.splice(at < 0 ? list.length : at, 0, route);
    if (list.length === 1) {
      map.set(route.dst | 0, list);
      this.refreshLengths();
    }
  }

  removeWhere(predicate: (r: Route) => boolean): number {
    let removed = 0;
    for (const map of this.byLength) {
      for (const [key, list] of map) {
        const kept = list.filter((r) => !predicate(r));
        removed += list.length - kept.length;
        if (kept.length === 0) map.delete(key);
        else if (kept.length !== list.length) map.set(key, kept);
      }
    }
    this.count -= removed;
    if (removed > 0) {
      this.version++;
      this.refreshLengths();
    }
    return removed;
  }

  /**
   * Longest-prefix match, lowest metric first, skipping routes whose device is down. Results are
   * remembered in a small direct-mapped cache (the route cache of old Linux, in miniature: a host
   * looks up the same few destinations for every packet), dropped whenever the table changes or a
   * device goes up or down.
   */
  lookup(ip: number): Route | undefined {
    if (this.cachedVersion !== this.version || this.cachedLinks !== linkGeneration) {
      this.cacheUsed.fill(0);
      this.cachedVersion = this.version;
      this.cachedLinks = linkGeneration;
    }
    const key = ip | 0;
    const slot = Math.imul(key, 0x9e3779b1) >>> CACHE_SHIFT;
    if (this.cacheUsed[slot] === 1 && this.cacheKeys[slot] === key) return this.cacheRoutes[slot];
    const route = this.lookupUncached(ip);
    this.cacheUsed[slot] = 1;
    this.cacheKeys[slot] = key;
    this.cacheRoutes[slot] = route;
    return route;
  }

  private lookupUncached(ip: number): Route | undefined {
    const lengths = this.lengths;
    for (let i = 0; i < lengths.length; i++) {
      const length = lengths[i]!;
      const list = this.byLength[length]!.get(ip & MASKS[length]!);
      if (list === undefined) continue;
      for (let j = 0; j < list.length; j++) {
        const r = list[j]!;
        if (r.dev === undefined || r.dev.up) return r;
      }
    }
    return undefined;
  }

  /** The routes for exactly this prefix (`ip route show exact`), lowest metric first; no copy, do not modify. */
  exact(dst: number, prefixLength: number): readonly Route[] {
    return this.byLength[prefixLength]?.get(networkOf(dst, prefixLength) | 0) ?? [];
  }

  /** All routes in `ip route` order (by destination, then prefix length, then metric). */
  list(): Route[] {
    const all: Route[] = [];
    for (const map of this.byLength) for (const list of map.values()) all.push(...list);
    return all.sort((a, b) => a.dst - b.dst || a.prefixLength - b.prefixLength || a.metric - b.metric);
  }

  private refreshLengths(): void {
    this.lengths = [];
    for (let len = 32; len >= 0; len--) if (this.byLength[len]!.size > 0) this.lengths.push(len);
  }

  private build(spec: RouteSpec): Route {
    const { address, prefixLength } = parseCidr(spec.dst);
    if (networkOf(address, prefixLength) !== address) {
      throw new KemuError('ERR_INVALID_PREFIX', 'Error: Invalid prefix for given prefix length.');
    }
    const type = spec.type ?? 'unicast';
    let dev = spec.dev === undefined ? undefined : this.devices.device(spec.dev);
    if (spec.dev !== undefined && dev === undefined) throw new KemuError('ERR_NO_SUCH_DEVICE', `Cannot find device "${spec.dev}"`);
    const via = spec.via === undefined ? undefined : toIp(spec.via);
    const onlink = spec.onlink === true;
    if (type === 'unicast' || type === 'local' || type === 'broadcast') {
      if (onlink && dev === undefined) throw new KemuError('ERR_NO_SUCH_DEVICE', 'Error: Nexthop device required for onlink.');
      if (via !== undefined && !onlink) dev = this.onLinkDevice(via, dev);
      if (dev === undefined) throw new KemuError('ERR_NO_SUCH_DEVICE', 'RTNETLINK answers: No such device');
    } else {
      dev = undefined; // blackhole, unreachable and prohibit routes have no nexthop
    }
    const scope = spec.scope ?? (type === 'local' ? 'host' : type === 'unicast' && via === undefined ? 'link' : 'global');
    return {
      dst: address, prefixLength, type, via: type === 'unicast' ? via : undefined, dev, onlink, metric: spec.metric ?? 0,
      src: spec.src === undefined ? undefined : toIp(spec.src), proto: spec.proto ?? 'boot', scope,
    };
  }

  /**
   * fib_check_nh_v4_gw: without `onlink` the gateway must lie in a link-scope route of this table
   * (a connected subnet), on the given device if one was named; the device state is ignored.
   */
  private onLinkDevice(via: number, dev: NetDevice | undefined): NetDevice {
    for (const length of this.lengths) {
      const list = this.byLength[length]!.get(via & MASKS[length]!);
      const hit = list?.find((r) => r.type === 'unicast' && r.scope !== 'global' && r.dev !== undefined && (dev === undefined || r.dev === dev));
      if (hit !== undefined) return hit.dev!;
    }
    throw new KemuError('ERR_GATEWAY_NOT_ON_LINK', 'Error: Nexthop has invalid gateway.');
  }
}

/** One line of `ip route` output. */
export function formatRoute(r: Route): string {
  const parts = [r.type === 'unicast' ? formatCidr(r.dst, r.prefixLength) : `${r.type} ${formatCidr(r.dst, r.prefixLength)}`];
  if (r.via !== undefined) parts.push(`via ${formatIpv4(r.via)}`);
  if (r.dev !== undefined) parts.push(`dev ${r.dev.name}`);
  if (r.proto !== 'boot') parts.push(`proto ${r.proto}`);
  if (r.scope !== 'global') parts.push(`scope ${r.scope}`);
  if (r.src !== undefined) parts.push(`src ${formatIpv4(r.src)}`);
  if (r.metric !== 0) parts.push(`metric ${r.metric}`);
  if (r.onlink) parts.push('onlink');
  return parts.join(' ');
}
