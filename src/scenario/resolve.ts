/**
 * Scenario targets (parsed by topology/scenario-targets.ts) resolved against the running cluster:
 * the namespace to send from, the address to send to, the node and subnet each end lives on (for
 * same-node / cross-node / cross-subnet), and the Service behind a target (for endpoint spread).
 */
import type { EndpointSlice, Pod, Service } from '../api/types.js';
import type { NetNamespace } from '../dataplane/stack/index.js';
import { podResolvConf } from '../node/resolv-conf.js';
import { resolveInNamespace } from '../lab/dns/stub-resolver.js';
import { parseIpv4 } from '../net/index.js';
import { type Endpoint, type PortTarget, parseEndpoint, parsePortTarget } from '../topology/scenario-targets.js';
import type { PathClass } from '../topology/scenario-types.js';
import { KemuError } from '../util/errors.js';
import type { ScenarioCluster } from './context.js';
import type { PlaceInfo } from './types.js';

export interface Place extends PlaceInfo {
  /** The namespace kemu runs for this place (undefined: an address nobody in the emulation owns). */
  ns: NetNamespace | undefined;
  /** Set for pods: their namespace/name. */
  pod?: { namespace: string; name: string };
}

/** A place kemu runs a namespace for: where traffic can start. */
export type SourcePlace = Place & { ns: NetNamespace };

export interface PortPlace extends Place {
  port: number;
  /** The Service the traffic is addressed to, when there is one (ClusterIP, NodePort or its DNS name). */
  service?: { namespace: string; name: string };
  /**
   * nodeport: where a real client on this machine reaches it (the node's real address, and the
   * NodePort itself or, with distinct ports, the real port standing for it); undefined when nothing
   * listens for it there.
   */
  real?: { address: string; port: number };
}

export function info(p: Place): PlaceInfo {
  return { target: p.target, ip: p.ip, node: p.node, subnet: p.subnet };
}

/** same-node, cross-node (one subnet) or cross-subnet; null when an end is not on a node. */
export function pathBetween(a: PlaceInfo, b: PlaceInfo): PathClass | null {
  if (a.node === null || b.node === null) return null;
  if (a.node === b.node) return 'same-node';
  return a.subnet !== null && a.subnet === b.subnet ? 'cross-node' : 'cross-subnet';
}

export class Resolver {
  constructor(private readonly c: ScenarioCluster) {}

  async endpoint(text: string): Promise<Place> {
    const e = parseEndpoint(text);
    if (!e.ok) throw new KemuError('ERR_SCENARIO_TARGET', e.message);
    return this.place(text, e.value);
  }

  /** A source: a place kemu runs a namespace for. */
  async source(text: string): Promise<SourcePlace> {
    const p = await this.endpoint(text);
    if (p.ns === undefined) throw new KemuError('ERR_SCENARIO_TARGET', `${text}: no namespace of the emulation owns ${p.ip}`);
    return p as SourcePlace;
  }

  async portTarget(text: string, from: Place | undefined): Promise<PortPlace> {
    const t = parsePortTarget(text);
    if (!t.ok) throw new KemuError('ERR_SCENARIO_TARGET', t.message);
    return this.portPlace(text, t.value, from);
  }

  /** The Service's ready endpoints (pod names), from its EndpointSlices. */
  async readyEndpoints(svc: { namespace: string; name: string }): Promise<{ pod: string; node: string | null }[]> {
    const slices = await this.c.client.list<EndpointSlice>('endpointslices', {
      namespace: svc.namespace, labelSelector: `kubernetes.io/service-name=${svc.name}`,
    });
    const out = new Map<string, string | null>();
    for (const s of slices.items) {
      for (const e of s.endpoints ?? []) {
        if (e.conditions?.ready === false || e.targetRef?.kind !== 'Pod') continue;
        out.set(e.targetRef.name, e.nodeName ?? null);
      }
    }
    return [...out].map(([pod, node]) => ({ pod, node })).sort((a, b) => a.pod.localeCompare(b.pod));
  }

