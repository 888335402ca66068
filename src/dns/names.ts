/**
 * Domain-name helpers. Names are dns-packet style: no trailing dot, "" for the root. Comparisons
 * work on lower-cased names; callers keep the received case for what they write back.
 */
import ipaddr from 'ipaddr.js';

/** "Cluster.Local." → "cluster.local"; "." → "". */
export function normalizeName(name: string): string {
  let n = name.toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  return n === '.' ? '' : n;
}

/** True when `name` equals `zone` or lies below it ("" is the root and contains everything). */
export function isSubdomain(name: string, zone: string): boolean {
  if (zone === '') return true;
  return name === zone || (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.');
}

/** The longest of `zones` that contains `name` (CoreDNS's plugin.Zones.Matches), or undefined. */
export function matchZone(name: string, zones: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const z of zones) if (isSubdomain(name, z) && (best === undefined || z.length > best.length)) best = z;
  return best;
}

/** The labels of `name` left of `zone` ("a.b.cluster.local" in "cluster.local" → ["a", "b"]). */
export function labelsBelow(name: string, zone: string): string[] {
  if (name === zone) return [];
  const base = zone === '' ? name : name.slice(0, name.length - zone.length - 1);
  return base === '' ? [] : base.split('.');
}

/** Joins labels and a zone into a name, skipping an empty (root) zone. */
export function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('.');
}

/**
 * The address a reverse name stands for: "4.3.2.1.in-addr.arpa" → "1.2.3.4", 32 nibbles under
 * ip6.arpa → the canonical IPv6 text. Partial or malformed names give undefined.
 */
export function addressFromReverse(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const labels = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (labels.length !== 4 || !labels.every((l) => /^(0|[1-9]\d{0,2})$/.test(l) && Number(l) <= 255)) return undefined;
    return labels.reverse().join('.');
  }
  if (name.endsWith('.ip6.arpa')) {
    const nibbles = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups = hex.match(/.{4}/g)!.join(':');
    return ipaddr.IPv6.parse(groups).toString();
  }
  return undefined;
}

/** The reverse name of an address (for tests and PTR owners). */
export function reverseName(ip: string): string {
  if (ip.includes(':')) {
    const hex = ipaddr.IPv6.parse(ip).toNormalizedString().split(':').map((g) => g.padStart(4, '0')).join('');
    return [...hex].reverse().join('.') + '.ip6.arpa';
  }
  return ip.split('.').reverse().join('.') + '.in-addr.arpa';
}

/** Dotted-quad IPv4 (a hot path: answers check every host they emit, so no parser here). */
export function isIPv4(s: string): boolean {
  const m = IPV4.exec(s);
  return m !== null && +m[1]! < 256 && +m[2]! < 256 && +m[3]! < 256 && +m[4]! < 256;
}
const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

export function isIPv6(s: string): boolean {
  return !s.includes('%') && s.includes(':') && ipaddr.IPv6.isValid(s);
}

/** The canonical text of an IPv6 address, so index lookups and the API's strings agree. */
export function canonicalIP(s: string): string {
  return isIPv6(s) ? ipaddr.IPv6.parse(s).toString() : s;
}
