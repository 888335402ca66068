/**
 * Allocation of Service ClusterIPs, NodePorts, health-check NodePorts and LoadBalancer ingress IPs,
 * as kube-apiserver's service REST storage does it: on create, on type changes, released on delete.
 */
import type { Service, ServicePort, StatusCause } from '../types.js';
import { ApiError } from '../errors.js';
import { ClusterIPAllocator, NodePortAllocator, intToIpv4, parseCidr, type RandomSource } from './allocators.js';

export class ServiceAddressing {
  readonly clusterIPs: ClusterIPAllocator;
  readonly nodePorts: NodePortAllocator;
  private readonly lbPool: { base: number; size: number; used: Set<number> } | undefined;

  constructor(opts: { serviceSubnet: string; nodePortRange?: [number, number]; loadBalancerPool?: string; random?: RandomSource }) {
    this.clusterIPs = new ClusterIPAllocator(opts.serviceSubnet, opts.random);
    const [first, last] = opts.nodePortRange ?? [30000, 32767];
    this.nodePorts = new NodePortAllocator(first, last, opts.random);
    if (opts.loadBalancerPool) {
      const { base, prefix } = parseCidr(opts.loadBalancerPool);
      this.lbPool = { base, size: 2 ** (32 - prefix), used: new Set() };
    }
  }

  /** Fills spec.clusterIP(s), nodePorts and healthCheckNodePort of a new Service (mutates `svc`). */
  allocateForCreate(svc: Service): void {
    const taken: (() => void)[] = [];
    try {
      this.allocateClusterIP(svc, taken);
      this.allocateNodePorts(svc, undefined, taken);
      this.allocateLoadBalancer(svc);
    } catch (err) {
      for (const undo of taken) undo();
      throw err;
    }
  }

  /** Adjusts allocations for an update: keeps ports that stay, allocates new ones, releases dropped ones. */
  reallocateForUpdate(svc: Service, old: Service): void {
    const taken: (() => void)[] = [];
    try {
      if (!svc.spec.clusterIP && old.spec.clusterIP) {
        // kubectl apply may omit clusterIP; it is immutable, so keep the allocated one.
        svc.spec.clusterIP = old.spec.clusterIP;
        svc.spec.clusterIPs = old.spec.clusterIPs;
      }
      this.allocateNodePorts(svc, old, taken);
      this.allocateLoadBalancer(svc, old);
    } catch (err) {
      for (const undo of taken) undo();
      throw err;
    }
    for (const port of usedNodePorts(old)) if (!usedNodePorts(svc).includes(port)) this.nodePorts.release(port);
    if (old.spec.type === 'LoadBalancer' && svc.spec.type !== 'LoadBalancer') this.releaseLoadBalancer(old);
  }

  release(svc: Service): void {
    if (svc.spec.clusterIP && svc.spec.clusterIP !== 'None') this.clusterIPs.release(svc.spec.clusterIP);
    for (const port of usedNodePorts(svc)) this.nodePorts.release(port);
    this.releaseLoadBalancer(svc);
  }

  /** Re-occupies what an existing Service holds (store restore). */
  occupy(svc: Service): void {
    if (svc.spec.clusterIP && svc.spec.clusterIP !== 'None') this.clusterIPs.allocate(svc.spec.clusterIP);
    for (const port of usedNodePorts(svc)) this.nodePorts.allocate(port);
  }

  private allocateClusterIP(svc: Service, taken: (() => void)[]): void {
    if (svc.spec.type === 'ExternalName') return;
    const requested = svc.spec.clusterIP;
    if (requested === 'None') {
      svc.spec.clusterIPs = ['None'];
      return;
    }
    if (requested) {
      const result = this.clusterIPs.allocate(requested);
      if (result !== 'ok') {
        const msg =
          result === 'taken'
            ? `failed to allocate IP ${requested}: provided IP is already allocated`
            : `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${this.clusterIPs.cidr}`;
        throw invalidService(svc, [{ field: 'spec.clusterIPs', reason: 'FieldValueInvalid', message: `Invalid value: []string{"${requested}"}: ${msg}` }]);
      }
    } else {
      const ip = this.clusterIPs.allocateNext();
      if (!ip) throw new ApiError('InternalError', 'Internal error occurred: failed to allocate a serviceIP: range is full');
      svc.spec.clusterIP = ip;
    }
    const ip = svc.spec.clusterIP!;
    svc.spec.clusterIPs = [ip];
    taken.push(() => this.clusterIPs.release(ip));
  }

