/**
 * What kube-proxy's ipvs syncProxyRules wants on the host for one service port, as a plain value:
 * the IPVS virtual servers (ClusterIP, each external IP, each load-balancer VIP, the NodePort on each
 * node IP) with their real servers, the addresses bound to kube-ipvs0, and the ipset entries that
 * drive the masquerade and firewall rules. The proxier diffs two of these to change only what moved.
 */
import { categorizeEndpoints } from '../topology.js';
import type { EndpointInfo, ServicePortInfo } from '../types.js';
import type { RealServerSpec, VirtualServerSpec } from './model.js';
import type { SchedulerName } from './schedulers.js';

/** The ipsets of kube-proxy's ipvs mode (pkg/proxy/ipvs/ipset.go). */
export const KUBE_LOOP_BACK = 'KUBE-LOOP-BACK';
export const KUBE_CLUSTER_IP = 'KUBE-CLUSTER-IP';
export const KUBE_EXTERNAL_IP = 'KUBE-EXTERNAL-IP';
export const KUBE_EXTERNAL_IP_LOCAL = 'KUBE-EXTERNAL-IP-LOCAL';
export const KUBE_LOAD_BALANCER = 'KUBE-LOAD-BALANCER';
export const KUBE_LOAD_BALANCER_LOCAL = 'KUBE-LOAD-BALANCER-LOCAL';
export const KUBE_LOAD_BALANCER_FW = 'KUBE-LOAD-BALANCER-FW';
export const KUBE_LOAD_BALANCER_SOURCE_IP = 'KUBE-LOAD-BALANCER-SOURCE-IP';
export const KUBE_LOAD_BALANCER_SOURCE_CIDR = 'KUBE-LOAD-BALANCER-SOURCE-CIDR';
export const KUBE_NODE_PORT_TCP = 'KUBE-NODE-PORT-TCP';
export const KUBE_NODE_PORT_LOCAL_TCP = 'KUBE-NODE-PORT-LOCAL-TCP';
export const KUBE_NODE_PORT_UDP = 'KUBE-NODE-PORT-UDP';
export const KUBE_NODE_PORT_LOCAL_UDP = 'KUBE-NODE-PORT-LOCAL-UDP';
export const KUBE_HEALTH_CHECK_NODE_PORT = 'KUBE-HEALTH-CHECK-NODE-PORT';

export type IpsetKind = 'hash:ip,port' | 'hash:ip,port,ip' | 'hash:ip,port,net' | 'bitmap:port';

