/**
 * Entries → resource records, per query type, as CoreDNS's plugin/backend_lookup.go: A/AAAA keep
 * the addresses of their family (deduplicated) and follow in-zone CNAMEs; SRV weights share 100
 * among the records and add the targets' addresses as additionals; CNAME/PTR/TXT take names/text.
 */
import type { Answer } from 'dns-packet';
import type { Entry } from './records.js';
import { isIPv4, isIPv6, isSubdomain, normalizeName } from '../names.js';

export type AddressType = 'A' | 'AAAA';

/** Resolves a name inside the plugin's zone (for CNAME chains); undefined = name error. */
export type InZoneLookup = (name: string) => Entry[] | undefined;

const MAX_CNAME_CHAIN = 8;

export function addressRecords(
  qname: string,
  type: AddressType,
  entries: Entry[],
  zone: string,
  lookup: InZoneLookup,
  previous: Answer[] = [],
): Answer[] {
  const out: Answer[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const v4 = isIPv4(e.host);
    const v6 = !v4 && isIPv6(e.host);
    if (v4 || v6) {
      if ((type === 'A') !== v4 || seen.has(e.host)) continue;
      seen.add(e.host);
      out.push({ name: qname, type, ttl: e.ttl, class: 'IN', data: e.host });
      continue;
    }
    // A name: x CNAME x is a loop; long chains and repeats are cut, as CoreDNS does.
    if (normalizeName(qname) === normalizeName(e.host) || previous.length > MAX_CNAME_CHAIN - 1) continue;
    if (previous.some((p) => p.type === 'CNAME' && normalizeName(p.data as string) === normalizeName(e.host))) continue;
    const cname: Answer = { name: qname, type: 'CNAME', ttl: e.ttl, class: 'IN', data: e.host };
    if (isSubdomain(normalizeName(e.host), normalizeName(zone))) {
      const next = lookup(e.host);
      if (!next) continue;
      const rest = addressRecords(e.host, type, next, zone, lookup, [...previous, cname]);
      if (rest.length) out.push(cname, ...rest);
      continue;
    }
    // Out of the zone: CoreDNS would ask its upstream; kemu leaves following the CNAME to the client.
    out.push(cname);
  }
  return out;
}

/** SRV records plus the targets' addresses as additionals. */
export function srvRecords(qname: string, entries: Entry[]): { answers: Answer[]; extra: Answer[] } {
  // Every address entry weighs 100 (all priority 0), so each record gets floor(100 / count), at
  // least 1; entries deduplicated below still count, as in CoreDNS.
  const count = entries.filter((e) => isIPv4(e.host) || isIPv6(e.host)).length;
  const weight = Math.max(1, Math.floor(100 / Math.max(1, count)));
  const answers: Answer[] = [];
  const extra: Answer[] = [];
  const seenSrv = new Set<string>();
  const seenAddr = new Set<string>();
  for (const e of entries) {
    if (e.port === -1) continue;
    const v4 = isIPv4(e.host);
    if (!v4 && !isIPv6(e.host)) continue; // ExternalName entries are dropped for SRV, as CoreDNS does.
    const srvKey = `${e.key}|${e.port}`;
    if (!seenSrv.has(srvKey)) {
      seenSrv.add(srvKey);
      answers.push({ name: qname, type: 'SRV', ttl: e.ttl, class: 'IN', data: { priority: 0, weight, port: e.port, target: e.key } });
    }
    const addrKey = `${e.key}|${e.host}`;
    if (!seenAddr.has(addrKey)) {
      seenAddr.add(addrKey);
      extra.push({ name: e.key, type: v4 ? 'A' : 'AAAA', ttl: e.ttl, class: 'IN', data: e.host });
    }
  }
  return { answers, extra };
}

export function cnameRecords(qname: string, entries: Entry[]): Answer[] {
  const e = entries[0];
  if (!e || isIPv4(e.host) || isIPv6(e.host)) return [];
  return [{ name: qname, type: 'CNAME', ttl: e.ttl, class: 'IN', data: e.host }];
}

/** PTR records for the entries that are names (addresses are skipped, as CoreDNS does). */
export function ptrRecords(qname: string, entries: Entry[]): Answer[] {
  const seen = new Set<string>();
  const out: Answer[] = [];
  for (const e of entries) {
    if (seen.has(e.host) || isIPv4(e.host) || isIPv6(e.host)) continue;
    seen.add(e.host);
    out.push({ name: qname, type: 'PTR', ttl: e.ttl, class: 'IN', data: e.host });
  }
  return out;
}

export function txtRecords(qname: string, entries: Entry[]): Answer[] {
  const out: Answer[] = [];
  for (const e of entries) if (e.text !== undefined) out.push({ name: qname, type: 'TXT', ttl: e.ttl, class: 'IN', data: [e.text] });
  return out;
}

/** The zone's SOA as CoreDNS writes it: TTL min(ttl, 300), minimum = ttl, serial = last change. */
export function soaRecord(zone: string, ttl: number, serial: number): Answer {
  const inZone = (label: string) => (zone === '' ? label : `${label}.${zone}`);
  return {
    name: zone,
    type: 'SOA',
    ttl: Math.min(ttl, 300),
    class: 'IN',
    data: { mname: inZone('ns.dns'), rname: inZone('hostmaster'), serial: serial >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
  };
}
