/**
 * calico for kemu: calico-node (agent: BIRD + felix + confd, reduced), the cluster's calico-ipam,
 * the CNI plugin's pod attach/detach, BGP over kemu TCP, BGP-speaking routers, and the views.
 */
export { CalicoAgent, type CalicoAgentOptions, type CalicoAgentStatus, type CalicoHost, type CalicoPhase } from './agent.js';
export { CALICO_ANNOTATIONS, type CalicoNodeInfo, calicoAnnotationPatch, calicoNodeInfo } from './annotations.js';
export { BGP_PORT, type BgpListener, TcpTransport, listenBgp, tcpConnector } from './bgp-transport.js';
export { type BgpTimers, type BgpTimingInput, ScaledClock, bgpTimers } from './bgp-timing.js';
export { Bird, type BirdOptions } from './bird.js';
export {
  CALICO_VXLAN_PORT, CALICO_VXLAN_VNI, type CalicoNetConfig, DEFAULT_RR_CLUSTER_ID, IPIP_DEVICE, IPIP_OVERHEAD, POD_GATEWAY, VXLAN_DEVICE,
  calicoConfigFromTopology, podMtuFor, tunnelHandle,
} from './config.js';
export { CalicoIpam, type IpamAllocation, type IpamBlockInfo, type IpamChange, type IpamOptions } from './ipam.js';
export { CALI_NAT_OUTGOING, CALI_POSTROUTING, ensureCalicoNatRules } from './iptables.js';
export { BIRD_PROTO, FELIX_PROTO, type RouteWant } from './kernel-routes.js';
export {
  type BgpPeerResource, OUTSIDE_CLIENT_NETWORK, type PeerPolicy, type PeerWant, type RouterPeer, desiredPeers, isOutsideClient, parseBgpPeers,
} from './peers.js';
export {
  type AttachOptions, CALICO_HOST_VETH_MAC, type CalicoPodHost, type CalicoPodNet, attachCalicoPod, calicoVethName, detachCalicoPod,
} from './pod-network.js';
export { CALICO_IS_UP } from './problems.js';
export { CalicoRouterBgp, type RouterBgpOptions, type RouterBgpPeer, routerBgpPeers, routerPeersFor } from './router-bgp.js';
export { type BirdRouteLine, formatBirdProtocols, formatBirdRoutes, formatBlockAffinities, formatIpamShow, formatNodeStatus, formatTable } from './views.js';
export { type CalicoCluster, type CalicoClusterOptions, calicoForTopology } from './setup.js';