  private allocateNodePorts(svc: Service, old: Service | undefined, taken: (() => void)[]): void {
    const wantsNodePorts = svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer';
    const ports = svc.spec.ports ?? [];
    if (!wantsNodePorts) {
      for (const p of ports) delete p.nodePort;
      delete svc.spec.healthCheckNodePort;
      return;
    }
    const oldPorts = new Set(old ? usedNodePorts(old) : []);
    const seen = new Set<number>();
    ports.forEach((p: ServicePort, i) => {
      if (p.nodePort && (oldPorts.has(p.nodePort) || seen.has(p.nodePort))) {
        seen.add(p.nodePort);
        return; // already ours (kept across the update, or shared by TCP and UDP of one port)
      }
      if (p.nodePort) {
        const result = this.nodePorts.allocate(p.nodePort);
        if (result !== 'ok') {
          const why =
            result === 'taken'
              ? 'provided port is already allocated'
              : `provided port is not in the valid range. The range of valid ports is ${this.nodePorts.first}-${this.nodePorts.last}`;
          throw invalidService(svc, [{ field: `spec.ports[${i}].nodePort`, reason: 'FieldValueInvalid', message: `Invalid value: ${p.nodePort}: ${why}` }]);
        }
      } else {
        // Reuse a port the old object had for the same port number (kubectl apply drops nodePort).
        const previous = old?.spec.ports?.find((o) => o.port === p.port && o.protocol === p.protocol)?.nodePort;
        if (previous && oldPorts.has(previous)) {
          p.nodePort = previous;
          seen.add(previous);
          return;
        }
        const next = this.nodePorts.allocateNext();
        if (next === undefined) throw new ApiError('InternalError', 'Internal error occurred: failed to allocate a nodePort: range is full');
        p.nodePort = next;
      }
      const port = p.nodePort;
      seen.add(port);
      taken.push(() => this.nodePorts.release(port));
    });
    const local = svc.spec.externalTrafficPolicy === 'Local' && svc.spec.type === 'LoadBalancer';
    if (local && !svc.spec.healthCheckNodePort) {
      const kept = old?.spec.healthCheckNodePort;
      const hc = kept ?? this.nodePorts.allocateNext();
      if (hc === undefined) throw new ApiError('InternalError', 'Internal error occurred: failed to allocate a healthCheckNodePort');
      svc.spec.healthCheckNodePort = hc;
      if (!kept) taken.push(() => this.nodePorts.release(hc));
    }
  }

  private allocateLoadBalancer(svc: Service, old?: Service): void {
    if (svc.spec.type !== 'LoadBalancer' || !this.lbPool) return;
    const existing = old?.status?.loadBalancer?.ingress?.[0]?.ip;
    if (existing) {
      svc.status = { loadBalancer: { ingress: [{ ip: existing }] } };
      return;
    }
    for (let i = 1; i < this.lbPool.size - 1; i++) {
      if (!this.lbPool.used.has(i)) {
        this.lbPool.used.add(i);
        svc.status = { loadBalancer: { ingress: [{ ip: intToIpv4(this.lbPool.base + i) }] } };
        return;
      }
    }
    svc.status = { loadBalancer: {} }; // pool exhausted: <pending>, as with a cloud that has no address
  }

  private releaseLoadBalancer(svc: Service): void {
    const ip = svc.status?.loadBalancer?.ingress?.[0]?.ip;
    if (!ip || !this.lbPool) return;
    const { base } = parseCidr(`${ip}/32`);
    this.lbPool.used.delete(base - this.lbPool.base);
  }
}

export function usedNodePorts(svc: Service): number[] {
  const out: number[] = [];
  for (const p of svc.spec?.ports ?? []) if (p.nodePort && !out.includes(p.nodePort)) out.push(p.nodePort);
  if (svc.spec?.healthCheckNodePort) out.push(svc.spec.healthCheckNodePort);
  return out;
}

function invalidService(svc: Service, causes: StatusCause[]): ApiError {
  const name = svc.metadata.name ?? '';
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new ApiError('Invalid', `Service "${name}" is invalid: ${summary}`, { name, kind: 'Service', group: '', causes });
}
