/**
 * cache: CoreDNS's two caches, success (NOERROR with answers) and denial (NXDOMAIN and NODATA),
 * each with a capacity and a TTL clamp [minTTL, maxTTL]. A stored response lives for its clamped
 * TTL (the smallest record TTL; for denials the SOA's min(TTL, minimum)); every record of a hit is
 * served with the TTL that remains, counted on the Clock in whole seconds as CoreDNS does. The AA
 * bit is the stored answer's. SERVFAIL, truncated and other responses are not cached.
 * When full, the entry stored first goes (CoreDNS evicts a random one).
 */
import type { Answer } from 'dns-packet';
import type { Clock } from '../../util/clock.js';
import { isSubdomain, normalizeName } from '../names.js';
import { Rcode, type DnsRequest, type DnsResponse, type Plugin } from '../types.js';

export interface CacheClass {
  capacity: number;
  maxTTL: number;
  minTTL: number;
  /** Zones whose responses this class never stores (`disable success|denial ZONES`). */
  disabled: string[];
}

export interface CacheOptions {
  clock: Clock;
  /** Zones the cache applies to; default every name. */
  zones?: string[];
  success?: Partial<CacheClass>;
  denial?: Partial<CacheClass>;
}

export interface CacheStats {
  hits: number;
  misses: number;
  successEntries: number;
  denialEntries: number;
}

interface Item {
  res: DnsResponse;
  stored: number;
  ttl: number;
  /** The last response served from this item, reused while its TTL reads the same. */
  served?: { left: number; res: DnsResponse };
}

export const CACHE_DEFAULTS = {
  success: { capacity: 9984, maxTTL: 3600, minTTL: 5, disabled: [] as string[] },
  denial: { capacity: 9984, maxTTL: 1800, minTTL: 5, disabled: [] as string[] },
};

export interface CachePlugin {
  plugin: Plugin;
  stats(): CacheStats;
}

export function cache(opts: CacheOptions): CachePlugin {
  const zones = (opts.zones ?? ['']).map(normalizeName);
  const classes = {
    success: { ...CACHE_DEFAULTS.success, ...opts.success },
    denial: { ...CACHE_DEFAULTS.denial, ...opts.denial },
  };
  classes.success.disabled = classes.success.disabled.map(normalizeName);
  classes.denial.disabled = classes.denial.disabled.map(normalizeName);
  const off = (cls: CacheClass, qname: string) => cls.capacity <= 0 || cls.disabled.some((z) => isSubdomain(qname, z));
  const stores = { success: new Map<string, Item>(), denial: new Map<string, Item>() };
  const stats = { hits: 0, misses: 0 };
  const clock = opts.clock;

  const everything = zones.includes('');
  // Not an async function: a bypass hands the next plugin's promise on untouched.
  const plugin: Plugin = (next) => (req) => {
    if (!everything && !zones.some((z) => isSubdomain(req.qname, z))) return next(req);
    // Names neither cache may keep (kubeadm's cluster domain) skip the lookup altogether.
    if (off(classes.success, req.qname) && off(classes.denial, req.qname)) return next(req);
    const key = `${req.do ? 1 : 0}${req.cd ? 1 : 0}${req.qclass}|${req.type}|${req.qname}`;
    const now = clock.now();
    const hit = lookup(stores.success, key, now) ?? lookup(stores.denial, key, now);
    if (hit) {
      stats.hits++;
      return Promise.resolve(hit);
    }
    stats.misses++;
    return next(req).then((res) => {
      if (res) store(key, req, res, now);
      return res;
    });
  };

  function lookup(store: Map<string, Item>, key: string, now: number): DnsResponse | undefined {
    const item = store.get(key);
    if (!item) return undefined;
    const left = item.ttl - Math.floor((now - item.stored) / 1000);
    if (left <= 0) {
      store.delete(key);
      return undefined;
    }
    // The same object for every hit within a second, so the wire layer can reuse its encoding.
    if (item.served?.left !== left) item.served = { left, res: withTTL(item.res, left) };
    return item.served.res;
  }

  function store(key: string, req: DnsRequest, res: DnsResponse, now: number): void {
    if (res.truncated) return;
    const kind = classify(res);
    if (!kind) return;
    const cls = classes[kind];
    if (off(cls, req.qname)) return;
    const msgTTL = kind === 'success' ? minTTL(res) : denialTTL(res);
    const ttl = Math.min(Math.max(msgTTL, cls.minTTL), cls.maxTTL);
    if (ttl <= 0) return;
    const m = stores[kind];
    m.delete(key);
    if (m.size >= cls.capacity) m.delete(m.keys().next().value!);
    m.set(key, { res, stored: now, ttl });
  }

  return {
    plugin,
    stats: () => ({ ...stats, successEntries: stores.success.size, denialEntries: stores.denial.size }),
  };
}

function classify(res: DnsResponse): 'success' | 'denial' | undefined {
  if (res.rcode === Rcode.NXDOMAIN) return 'denial';
  if (res.rcode !== Rcode.NOERROR) return undefined;
  if (res.answers.length > 0) return 'success';
  // NOERROR without answers: NODATA when the authority has the SOA; a referral otherwise (not kept).
  return res.authorities.some((rr) => rr.type === 'SOA') ? 'denial' : undefined;
}

function ttlOf(rr: Answer): number {
  return 'ttl' in rr && typeof rr.ttl === 'number' ? rr.ttl : 0;
}

function minTTL(res: DnsResponse): number {
  let min = Infinity;
  for (const rr of [...res.answers, ...res.authorities, ...res.additionals]) if (rr.type !== 'OPT') min = Math.min(min, ttlOf(rr));
  return min === Infinity ? 0 : min;
}

function denialTTL(res: DnsResponse): number {
  const soa = res.authorities.find((rr) => rr.type === 'SOA');
  if (!soa || soa.type !== 'SOA') return 0;
  return Math.min(ttlOf(soa), soa.data.minimum ?? 0);
}

function withTTL(res: DnsResponse, ttl: number): DnsResponse {
  return { ...res, answers: setTTL(res.answers, ttl), authorities: setTTL(res.authorities, ttl), additionals: setTTL(res.additionals, ttl), shared: true };
}

function setTTL(list: Answer[], ttl: number): Answer[] {
  return list.map((rr) => (rr.type === 'OPT' ? rr : ({ ...rr, ttl } as Answer)));
}
