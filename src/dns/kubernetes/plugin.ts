/**
 * The kubernetes plugin: CoreDNS's ServeDNS for its zones (cluster.local, in-addr.arpa, ip6.arpa by
 * default). Names outside the zones go to the next plugin; name errors go there too when
 * `fallthrough` covers them (kubeadm: the reverse zones, so unknown PTRs reach `forward`).
 * Answers are authoritative; NXDOMAIN and NODATA carry the zone's SOA; before the informers have
 * synced a name error is a SERVFAIL, so a client retries instead of caching a false NXDOMAIN.
 */
import type { Answer } from 'dns-packet';
import { Rcode, type DnsRequest, type DnsResponse, type Handler, type Plugin, type Readiness } from '../types.js';
import { isSubdomain, join, labelsBelow, matchZone, normalizeName, addressFromReverse } from '../names.js';
import { parseRequest } from './parse.js';
import { found, NAME_ERROR, nsAddrs, records, reverse, type Lookup, type LookupContext, type PodMode } from './records.js';
import { addressRecords, cnameRecords, ptrRecords, soaRecord, srvRecords, txtRecords } from './answers.js';
import type { KubeView } from './view.js';

export interface KubernetesOptions {
  /** Zones the plugin is authoritative for, e.g. ["cluster.local", "in-addr.arpa", "ip6.arpa"]. */
  zones: string[];
  view: KubeView;
  /** Record TTL, 0..3600 seconds; CoreDNS's default is 5, kubeadm's Corefile says 30. */
  ttl?: number;
  podMode?: PodMode;
  /** undefined = no fallthrough; [] = every zone; else only names under these zones. */
  fallthrough?: string[];
  /** This server's own addresses, for NS answers (CoreDNS reads its interfaces). */
  localIPs?: string[];
}

const MEMO_MAX = 10_000;

/** The Kubernetes DNS schema version, answered as TXT at dns-version.<zone>. */
export const DNS_SCHEMA_VERSION = '1.1.0';

export interface KubernetesPlugin {
  plugin: Plugin;
  readiness: Readiness;
}

