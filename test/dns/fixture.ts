/**
 * A cluster for DNS tests: the real test API with Services, EndpointSlices and Pods created through
 * the in-process client, informers synced, and helpers to ask the chain through the wire seam.
 */
import dnsPacket, { type Answer, type DecodedPacket, type RecordType } from 'dns-packet';
import { startTestApi, type TestApi } from '../support/api.js';
import { InformerFactory } from '../../src/api/client/factory.js';
import { FakeClock, RealClock } from '../../src/util/clock.js';
import { InformerView } from '../../src/dns/kubernetes/view.js';
import { WireHandler } from '../../src/dns/wire.js';
import type { Handler, Transport } from '../../src/dns/types.js';
import type { KubeObject } from '../../src/api/types.js';

/** The view's clock: the SOA serial is its time in seconds, so answers are deterministic. */
export const SERIAL = Date.UTC(2026, 0, 1) / 1000;

export interface DnsFixture {
  api: TestApi;
  factory: InformerFactory;
  viewClock: FakeClock;
  view(watchPods: boolean): Promise<InformerView>;
  close(): Promise<void>;
}

export const svc = (name: string, namespace: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec,
});

export interface SliceEndpoint {
  ip: string | string[];
  ready?: boolean;
  hostname?: string;
  pod?: string;
}

export const slice = (
  name: string,
  namespace: string,
  service: string,
  endpoints: SliceEndpoint[],
  ports: { name?: string; port: number; protocol?: string }[],
  addressType: 'IPv4' | 'IPv6' = 'IPv4',
): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } },
  addressType,
  endpoints: endpoints.map((e) => ({
    addresses: Array.isArray(e.ip) ? e.ip : [e.ip],
    ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }),
    ...(e.hostname ? { hostname: e.hostname } : {}),
    ...(e.pod ? { targetRef: { kind: 'Pod', namespace, name: e.pod } } : {}),
  })),
  ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
});

export async function startFixture(objects: KubeObject[]): Promise<DnsFixture> {
  const api = await startTestApi();
  for (const o of objects) {
    const resource = o.kind === 'Namespace' ? 'namespaces' : o.kind === 'Service' ? 'services' : o.kind === 'Pod' ? 'pods' : 'endpointslices';
    const created = await api.client.create(resource, o);
    if (o.kind === 'Pod' && o.status) await api.client.update('pods', { ...created, status: o.status }, 'status');
  }
  const factory = new InformerFactory(api.client, new RealClock());
  const viewClock = new FakeClock(SERIAL * 1000);
  return {
    api,
    factory,
    viewClock,
    async view(watchPods: boolean) {
      const v = new InformerView(factory, viewClock, watchPods);
      await v.start();
      return v;
    },
    async close() {
      factory.stop();
      await api.close();
    },
  };
}

export interface AskOptions {
  /** EDNS0 UDP size; undefined = no OPT record. */
  edns?: number;
  do?: boolean;
  transport?: Transport;
  id?: number;
  qclass?: string;
}

export function query(name: string, type: RecordType, o: AskOptions = {}): Buffer {
  return dnsPacket.encode({
    id: o.id ?? 4711,
    type: 'query',
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: (o.qclass ?? 'IN') as 'IN' }],
    additionals:
      o.edns === undefined
        ? []
        : [{ name: '.', type: 'OPT', udpPayloadSize: o.edns, extendedRcode: 0, ednsVersion: 0, flags: o.do ? dnsPacket.DNSSEC_OK : 0, flag_do: !!o.do, options: [] }],
  });
}

/** Sends one query through a WireHandler (or a bare chain) and decodes the reply. */
export async function ask(h: WireHandler | Handler, name: string, type: RecordType, o: AskOptions = {}): Promise<DecodedPacket & { rcode: string; bytes: number }> {
  const wire = h instanceof WireHandler ? h : new WireHandler(h);
  const out = await wire.handleWire(query(name, type, o), o.transport ?? 'tcp');
  if (!out) throw new Error('no reply');
  return Object.assign(dnsPacket.decode(out) as DecodedPacket & { rcode: string }, { bytes: out.length });
}

/** A record's TTL and data, whatever its type (dns-packet's Answer union hides them on OPT). */
export const ttlOf = (a: Answer): number => (a as { ttl: number }).ttl;
export const dataOf = (a: Answer): unknown => (a as { data: unknown }).data;

/** The rcode name of an encoded reply. */
export const rcodeOf = (buf: Buffer): string => (dnsPacket.decode(buf) as DecodedPacket & { rcode: string }).rcode;

/** A record in zone-file style: "web.ns.svc.cluster.local. 30 IN A 10.96.0.10". */
export function rr(a: Answer): string {
  if (a.type === 'OPT') return 'OPT';
  const d = a.data as any;
  let data: string;
  switch (a.type) {
    case 'SRV':
      data = `${d.priority} ${d.weight} ${d.port} ${d.target}.`;
      break;
    case 'SOA':
      data = `${d.mname}. ${d.rname}. ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
      break;
    case 'TXT':
      data = (d as Buffer[]).map((b) => `"${b.toString()}"`).join(' ');
      break;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      data = `${d}.`;
      break;
    default:
      data = String(d);
  }
  return `${a.name}. ${a.ttl} ${a.class} ${a.type} ${data}`;
}
