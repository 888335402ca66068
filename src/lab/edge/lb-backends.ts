/**
 * The decisions of the load balancer in front of LoadBalancer Services (pure): which real address
 * an ingress IP gets on this machine, and which nodes may receive its traffic. Backends are chosen as
 * a cloud provider's service controller and load balancer choose them: Ready nodes, without the
 * `node.kubernetes.io/exclude-from-external-load-balancers` label (kubeadm puts it on control-plane
 * nodes); for externalTrafficPolicy: Local only the nodes whose kube-proxy health check answers 200
 * (they have a ready endpoint of the Service). Connections go round robin over those.
 */
import type { Node, Service } from '../../api/types.js';
import { isNodeReady } from '../../api/conditions.js';
import { objectKey } from '../../api/client/informer.js';
import { formatIpv4, ipv4, parseIpv4 } from '../../net/addr.js';
import { inPrefix, isLoopbackIp, networkOf, parseCidr } from '../../dataplane/stack/cidr.js';

export const DEFAULT_LB_ADDRESS_BASE = '127.0.2.0';
export const LABEL_EXCLUDE_FROM_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

/**
 * The real address of an ingress IP: the N-th address of the pool (N = ingress − pool network) is
 * base + N, so with pool 172.18.255.0/24 and base 127.0.2.0, 172.18.255.1 is 127.0.2.1. Undefined when
 * the IP is outside the pool or the result would leave 127.0.0.0/8.
 */
export function lbRealAddress(ingressIP: string, pool: string, base: string): string | undefined {
  const { address, prefixLength } = parseCidr(pool);
  const ip = ipv4(ingressIP);
  if (!inPrefix(ip, address, prefixLength)) return undefined;
  // Outside 127.0.0.0/8 the address would be a real network's.
  const real = (ipv4(base) + (ip - networkOf(address, prefixLength))) >>> 0;
  return isLoopbackIp(real) ? formatIpv4(real) : undefined;
}

/** The first IPv4 ingress IP of a LoadBalancer Service (from the pool), if it has one yet. */
export function ingressIPOf(svc: Service): string | undefined {
  if (svc.spec.type !== 'LoadBalancer') return undefined;
  const ip = (svc.status?.loadBalancer?.ingress ?? [])[0]?.ip;
  return ip !== undefined && parseIpv4(ip).ok ? ip : undefined;
}

/** What a node's health check answers for a Service (kube-proxy's status code), if it serves one. */
export type HealthProbe = (node: string, service: string) => 200 | 503 | undefined;

/**
 * The nodes that may get a Service's new connections, in `candidates` order. When the exclusion
 * label would leave no node at all (a one-node cluster: kind removes the label there), it is ignored.
 */
export function eligibleNodes(svc: Service, candidates: readonly string[], nodeOf: (name: string) => Node | undefined, probe: HealthProbe): string[] {
  const ready = candidates.filter((n) => {
    const node = nodeOf(n);
    return node !== undefined && isNodeReady(node);
  });
  const included = ready.filter((n) => nodeOf(n)!.metadata.labels?.[LABEL_EXCLUDE_FROM_LB] === undefined);
  const pool = included.length > 0 ? included : ready;
  if (svc.spec.externalTrafficPolicy !== 'Local') return pool;
  const nsn = objectKey(svc);
  return pool.filter((n) => probe(n, nsn) === 200);
}

/** Round robin per Service: the next of the eligible nodes after the one chosen last time. */
export class RoundRobin {
  private readonly last = new Map<string, string>();

  next(service: string, eligible: readonly string[]): string | undefined {
    if (eligible.length === 0) return undefined;
    const prev = this.last.get(service);
    const at = prev === undefined ? -1 : eligible.indexOf(prev);
    // A node that left the list: start over from the first, as a fresh rotation would.
    const chosen = eligible[(at + 1) % eligible.length]!;
    this.last.set(service, chosen);
    return chosen;
  }

  forget(service: string): void {
    this.last.delete(service);
  }
}
