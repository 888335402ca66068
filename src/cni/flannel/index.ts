/** flannel for kemu: the agent (flanneld --kube-subnet-mgr), its three backends and the pure pieces. */
import type { BackendRegistry } from '../registry.js';
import { HostGwBackend } from './hostgw.js';
import { UdpBackend } from './udp.js';
import { VxlanBackend } from './vxlan.js';

/** Puts flannel's udp, vxlan and host-gw backends into `registry` (what flannel's init() functions do). */
export function registerFlannelBackends(registry: BackendRegistry): BackendRegistry {
  return registry.register(new UdpBackend()).register(new VxlanBackend()).register(new HostGwBackend());
}

export { FlannelAgent, type FlannelAgentOptions, type FlannelAgentStatus, type FlannelHost, type FlannelPhase } from './agent.js';
export { ANNOTATIONS, ANNOTATION_PREFIX, annotationPatch, leaseAnnotations, nodeToLease, podCidrOf } from './annotations.js';
export { type FlannelNetConfig, netConfigFromTopology, validateNetConfig } from './config.js';
export { FLANNEL_FWD, FLANNEL_POSTRTG, ensureFlannelRules, forwardRules, masqRules } from './iptables.js';
export { LeaseHub } from './lease-hub.js';
export { FLANNEL_IS_UP, NETWORK_UNAVAILABLE, networkConditionPatch } from './node-status.js';
export { KubeSubnetManager } from './subnet-manager.js';
export { type SubnetEnv, formatSubnetEnv, subnetEnv } from './subnet-env.js';
export { FLANNEL_UDP_PORT, UDP_ENCAP_OVERHEAD, UdpBackend } from './udp.js';
export { SubnetRoutes, UdpProxy, type UdpProxyStats } from './udp-proxy.js';
export { HostGwBackend } from './hostgw.js';
export { VxlanBackend } from './vxlan.js';
export { vtepMacOf } from './vtep-mac.js';
export { type LeaseInfo, leaseInfo } from './lease-info.js';