  /** Running pods attached to the packet plane that match a selector (sorted by name). */
  async pods(namespace: string, selector: string, node: string | null = null): Promise<Place[]> {
    const list = await this.c.client.list<Pod>('pods', { namespace, labelSelector: selector });
    return list.items
      .filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && (node === null || p.spec.nodeName === node))
      .filter((p) => this.c.network.pods.has(`${namespace}/${p.metadata.name}`))
      .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!))
      .map((p) => this.podPlace(`pod/${p.metadata.name}.${namespace}`, namespace, p.metadata.name!));
  }

  private async place(text: string, e: Endpoint): Promise<Place> {
    const net = this.c.network;
    switch (e.kind) {
      case 'node': {
        const n = net.node(e.node);
        return { target: text, ip: n.eth0.address, node: n.name, subnet: n.eth0.subnet.name, ns: n.ns };
      }
      case 'router': {
        const r = e.router === 'gateway' ? net.gateway : net.routers.get(e.router);
        if (r === undefined) throw new KemuError('ERR_SCENARIO_TARGET', `${text}: no router named ${e.router}`);
        return { target: text, ip: r.links[0]!.address, node: null, subnet: r.links.length === 1 ? r.links[0]!.subnet.name : null, ns: r.ns };
      }
      case 'pod':
        if (!net.pods.has(`${e.namespace}/${e.name}`)) throw new KemuError('ERR_SCENARIO_TARGET', `${text}: pod ${e.namespace}/${e.name} is not running on the packet plane`);
        return this.podPlace(text, e.namespace, e.name);
      case 'pod-selector': {
        const found = await this.pods(e.namespace, e.selector, e.node);
        if (found.length === 0) {
          throw new KemuError('ERR_SCENARIO_TARGET', `${text}: no running pod matches ${e.selector} in ${e.namespace}${e.node ? ` on ${e.node}` : ''}`);
        }
        return { ...found[0]!, target: text };
      }
      case 'ip':
        return this.ipPlace(text, e.ip);
      case 'external':
        throw new KemuError('ERR_SCENARIO_TARGET', '"external" is only a source of http steps');
    }
  }

  private podPlace(text: string, namespace: string, name: string): Place {
    const pod = this.c.network.pods.get(`${namespace}/${name}`)!;
    const subnet = this.c.network.nodes.get(pod.node)?.eth0.subnet.name ?? null;
    return { target: text, ip: pod.ip, node: pod.node, subnet, ns: pod.ns, pod: { namespace, name } };
  }

  /** Whoever owns the address: a node, a pod, a router, or nobody (a ClusterIP, an outside address). */
  private ipPlace(text: string, ip: string): Place {
    const net = this.c.network;
    const parsed = parseIpv4(ip);
    const owner = parsed.ok ? net.ownerOf(parsed.value) : undefined;
    if (owner === undefined) return { target: text, ip, node: null, subnet: null, ns: undefined };
    for (const n of net.nodes.values()) if (n.ns === owner.ns) return { target: text, ip, node: n.name, subnet: n.eth0.subnet.name, ns: n.ns };
    for (const p of net.pods.values()) {
      if (p.ns === owner.ns) {
        const [namespace, name] = p.key.split('/') as [string, string];
        return { ...this.podPlace(text, namespace, name), ip };
      }
    }
    return { target: text, ip, node: null, subnet: null, ns: owner.ns };
  }

  private async portPlace(text: string, t: PortTarget, from: Place | undefined): Promise<PortPlace> {
    switch (t.kind) {
      case 'service': {
        const svc = await this.c.client.get<Service>('services', t.namespace, t.name);
        const ip = svc.spec.clusterIP;
        if (!ip || ip === 'None') throw new KemuError('ERR_SCENARIO_TARGET', `${text}: Service ${t.namespace}/${t.name} has no ClusterIP`);
        return { target: text, ip, node: null, subnet: null, ns: undefined, port: t.port, service: { namespace: t.namespace, name: t.name } };
      }
      case 'nodeport': {
        const node = this.c.config.nodes.find((n) => n.name === t.node);
        if (node === undefined) throw new KemuError('ERR_SCENARIO_TARGET', `${text}: no node named ${t.node}`);
        const n = this.c.network.node(t.node);
        const service = await this.serviceByNodePort(t.port);
        // Before the edge listens (or for a port no Service has) the client is refused, as it would be.
        const real = this.c.realEndpoint(t.node, t.port) ?? (this.c.config.distinctPorts ? undefined : { address: node.realAddress, port: t.port });
        return {
          target: text, ip: node.address, node: t.node, subnet: n.eth0.subnet.name, ns: n.ns, port: t.port,
          ...(real ? { real } : {}),
          ...(service ? { service } : {}),
        };
      }
      case 'dns': {
        if (from?.pod === undefined || from.ns === undefined) throw new KemuError('ERR_SCENARIO_TARGET', `${text}: a DNS name needs a pod as the source (its resolv.conf)`);
        const ip = await this.lookup(from as SourcePlace, t.host, 2000, 2);
        const service = await this.serviceByClusterIP(ip);
        return { ...this.ipPlace(text, ip), port: t.port, ...(service ? { service } : {}) };
      }
      default: {
        const p = await this.place(text, t as Endpoint);
        return { ...p, port: t.port };
      }
    }
  }

  /** An A lookup through the pod's resolv.conf, with the step's timeout per try. */
  async lookup(from: SourcePlace, host: string, timeoutMs: number, attempts = 1): Promise<string> {
    const podMeta = { metadata: { namespace: from.pod?.namespace ?? 'default' }, spec: { containers: [] } } as unknown as Pod;
    const conf = podResolvConf(podMeta, { clusterDNS: this.c.clusterDNS, clusterDomain: this.c.config.dnsDomain });
    return resolveInNamespace(from.ns, { ...conf, timeout: timeoutMs / 1000, attempts }, host);
  }

  private async serviceByNodePort(port: number): Promise<{ namespace: string; name: string } | undefined> {
    const list = await this.c.client.list<Service>('services');
    const svc = list.items.find((s) => (s.spec.ports ?? []).some((p) => p.nodePort === port));
    return svc && { namespace: svc.metadata.namespace!, name: svc.metadata.name! };
  }

  private async serviceByClusterIP(ip: string): Promise<{ namespace: string; name: string } | undefined> {
    const list = await this.c.client.list<Service>('services');
    const svc = list.items.find((s) => s.spec.clusterIP === ip);
    return svc && { namespace: svc.metadata.namespace!, name: svc.metadata.name! };
  }
}
