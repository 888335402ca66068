/**
 * The kubernetes plugin's lookups, as CoreDNS's Records/findServices/findPods/serviceRecordForIP:
 * a name becomes a list of `Entry` values (an address or a target name, with a port and the owner
 * name an SRV answer points at) or a name error. Turning entries into RRs is answers.ts's job.
 */
import type { RecordRequest } from './parse.js';
import { clusterIPs, isHeadless, type EndpointAddress, type KubeView } from './view.js';
import { isIPv4, isIPv6, join } from '../names.js';

export type PodMode = 'disabled' | 'insecure' | 'verified';

export interface Entry {
  /** An IP address, or a name (ExternalName's CNAME target). */
  host: string;
  /** Service or endpoint port; -1 = none (no SRV). */
  port: number;
  /** The name this entry is known by (SRV target): service.ns.svc.zone or endpoint.service.ns.svc.zone. */
  key: string;
  ttl: number;
  text?: string;
}

/** Entries, or `nameError` (CoreDNS's errNoItems / errNsNotExposed / errInvalidRequest). */
export type Lookup = { entries: Entry[]; nameError: false } | { entries: []; nameError: true };

export const found = (entries: Entry[]): Lookup => ({ entries, nameError: false });
export const NAME_ERROR: Lookup = { entries: [], nameError: true };

export interface LookupContext {
  view: KubeView;
  ttl: number;
  podMode: PodMode;
  /** The zone as the query spelled it: CoreDNS builds SRV targets from it. */
  zone: string;
  /** The first non-reverse zone, lower-cased: PTR targets live there. */
  primaryZone: string;
}

/** CoreDNS's endpointHostname: the endpoint's hostname, else its IP with dashes. */
export function endpointHostname(a: EndpointAddress): string {
  if (a.hostname) return a.hostname;
  if (a.ip.includes('.')) return a.ip.replaceAll('.', '-');
  if (a.ip.includes(':')) return a.ip.replaceAll(':', '-');
  return '';
}

/** Records for a forward name that parsed; the apex and bare svc/pod give NODATA. */
export function records(ctx: LookupContext, r: RecordRequest): Lookup {
  if (r.podOrSvc === '') return found([]);
  if (!ctx.view.namespaceExists(r.namespace)) return NAME_ERROR;
  return r.podOrSvc === 'pod' ? findPods(ctx, r) : findServices(ctx, r);
}

function findPods(ctx: LookupContext, r: RecordRequest): Lookup {
  if (ctx.podMode === 'disabled') return NAME_ERROR;
  const podname = r.service;
  if (podname === '') return found([]);
  // a-b-c-d is IPv4; anything else is read as IPv6 with dashes for colons ("fd00--1").
  const dashes = podname.split('-').length - 1;
  const ip = dashes === 3 && !podname.includes('--') ? podname.replaceAll('-', '.') : podname.replaceAll('-', ':');
  if (!isIPv4(ip) && !isIPv6(ip)) return NAME_ERROR;
  const key = join(podname, r.namespace, 'pod', ctx.zone);
  if (ctx.podMode === 'insecure') return found([{ host: ip, port: -1, key, ttl: ctx.ttl }]);
  const entries: Entry[] = [];
  for (const p of ctx.view.podsByIP(ip)) {
    if (p.metadata.namespace === r.namespace) entries.push({ host: ip, port: -1, key, ttl: ctx.ttl });
  }
  return entries.length ? found(entries) : NAME_ERROR;
}

function matchPortAndProtocol(wantPort: string, port: string, wantProto: string, proto: string): boolean {
  return (wantPort === '' || wantPort === port.toLowerCase()) && (wantProto === '' || wantProto === proto.toLowerCase());
}

