/**
 * kube-proxy's stale UDP conntrack cleanup (pkg/proxy/conntrack/cleanup.go, CleanStaleEntries), run
 * after every sync in every mode. UDP has no connection end: a client that keeps sending from one
 * port keeps its conntrack entry alive, and the entry keeps the DNAT to the endpoint it was made
 * for — a pod that is gone. So when a UDP endpoint stops serving, the entries NATed to it are deleted
 * (the next datagram is a new connection, load-balanced afresh); when a UDP Service goes, the entries
 * to its ClusterIP; and when a UDP service port gains its first endpoints, the entries to it, made
 * while it had none, whatever they hold.
 */
import type { ConntrackEntry, ConntrackFilter } from '../dataplane/netfilter/index.js';
import { IPPROTO_UDP, ipv4 } from '../net/index.js';
import type { SyncedChanges } from './tracking-proxier.js';

/** The Conntrack operations needed: walk the table, delete an entry. */
export interface ConntrackTable {
  entries(): IterableIterator<ConntrackEntry>;
  delete(e: ConntrackEntry): void;
}

export interface UdpCleanupResult {
  /** The `conntrack -D` filters kube-proxy would run for this sync, in its order. */
  filters: ConntrackFilter[];
  /** Entries deleted by them together. */
  deleted: number;
}

/**
 * Tracks which UDP service ports have endpoints, to find the newly active ones (kube-proxy's
 * NewlyActiveUDPServices), and deletes what a sync made stale. kube-proxy runs one `conntrack -D`
 * per filter; here all of a sync's filters are applied in one walk of the table, so a boot that
 * activates thousands of UDP services does not walk it thousands of times.
 */
export class UdpConntrackCleaner {
  private readonly active = new Set<string>();

  constructor(private readonly conntrack: ConntrackTable) {}

  afterSync(c: SyncedChanges): UdpCleanupResult {
    const filters: ConntrackFilter[] = [];
    const serviceIPs = new Set(c.deletedUDPClusterIPs);
    const nodePorts = new Set<number>();
    for (const key of c.changedPorts) {
      if (!key.endsWith('/UDP')) continue;
      const has = (c.endpointsMap.get(key)?.length ?? 0) > 0;
      if (!has) {
        this.active.delete(key);
        continue;
      }
      if (this.active.has(key)) continue;
      this.active.add(key);
      const svc = c.serviceMap.get(key);
      if (svc === undefined) continue;
      for (const ip of [svc.clusterIP, ...svc.externalIPs, ...svc.loadBalancerVIPs]) serviceIPs.add(ip);
      if (svc.nodePort !== 0) nodePorts.add(svc.nodePort);
    }
    // deleteStaleServiceConntrackEntries
    for (const ip of serviceIPs) filters.push({ protocol: IPPROTO_UDP, origDst: ipv4(ip) });
    for (const port of nodePorts) filters.push({ protocol: IPPROTO_UDP, origDport: port });
    // deleteStaleEndpointConntrackEntries
    for (const { servicePort, endpoint } of c.deletedUDPEndpoints) {
      const svc = c.serviceMap.get(servicePort);
      if (svc === undefined) continue;
      const ep = ipv4(endpoint.slice(0, endpoint.lastIndexOf(':')));
      if (svc.nodePort !== 0) filters.push({ protocol: IPPROTO_UDP, origDport: svc.nodePort, dstNat: ep });
      for (const ip of [svc.clusterIP, ...svc.externalIPs, ...svc.loadBalancerVIPs]) filters.push({ protocol: IPPROTO_UDP, origDst: ipv4(ip), dstNat: ep });
    }
    return { filters, deleted: filters.length === 0 ? 0 : this.deleteMatching(filters) };
  }

  /** One walk for every filter (each is UDP and names origDst or origDport, with or without dstNat). */
  private deleteMatching(filters: readonly ConntrackFilter[]): number {
    // key "d<ip>" / "p<port>" → undefined (any entry) or the DNAT targets that make an entry stale.
    const wanted = new Map<string, Set<number> | undefined>();
    for (const f of filters) {
      const key = f.origDst !== undefined ? `d${f.origDst}` : `p${f.origDport}`;
      if (f.dstNat === undefined || f.dstNat === true) {
        wanted.set(key, undefined);
      } else if (!wanted.has(key) || wanted.get(key) !== undefined) {
        const set = wanted.get(key) ?? new Set<number>();
        set.add(f.dstNat);
        wanted.set(key, set);
      }
    }
    const stale = (key: string, e: ConntrackEntry): boolean => {
      if (!wanted.has(key)) return false;
      const targets = wanted.get(key);
      return targets === undefined || (e.dnat && targets.has(e.reply.src));
    };
    const doomed: ConntrackEntry[] = [];
    for (const e of this.conntrack.entries()) {
      if (e.orig.proto !== IPPROTO_UDP) continue;
      if (stale(`d${e.orig.dst}`, e) || stale(`p${e.orig.dport}`, e)) doomed.push(e);
    }
    for (const e of doomed) this.conntrack.delete(e);
    return doomed.length;
  }
}
