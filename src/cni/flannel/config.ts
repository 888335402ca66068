/** flannel's net-conf.json for a topology: kube-flannel.yml's values unless the topology says otherwise. */
import type { Networking } from '../../topology/types.js';
import { KemuError } from '../../util/errors.js';
import type { NetworkConfig } from '../backend.js';
import { parseIpv4Cidr } from './cidr.js';

export interface FlannelNetConfig extends NetworkConfig {
  /** flanneld --ip-masq (kube-flannel.yml passes it): default true. */
  ipMasq?: boolean;
}

export function netConfigFromTopology(networking: Networking): FlannelNetConfig {
  const cni = networking.cni;
  if (cni.plugin !== 'flannel') throw new KemuError('ERR_CNI_PLUGIN', `the topology's CNI plugin is ${cni.plugin}, not flannel`);
  return validateNetConfig({
    network: networking.podSubnet,
    backend: { type: cni.backend, ...(cni.backend === 'vxlan' ? { directRouting: cni.directRouting } : {}) },
    ipMasq: true,
  });
}

/** subnet.ParseConfig's checks that matter here: an IPv4 Network and a backend type. */
export function validateNetConfig(config: FlannelNetConfig): FlannelNetConfig {
  if (parseIpv4Cidr(config.network) === undefined) throw new KemuError('ERR_NET_CONF', `invalid Network "${config.network}" in net-conf`);
  if (!config.backend.type) throw new KemuError('ERR_NET_CONF', 'net-conf has no Backend.Type');
  return config;
}