function findServices(ctx: LookupContext, r: RecordRequest): Lookup {
  if (r.service === '') return found([]);
  const svc = ctx.view.service(r.namespace, r.service);
  if (!svc) return NAME_ERROR;
  const svcKey = join(svc.metadata.name!, r.namespace, 'svc', ctx.zone);
  const entries: Entry[] = [];
  let matched = false;

  if (svc.spec.type === 'ExternalName') {
    // An ExternalName has no endpoints: an endpoint name below it does not exist.
    if (r.endpoint !== '' || !svc.spec.externalName) return NAME_ERROR;
    const target = svc.spec.externalName.replace(/\.$/, '');
    if (isIPv4(target) || isIPv6(target)) return NAME_ERROR;
    return found([{ host: target, port: -1, key: svcKey, ttl: ctx.ttl }]);
  }

  if (isHeadless(svc) || r.endpoint !== '') {
    for (const sub of ctx.view.endpoints(r.namespace, svc.metadata.name!)) {
      for (const addr of sub.addresses) {
        const hostname = endpointHostname(addr);
        if (r.endpoint !== '' && r.endpoint !== hostname.toLowerCase()) continue;
        for (const p of sub.ports) {
          if (!matchPortAndProtocol(r.port, p.name, r.protocol, p.protocol)) continue;
          matched = true;
          entries.push({ host: addr.ip, port: p.port, key: join(hostname, svcKey), ttl: ctx.ttl });
        }
      }
    }
    return matched ? found(entries) : NAME_ERROR;
  }

  // ClusterIP (also NodePort/LoadBalancer): one entry per matching port and cluster IP; a service
  // without ports gets CoreDNS's port -1 sentinel, so it still answers A.
  const ports = svc.spec.ports?.length ? svc.spec.ports : [{ name: '', port: -1, protocol: '' }];
  for (const p of ports) {
    if (!matchPortAndProtocol(r.port, p.name ?? '', r.protocol, p.protocol ?? 'TCP')) continue;
    matched = true;
    for (const ip of clusterIPs(svc)) entries.push({ host: ip, port: p.port, key: svcKey, ttl: ctx.ttl });
  }
  return matched ? found(entries) : NAME_ERROR;
}

/** PTR targets for an address: the service owning it as ClusterIP, else every ready endpoint with it. */
export function reverse(ctx: LookupContext, ip: string): Entry[] {
  for (const svc of ctx.view.servicesByIP(ip)) {
    return [{ host: join(svc.metadata.name!, svc.metadata.namespace!, 'svc', ctx.primaryZone), port: -1, key: '', ttl: ctx.ttl }];
  }
  const out: Entry[] = [];
  for (const sub of ctx.view.endpointsByIP(ip)) {
    for (const a of sub.addresses) {
      if (a.ip !== ip) continue;
      out.push({ host: join(endpointHostname(a), sub.service, sub.namespace, 'svc', ctx.primaryZone), port: -1, key: '', ttl: ctx.ttl });
    }
  }
  return out;
}

/**
 * The addresses of this DNS server as CoreDNS's nsAddrs finds them: the services whose endpoints
 * are one of `localIPs` (for kube-dns, its ClusterIP), else the local IPs as ns.dns.<zone>.
 */
export function nsAddrs(ctx: LookupContext, localIPs: readonly string[], zone: string): { name: string; ip: string }[] {
  const out: { name: string; ip: string }[] = [];
  for (const local of localIPs) {
    for (const sub of ctx.view.endpointsByIP(local)) {
      const svc = ctx.view.service(sub.namespace, sub.service);
      if (!svc) continue;
      const svcName = join(svc.metadata.name!, sub.namespace, 'svc', zone);
      if (isHeadless(svc)) for (const a of sub.addresses) out.push({ name: join(endpointHostname(a), svcName), ip: a.ip });
      else out.push({ name: svcName, ip: clusterIPs(svc)[0]! });
    }
  }
  if (out.length === 0) for (const ip of localIPs) out.push({ name: join('ns.dns', zone), ip });
  return out;
}
