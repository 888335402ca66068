/**
 * What the kubernetes plugin reads from the cluster: a narrow view (CoreDNS's dnsController has 17
 * methods; this has what the answers need), backed by shared informers with indexes so every
 * lookup is a map access, never a scan. EndpointSlices are read as CoreDNS reads them: only
 * endpoints whose `ready` condition is true or unset, one subset per slice.
 */
import type { InformerFactory } from '../../api/client/factory.js';
import type { Informer } from '../../api/client/informer.js';
import type { Clock } from '../../util/clock.js';
import type { EndpointSlice, KubeObject, Pod, Service } from '../../api/types.js';
import { canonicalIP } from '../names.js';

export interface EndpointAddress {
  ip: string;
  hostname: string;
  /** The pod's name (targetRef), for endpoint_pod_names-style naming and nothing else yet. */
  targetRefName: string;
}

export interface EndpointPort {
  /** -1 is CoreDNS's sentinel for "no ports": the addresses still answer A, never SRV. */
  port: number;
  name: string;
  protocol: string;
}

export interface EndpointSubset {
  /** namespace/service the slice belongs to. */
  namespace: string;
  service: string;
  addresses: EndpointAddress[];
  ports: EndpointPort[];
}

export interface KubeView {
  hasSynced(): boolean;
  namespaceExists(namespace: string): boolean;
  service(namespace: string, name: string): Service | undefined;
  /** One subset per EndpointSlice of the service, with ready addresses only. */
  endpoints(namespace: string, service: string): EndpointSubset[];
  servicesByIP(ip: string): Service[];
  /** Subsets having `ip` as a ready address. */
  endpointsByIP(ip: string): EndpointSubset[];
  /** Pods (not being deleted) whose status.podIP is `ip`. */
  podsByIP(ip: string): Pod[];
  /** Unix seconds of the last Service or EndpointSlice change: the SOA serial, as CoreDNS's. */
  modified(): number;
  /** A number that changes whenever anything the answers read changes (memoized answers are keyed on it). */
  generation(): number;
}

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
const SVC_BY_IP = 'dns-service-ip';
const SLICE_BY_SERVICE = 'dns-slice-service';
const SLICE_BY_READY_IP = 'dns-slice-ready-ip';
const POD_BY_IP = 'dns-pod-ip';

/** A service's cluster IPs as CoreDNS lists them: spec.clusterIPs, else [spec.clusterIP]. */
export function clusterIPs(s: Service): string[] {
  const ips = s.spec.clusterIPs?.length ? s.spec.clusterIPs : [s.spec.clusterIP ?? ''];
  return ips.map(canonicalIP);
}

export function isHeadless(s: Service): boolean {
  return clusterIPs(s)[0] === 'None';
}

// Slices are frozen and replaced on change, so a conversion keyed by object is never stale.
const subsetCache = new WeakMap<EndpointSlice, EndpointSubset | null>();

export function sliceToSubset(s: EndpointSlice): EndpointSubset | undefined {
  const hit = subsetCache.get(s);
  if (hit !== undefined) return hit ?? undefined;
  const service = s.metadata.labels?.[LABEL_SERVICE_NAME];
  let out: EndpointSubset | null = null;
  if (service && s.addressType !== 'FQDN') {
    const ports = s.ports?.length
      ? s.ports.map((p) => ({ port: p.port ?? -1, name: p.name ?? '', protocol: p.protocol ?? 'TCP' }))
      : [{ port: -1, name: '', protocol: '' }];
    const addresses: EndpointAddress[] = [];
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      const targetRefName = e.targetRef && e.targetRef.name.length < 64 ? e.targetRef.name : '';
      for (const a of e.addresses) addresses.push({ ip: canonicalIP(a), hostname: e.hostname ?? '', targetRefName });
    }
    out = { namespace: s.metadata.namespace ?? '', service, addresses, ports };
  }
  subsetCache.set(s, out);
  return out ?? undefined;
}

export class InformerView implements KubeView {
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly namespaces: Informer<KubeObject>;
  private readonly pods: Informer<Pod> | undefined;
  private lastChange: number;
  private gen = 0;

  /** `watchPods` only for `pods verified`: CoreDNS watches pods in that mode alone, they are many. */
  constructor(factory: InformerFactory, private readonly clock: Clock, watchPods: boolean) {
    this.lastChange = Math.floor(clock.now() / 1000);
    this.services = factory.informer<Service>('services');
    this.slices = factory.informer<EndpointSlice>('endpointslices');
    this.namespaces = factory.informer<KubeObject>('namespaces');
    this.services.addIndex(SVC_BY_IP, (s) => clusterIPs(s).filter((ip) => ip !== '' && ip !== 'None'));
    this.slices.addIndex(SLICE_BY_SERVICE, (s) => {
      const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
      return svc ? [`${s.metadata.namespace}/${svc}`] : [];
    });
    this.slices.addIndex(SLICE_BY_READY_IP, (s) => sliceToSubset(s)?.addresses.map((a) => a.ip) ?? []);
    const touch = () => {
      this.lastChange = Math.floor(this.clock.now() / 1000);
      this.gen++;
    };
    const bump = () => void this.gen++;
    for (const inf of [this.services, this.slices] as Informer<KubeObject>[]) {
      inf.addHandlers({ onAdd: touch, onUpdate: touch, onDelete: touch });
    }
    this.namespaces.addHandlers({ onAdd: bump, onUpdate: bump, onDelete: bump });
    if (watchPods) {
      this.pods = factory.informer<Pod>('pods');
      this.pods.addIndex(POD_BY_IP, (p) => (p.status?.podIP && !p.metadata.deletionTimestamp ? [canonicalIP(p.status.podIP)] : []));
      this.pods.addHandlers({ onAdd: bump, onUpdate: bump, onDelete: bump });
    }
  }

  private informers(): Informer<any>[] {
    return [this.services, this.slices, this.namespaces, ...(this.pods ? [this.pods] : [])];
  }

  /** Starts the informers (a no-op for ones already running) and resolves when all have synced. */
  async start(): Promise<void> {
    for (const inf of this.informers()) inf.start();
    await Promise.all(this.informers().map((inf) => inf.waitForSync()));
  }

  hasSynced(): boolean {
    return this.informers().every((inf) => inf.hasSynced());
  }

  namespaceExists(namespace: string): boolean {
    return this.namespaces.get(undefined, namespace) !== undefined;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.get(namespace, name);
  }

  endpoints(namespace: string, service: string): EndpointSubset[] {
    return subsets(this.slices.byIndex(SLICE_BY_SERVICE, `${namespace}/${service}`));
  }

  servicesByIP(ip: string): Service[] {
    return this.services.byIndex(SVC_BY_IP, ip);
  }

  endpointsByIP(ip: string): EndpointSubset[] {
    return subsets(this.slices.byIndex(SLICE_BY_READY_IP, ip));
  }

  podsByIP(ip: string): Pod[] {
    return this.pods ? this.pods.byIndex(POD_BY_IP, ip) : [];
  }

  modified(): number {
    return this.lastChange;
  }

  generation(): number {
    return this.gen;
  }
}

function subsets(slices: EndpointSlice[]): EndpointSubset[] {
  const out: EndpointSubset[] = [];
  for (const s of slices) {
    const sub = sliceToSubset(s);
    if (sub) out.push(sub);
  }
  return out;
}