/** Name, type and comment of every set, in kube-proxy's ipsetInfo order. */
export const IPSETS: ReadonlyArray<{ name: string; type: IpsetKind; comment: string }> = [
  { name: KUBE_LOOP_BACK, type: 'hash:ip,port,ip', comment: 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose' },
  { name: KUBE_CLUSTER_IP, type: 'hash:ip,port', comment: 'Kubernetes service cluster ip + port for masquerade purpose' },
  { name: KUBE_EXTERNAL_IP, type: 'hash:ip,port', comment: 'Kubernetes service external ip + port for masquerade and filter purpose' },
  { name: KUBE_EXTERNAL_IP_LOCAL, type: 'hash:ip,port', comment: 'Kubernetes service external ip + port with externalTrafficPolicy=local' },
  { name: KUBE_LOAD_BALANCER, type: 'hash:ip,port', comment: 'Kubernetes service lb portal' },
  { name: KUBE_LOAD_BALANCER_FW, type: 'hash:ip,port', comment: 'Kubernetes service load balancer ip + port for load balancer with sourceRange' },
  { name: KUBE_LOAD_BALANCER_LOCAL, type: 'hash:ip,port', comment: 'Kubernetes service load balancer ip + port with externalTrafficPolicy=local' },
  { name: KUBE_LOAD_BALANCER_SOURCE_IP, type: 'hash:ip,port,ip', comment: 'Kubernetes service load balancer ip + port + source IP for packet filter purpose' },
  { name: KUBE_LOAD_BALANCER_SOURCE_CIDR, type: 'hash:ip,port,net', comment: 'Kubernetes service load balancer ip + port + source cidr for packet filter purpose' },
  { name: KUBE_NODE_PORT_TCP, type: 'bitmap:port', comment: 'Kubernetes nodeport TCP port for masquerade purpose' },
  { name: KUBE_NODE_PORT_LOCAL_TCP, type: 'bitmap:port', comment: 'Kubernetes nodeport TCP port with externalTrafficPolicy=local' },
  { name: KUBE_NODE_PORT_UDP, type: 'bitmap:port', comment: 'Kubernetes nodeport UDP port for masquerade purpose' },
  { name: KUBE_NODE_PORT_LOCAL_UDP, type: 'bitmap:port', comment: 'Kubernetes nodeport UDP port with externalTrafficPolicy=local' },
  { name: KUBE_HEALTH_CHECK_NODE_PORT, type: 'bitmap:port', comment: 'Kubernetes health check node port' },
];

export interface VirtualServiceState {
  spec: VirtualServerSpec;
  reals: RealServerSpec[];
}

export interface ServicePortState {
  virtualServers: VirtualServiceState[];
  /** Addresses kube-proxy binds to kube-ipvs0 (ClusterIP, external IPs, LB VIPs; not node IPs). */
  bindAddresses: string[];
  /** [set, entry] pairs, in ipset's text. */
  ipsetEntries: Array<[string, string]>;
}

export interface ServiceStateConfig {
  /** The node's IPv4 addresses: a NodePort is a virtual server on each. */
  nodeIPs: readonly string[];
  /** --ipvs-scheduler; default rr. */
  scheduler?: SchedulerName;
}

const realServers = (eps: readonly EndpointInfo[]): RealServerSpec[] => eps.map((e) => ({ address: e.ip, port: e.port, weight: 1 }));

/** One service port's wanted state; SCTP ports get none (kemu's IPVS knows TCP and UDP). */
export function servicePortState(cfg: ServiceStateConfig, svc: ServicePortInfo, endpoints: readonly EndpointInfo[]): ServicePortState {
  const out: ServicePortState = { virtualServers: [], bindAddresses: [], ipsetEntries: [] };
  if (svc.protocol === 'SCTP') return out;
  const proto = svc.protocol.toLowerCase();
  const protocol = svc.protocol;
  const scheduler = cfg.scheduler ?? 'rr';
  const timeout = svc.sessionAffinity === 'ClientIP' ? svc.stickyMaxAgeSeconds : 0;
  const { clusterEndpoints, localEndpoints } = categorizeEndpoints(endpoints, svc);
  const vs = (address: string, port: number, local: boolean): void => {
    out.virtualServers.push({ spec: { protocol, address, port, scheduler, timeout }, reals: realServers(local ? localEndpoints : clusterEndpoints) });
  };
  const entry = (set: string, e: string): void => void out.ipsetEntries.push([set, e]);
  const ipPort = (ip: string, port = svc.port): string => `${ip},${proto}:${port}`;

  // Hairpin: a local endpoint reaching itself through the service is masqueraded (KUBE-LOOP-BACK).
  for (const e of endpoints) if (e.isLocal) entry(KUBE_LOOP_BACK, `${e.ip},${proto}:${e.port},${e.ip}`);

  entry(KUBE_CLUSTER_IP, ipPort(svc.clusterIP));
  vs(svc.clusterIP, svc.port, svc.internalPolicyLocal);
  out.bindAddresses.push(svc.clusterIP);

  for (const ip of svc.externalIPs) {
    entry(svc.externalPolicyLocal ? KUBE_EXTERNAL_IP_LOCAL : KUBE_EXTERNAL_IP, ipPort(ip));
    vs(ip, svc.port, svc.externalPolicyLocal);
    out.bindAddresses.push(ip);
  }

  for (const ip of svc.loadBalancerVIPs) {
    entry(KUBE_LOAD_BALANCER, ipPort(ip));
    if (svc.externalPolicyLocal) entry(KUBE_LOAD_BALANCER_LOCAL, ipPort(ip));
    if (svc.loadBalancerSourceRanges.length > 0) {
      entry(KUBE_LOAD_BALANCER_FW, ipPort(ip));
      for (const cidr of svc.loadBalancerSourceRanges) entry(KUBE_LOAD_BALANCER_SOURCE_CIDR, `${ipPort(ip)},${cidr}`);
    }
    vs(ip, svc.port, svc.externalPolicyLocal);
    out.bindAddresses.push(ip);
  }

  if (svc.nodePort !== 0) {
    const tcp = svc.protocol === 'TCP';
    entry(tcp ? KUBE_NODE_PORT_TCP : KUBE_NODE_PORT_UDP, String(svc.nodePort));
    if (svc.externalPolicyLocal) entry(tcp ? KUBE_NODE_PORT_LOCAL_TCP : KUBE_NODE_PORT_LOCAL_UDP, String(svc.nodePort));
    for (const ip of cfg.nodeIPs) vs(ip, svc.nodePort, svc.externalPolicyLocal);
  }

  if (svc.healthCheckNodePort !== 0) entry(KUBE_HEALTH_CHECK_NODE_PORT, String(svc.healthCheckNodePort));
  return out;
}
