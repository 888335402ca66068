/**
 * calico's settings for a topology: the default IP pool (CALICO_IPV4POOL_CIDR = the pod subnet,
 * block size, ipipMode/vxlanMode Always or CrossSubnet, natOutgoing true), the BGP configuration
 * (AS number, node-to-node mesh, route reflectors) and the numbers calico uses for its devices.
 */
import { VXLAN_OVERHEAD, VXLAN_PORT } from '../../net/index.js';
import type { CalicoConfig, CalicoMode, Networking } from '../../topology/types.js';
import { KemuError } from '../../util/errors.js';

/** Outer IPv4 header of IP-in-IP: calico's ipip MTU is the underlay's minus 20. */
export const IPIP_OVERHEAD = 20;
/** calico's VXLAN VNI (FelixConfiguration vxlanVNI) and port (vxlanPort, the IANA 4789). */
export const CALICO_VXLAN_VNI = 4096;
export const CALICO_VXLAN_PORT = VXLAN_PORT;
export const IPIP_DEVICE = 'tunl0';
export const VXLAN_DEVICE = 'vxlan.calico';
/** The cluster ID calico's route reflector documentation uses (routeReflectorClusterID). */
export const DEFAULT_RR_CLUSTER_ID = '244.0.0.1';
/** The next hop every calico pod routes to; the host's veth answers ARP for it (proxy ARP). */
export const POD_GATEWAY = '169.254.1.1';

/** The topology's calico settings (mode, crossSubnet, blockSize, AS, mesh, reflectors) and what calico derives. */
export interface CalicoNetConfig extends Omit<CalicoConfig, 'plugin'> {
  /** The default IP pool, e.g. "192.168.0.0/16". */
  pool: string;
  /** The pool's natOutgoing: masquerade pod traffic leaving the pool (default pool: true). */
  natOutgoing: boolean;
  /** routeReflectorClusterID of the route reflector nodes. */
  routeReflectorClusterId: string;
}

export function calicoConfigFromTopology(networking: Networking): CalicoNetConfig {
  const cni = networking.cni;
  if (cni.plugin !== 'calico') throw new KemuError('ERR_CNI_PLUGIN', `the topology's CNI plugin is ${cni.plugin}, not calico`);
  return {
    pool: networking.podSubnet,
    mode: cni.mode,
    crossSubnet: cni.crossSubnet && cni.mode !== 'bgp',
    blockSize: cni.blockSize,
    asNumber: cni.asNumber,
    nodeToNodeMesh: cni.nodeToNodeMesh,
    routeReflectors: [...cni.routeReflectors],
    natOutgoing: true,
    routeReflectorClusterId: DEFAULT_RR_CLUSTER_ID,
  };
}

/** calico's MTU for pods (and tunl0 / vxlan.calico): the underlay's minus the encapsulation. */
export function podMtuFor(mode: CalicoMode, underlayMtu: number): number {
  if (mode === 'ipip') return underlayMtu - IPIP_OVERHEAD;
  if (mode === 'vxlan') return underlayMtu - VXLAN_OVERHEAD;
  return underlayMtu;
}

/** The IPAM handle of a node's tunnel address (calico-node's allocateip). */
export function tunnelHandle(mode: CalicoMode, node: string): string | undefined {
  if (mode === 'ipip') return `ipip-tunnel-addr-${node}`;
  if (mode === 'vxlan') return `vxlan-tunnel-addr-${node}`;
  return undefined;
}
