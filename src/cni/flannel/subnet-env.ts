/**
 * /run/flannel/subnet.env, the file flanneld writes for its CNI plugin: the cluster network, this
 * node's subnet given by its first address (the bridge's, cni0's .1), the MTU pods must use and
 * whether flanneld masquerades (so the plugin need not).
 */
import { formatIpv4 } from '../../net/index.js';
import { parseIpv4Cidr } from './cidr.js';

export interface SubnetEnv {
  FLANNEL_NETWORK: string;
  FLANNEL_SUBNET: string;
  FLANNEL_MTU: number;
  FLANNEL_IPMASQ: boolean;
}

export function subnetEnv(network: string, subnet: string, mtu: number, ipMasq: boolean): SubnetEnv {
  const net = parseIpv4Cidr(subnet);
  const first = net === undefined ? subnet : `${formatIpv4((net.network + 1) >>> 0)}/${net.prefixLength}`;
  return { FLANNEL_NETWORK: network, FLANNEL_SUBNET: first, FLANNEL_MTU: mtu, FLANNEL_IPMASQ: ipMasq };
}

/** The file's text, in flanneld's order. */
export function formatSubnetEnv(env: SubnetEnv): string {
  return `FLANNEL_NETWORK=${env.FLANNEL_NETWORK}\nFLANNEL_SUBNET=${env.FLANNEL_SUBNET}\nFLANNEL_MTU=${env.FLANNEL_MTU}\nFLANNEL_IPMASQ=${env.FLANNEL_IPMASQ}\n`;
}