export function kubernetes(opts: KubernetesOptions): KubernetesPlugin {
  const zones = opts.zones.map(normalizeName);
  const primaryZone = zones.find((z) => !z.endsWith('in-addr.arpa') && !z.endsWith('ip6.arpa')) ?? zones[0] ?? '';
  const ttl = opts.ttl ?? 5;
  const podMode = opts.podMode ?? 'disabled';
  const localIPs = opts.localIPs ?? ['127.0.0.1'];
  const fallthrough = opts.fallthrough?.map(normalizeName);
  const view = opts.view;

  const fallsThrough = (qname: string) =>
    fallthrough !== undefined && (fallthrough.length === 0 || fallthrough.some((z) => isSubdomain(qname, z)));

  /** CoreDNS's Services(): what a (lower-cased) name holds, for one query type. */
  function services(ctx: LookupContext, zoneL: string, qname: string, type: string): Lookup {
    const labels = labelsBelow(qname, zoneL);
    if (type === 'TXT') {
      // Only dns-version.<zone> has TXT; every other name is NODATA for TXT (a CoreDNS quirk).
      return labels.length === 1 && labels[0] === 'dns-version'
        ? found([{ host: '', port: -1, key: '', ttl: 28800, text: DNS_SCHEMA_VERSION }])
        : found([]);
    }
    if (labels.length === 2 && labels[0] === 'ns' && labels[1] === 'dns') {
      return found(nsAddrs(ctx, localIPs, zoneL).map((n) => ({ host: n.ip, port: -1, key: qname, ttl })));
    }
    const parsed = parseRequest(labels);
    if (!parsed.ok) return NAME_ERROR;
    if (parsed.r.podOrSvc !== '' && (zoneL.endsWith('in-addr.arpa') || zoneL.endsWith('ip6.arpa'))) return NAME_ERROR;
    return records(ctx, parsed.r);
  }

  function answer(req: DnsRequest, zoneL: string, zone: string): { lookup: Lookup; answers: Answer[]; extra: Answer[] } {
    const ctx: LookupContext = { view, ttl, podMode, zone, primaryZone };
    const q = req.qname;
    const none = { answers: [] as Answer[], extra: [] as Answer[] };
    if (req.type === 'NS' && q === zoneL) {
      const ns = nsAddrs(ctx, localIPs, zone);
      const names = [...new Set(ns.map((n) => n.name))];
      return {
        lookup: found([]),
        answers: names.map((n) => ({ name: req.name, type: 'NS', ttl, class: 'IN', data: n }) as Answer),
        extra: ns.map((n) => ({ name: n.name, type: n.ip.includes(':') ? 'AAAA' : 'A', ttl, class: 'IN', data: n.ip }) as Answer),
      };
    }
    switch (req.type) {
      case 'A':
      case 'AAAA': {
        const lookup = services(ctx, zoneL, q, req.type);
        const inZone = (name: string) => {
          const l = services(ctx, zoneL, normalizeName(name), req.type);
          return l.nameError ? undefined : l.entries;
        };
        return { lookup, answers: addressRecords(req.name, req.type, lookup.entries, zone, inZone), extra: [] };
      }
      case 'SRV': {
        const lookup = services(ctx, zoneL, q, 'SRV');
        return { lookup, ...srvRecords(req.name, lookup.entries) };
      }
      case 'TXT': {
        const lookup = services(ctx, zoneL, q, 'TXT');
        return { lookup, answers: txtRecords(req.name, lookup.entries), extra: [] };
      }
      case 'CNAME': {
        const lookup = services(ctx, zoneL, q, 'CNAME');
        return { lookup, answers: cnameRecords(req.name, lookup.entries), extra: [] };
      }
      case 'PTR': {
        const ip = addressFromReverse(q);
        if (ip === undefined) {
          const lookup = services(ctx, zoneL, q, 'PTR');
          return { lookup, answers: ptrRecords(req.name, lookup.entries), extra: [] };
        }
        const entries = reverse(ctx, ip);
        return entries.length ? { lookup: found(entries), answers: ptrRecords(req.name, entries), extra: [] } : { lookup: NAME_ERROR, ...none };
      }
      case 'SOA':
        return { lookup: found([]), answers: [soaRecord(zone, ttl, view.modified())], extra: [] };
      default: {
        // NS below the apex, MX and the rest have no records here: an A lookup tells NODATA from NXDOMAIN.
        return { lookup: services(ctx, zoneL, q, 'A'), ...none };
      }
    }
  }

  // Answers computed since the cluster view last changed, by type and name as asked (owners keep
  // the query's case). Any Service, EndpointSlice, Namespace (or, when verified, Pod) event
  // changes the view's generation and empties the memo, so it is never stale — unlike a TTL cache,
  // a new Service answers at once. The same object is handed out again (`shared`), so the wire
  // layer reuses its encoding too.
  const memo = new Map<string, DnsResponse>();
  let memoGen = -1;

  function compute(req: DnsRequest, zoneL: string): DnsResponse | undefined {
    // The SOA owner keeps the query's case, as CoreDNS answers.
    const zone = zoneL === '' ? '' : req.name.slice(req.name.length - zoneL.length);
    const { lookup, answers, extra } = answer(req, zoneL, zone);
    if (lookup.nameError) {
      if (fallsThrough(req.qname)) return undefined;
      const rcode = view.hasSynced() ? Rcode.NXDOMAIN : Rcode.SERVFAIL;
      return { rcode, authoritative: true, answers: [], authorities: [soaRecord(zone, ttl, view.modified())], additionals: [] };
    }
    if (answers.length === 0) return { rcode: Rcode.NOERROR, authoritative: true, answers: [], authorities: [soaRecord(zone, ttl, view.modified())], additionals: [] };
    return { rcode: Rcode.NOERROR, authoritative: true, answers, authorities: [], additionals: extra };
  }

  // Synchronous all the way (no async function): a promise is made only for the result.
  const plugin: Plugin = (next: Handler) => (req: DnsRequest): Promise<DnsResponse | undefined> => {
    const gen = view.generation();
    if (gen !== memoGen) {
      memo.clear();
      memoGen = gen;
    }
    const key = `${req.type} ${req.name}`;
    const hit = memo.get(key);
    if (hit) return Promise.resolve(hit);
    const zoneL = matchZone(req.qname, zones);
    if (zoneL === undefined) return next(req);
    const res = compute(req, zoneL);
    if (!res) return next(req);
    if (!view.hasSynced()) return Promise.resolve(res);
    if (memo.size >= MEMO_MAX) memo.clear();
    const shared = { ...res, shared: true };
    memo.set(key, shared);
    return Promise.resolve(shared);
  };

  return { plugin, readiness: { name: 'kubernetes', ready: () => view.hasSynced() } };
}

/** The FQDN of a service, for callers that build names (tests, the lab's status output). */
export function serviceName(name: string, namespace: string, zone: string): string {
  return join(name, namespace, 'svc', normalizeName(zone));
}
