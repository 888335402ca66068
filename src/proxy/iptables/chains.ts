/**
 * kube-proxy's iptables chain names. Per-service chains are "KUBE-XXX-" + the first 16 characters of
 * base32(sha256(servicePortName + protocol)) — e.g. "default/kubernetes:https" + "tcp" gives
 * KUBE-SVC-NPX46M4PTMTKRN6Y on every real cluster — and endpoint chains hash the endpoint too
 * ("…tcp10.244.1.5:8080"). Same inputs, same names as a real node's, so `iptables-save` output and
 * tutorials line up with kemu's.
 */
import { createHash } from 'node:crypto';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
/** kubelet's anti-martian chain, which kube-proxy also writes when NodePorts answer on localhost. */
export const KUBE_FIREWALL = 'KUBE-FIREWALL';

const PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-SEP-', 'KUBE-FW-', 'KUBE-EXT-'] as const;

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding) of the first 10 bytes: exactly 16 characters. */
function base32Prefix16(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    acc = ((acc << 8) | bytes[i]!) & 0xfff; // at most 4 pending bits + 8 new ones
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += B32[(acc >>> bits) & 31];
    }
  }
  return out;
}

// Names are asked for on every sync for every service: hashing once per name keeps a sync cheap.
const cache = new Map<string, string>();
const CACHE_LIMIT = 200_000;

/** portProtoHash: 16 base32 characters of sha256(input). */
export function hash16(input: string): string {
  let h = cache.get(input);
  if (h === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    h = base32Prefix16(createHash('sha256').update(input).digest());
    cache.set(input, h);
  }
  return h;
}

/** The per-service chains of one service port: `name` is ServicePortName.String(), `protocol` lower case. */
export interface ServiceChains {
  /** KUBE-SVC-: dispatch to endpoints under Cluster policy. */
  cluster: string;
  /** KUBE-SVL-: dispatch to this node's endpoints under Local policy. */
  local: string;
  /** KUBE-FW-: loadBalancerSourceRanges. */
  firewall: string;
  /** KUBE-EXT-: entry for NodePort / external IP / load-balancer traffic. */
  external: string;
}

export function serviceChains(name: string, protocol: string): ServiceChains {
  const h = hash16(name + protocol);
  return { cluster: `KUBE-SVC-${h}`, local: `KUBE-SVL-${h}`, firewall: `KUBE-FW-${h}`, external: `KUBE-EXT-${h}` };
}

/** servicePortEndpointChainName: KUBE-SEP- for endpoint "ip:port" of a service port. */
export function endpointChain(name: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${hash16(name + protocol + endpoint)}`;
}

/** isServiceChainName: chains kube-proxy owns per service, deleted when no longer written. */
export function isServiceChainName(chain: string): boolean {
  return PREFIXES.some((p) => chain.startsWith(p));
}
