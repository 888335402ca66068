/**
 * kube-proxy's EndpointsChangeTracker over its EndpointSliceCache: EndpointSlice events are kept per
 * Service and per slice as "applied" (what the rules were last built from) and "pending" (changed
 * since). apply() rebuilds the endpoints of only the Services with pending slices — previous from
 * the applied slices, current from applied + pending — and folds them into the EndpointsMap. A
 * Service's endpoints may be spread over several slices and move between them, hence the per-slice
 * bookkeeping instead of a per-Service list.
 */
import { isDeepStrictEqual } from 'node:util';
import type { EndpointSlice } from '../../api/types.js';
import { type EndpointInfo, type EndpointsMap, type Protocol, serviceKey, servicePortKey } from '../types.js';
import { isIPv4 } from '../ip.js';
import { LABEL_SERVICE_PROXY_NAME } from './service.js';

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** Slices of headless Services carry this label; kube-proxy's informer excludes them. */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';

interface SliceData {
  slice: EndpointSlice;
  remove: boolean;
}

interface SliceTracker {
  applied: Map<string, SliceData>;
  pending: Map<string, SliceData>;
}

export interface UpdateEndpointsMapResult {
  /** The full, updated map (the same object on every apply). */
  endpointsMap: EndpointsMap;
  /** "namespace/name" of every Service with slice changes: their chains are rewritten. */
  updatedServices: Set<string>;
  /** servicePortKey of every port whose endpoint list differs from before. */
  changedPorts: Set<string>;
  /** UDP endpoints that stopped serving: their conntrack entries go stale (kube-proxy deletes them). */
  deletedUDPEndpoints: Array<{ servicePort: string; endpoint: string }>;
}

export class EndpointsChangeTracker {
  private readonly trackers = new Map<string, SliceTracker>();
  private readonly endpointsMap: EndpointsMap = new Map();

  /** @param nodeName this proxy's node: endpoints whose nodeName matches are local. */
  constructor(private readonly nodeName: string) {}

  /** EndpointSliceUpdate: records an add/update (remove false) or a delete. True if the slice changed anything. */
  endpointSliceUpdate(slice: EndpointSlice, remove: boolean): boolean {
    if (slice.addressType !== 'IPv4') return false; // an IPv4 proxier; FQDN slices are never proxied
    const svcName = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    const ns = slice.metadata.namespace ?? '';
    const sliceName = slice.metadata.name ?? '';
    if (!svcName || ns === '' || sliceName === '') return false;
    // The informer's label selector: a slice gaining one of these labels leaves the watch (a delete).
    const filtered = slice.metadata.labels?.[LABEL_HEADLESS] !== undefined || (slice.metadata.labels?.[LABEL_SERVICE_PROXY_NAME] ?? '') !== '';
    const data: SliceData = { slice, remove: remove || filtered };
    const key = serviceKey({ namespace: ns, name: svcName });
    let t = this.trackers.get(key);
    if (t === undefined) this.trackers.set(key, (t = { applied: new Map(), pending: new Map() }));
    const known = t.pending.get(sliceName) ?? t.applied.get(sliceName);
    const changed = known !== undefined ? !isDeepStrictEqual(known, data) : !data.remove;
    if (changed) t.pending.set(sliceName, data);
    else if (t.applied.size === 0 && t.pending.size === 0) this.trackers.delete(key);
    return changed;
  }

  pending(): number {
    let n = 0;
    for (const t of this.trackers.values()) if (t.pending.size > 0) n++;
    return n;
  }

  /** EndpointsMap.Update: checks out the pending slices and folds them into the map. */
  apply(): UpdateEndpointsMapResult {
    const result: UpdateEndpointsMapResult = {
      endpointsMap: this.endpointsMap, updatedServices: new Set(), changedPorts: new Set(), deletedUDPEndpoints: [],
    };
    for (const [key, t] of this.trackers) {
      if (t.pending.size === 0) continue;
      const previous = this.endpointsOf(key, t.applied);
      for (const [name, data] of t.pending) {
        if (data.remove) t.applied.delete(name);
        else t.applied.set(name, data);
      }
      t.pending.clear();
      if (t.applied.size === 0) this.trackers.delete(key);
      const current = this.endpointsOf(key, t.applied);
      result.updatedServices.add(key);
      for (const k of previous.keys()) if (!current.has(k)) this.endpointsMap.delete(k);
      for (const [k, eps] of current) this.endpointsMap.set(k, eps);
      for (const k of new Set([...previous.keys(), ...current.keys()])) {
        if (!isDeepStrictEqual(previous.get(k), current.get(k))) result.changedPorts.add(k);
      }
      staleUDPEndpoints(previous, current, result.deletedUDPEndpoints);
    }
    return result;
  }

  /** getEndpointsMap: one Service's endpoints per port, from a set of its slices. */
  private endpointsOf(svcKey: string, slices: ReadonlyMap<string, SliceData>): EndpointsMap {
    const byPort = new Map<string, Map<string, EndpointInfo>>();
    const [namespace = '', name = ''] = svcKey.split('/');
    for (const { slice } of slices.values()) {
      for (const port of slice.ports ?? []) {
        if (port.name === undefined || port.name === null || !port.port) continue; // nil name or port: ignored
        const key = servicePortKey({ namespace, name, port: port.name, protocol: (port.protocol ?? 'TCP') as Protocol });
        let set = byPort.get(key);
        if (set === undefined) byPort.set(key, (set = new Map()));
        this.addEndpoints(set, port.port, slice);
      }
    }
    const out: EndpointsMap = new Map();
    for (const [key, set] of byPort) {
      if (set.size === 0) continue;
      out.set(key, [...set.values()].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0)));
    }
    return out;
  }

  private addEndpoints(set: Map<string, EndpointInfo>, port: number, slice: EndpointSlice): void {
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (ip === undefined || !isIPv4(ip)) continue;
      const c = ep.conditions ?? {};
      const info: EndpointInfo = {
        ip,
        port,
        endpoint: `${ip}:${port}`,
        isLocal: this.nodeName !== '' && ep.nodeName === this.nodeName,
        // Unset conditions mean ready and serving (the API's "unknown" is treated as true).
        ready: c.ready ?? true,
        serving: c.serving ?? true,
        terminating: c.terminating ?? false,
        zoneHints: ((ep as { hints?: { forZones?: Array<{ name: string }> } }).hints?.forZones ?? []).map((z) => z.name),
      };
      // The same IP in two slices (an endpoint moving, or a reused pod IP): prefer the non-terminating one.
      if (!set.has(info.endpoint) || !info.terminating) set.set(info.endpoint, info);
    }
  }
}

/** detectStaleConntrackEntries: UDP endpoints that served before and no longer do. */
function staleUDPEndpoints(previous: EndpointsMap, current: EndpointsMap, out: UpdateEndpointsMapResult['deletedUDPEndpoints']): void {
  for (const [key, eps] of previous) {
    if (!key.endsWith('/UDP')) continue;
    const now = new Map((current.get(key) ?? []).map((e) => [e.endpoint, e]));
    for (const e of eps) {
      if (!e.serving) continue;
      if (!(now.get(e.endpoint)?.serving ?? false)) out.push({ servicePort: key, endpoint: e.endpoint });
    }
  }
}
