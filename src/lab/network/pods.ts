/**
 * A minimal pod attachment, what the bridge CNI plugin does on ADD: a namespace for the pod, a veth
 * pair with eth0 inside and the host end enslaved to cni0, the pod's address and a default route via
 * the bridge. The CNI work replaces or extends this (IPAM, MTU per backend, remote pod routes).
 */
import { createHash } from 'node:crypto';
import { formatIpv4 } from '../../net/index.js';
import { prefixMask } from '../../net/addr.js';
import { Bridge, type EthernetDevice, NetNamespace, VethPair, parseCidr } from '../../dataplane/stack/index.js';
import type { Clock } from '../../util/clock.js';
import { KemuError } from '../../util/errors.js';
import type { NodeNet } from './network.js';

export interface PodNet {
  /** "namespace/name". */
  key: string;
  node: string;
  ns: NetNamespace;
  eth0: EthernetDevice;
  /** The host end, a port of cni0 (vethXXXXXXXX, as the CNI names it). */
  hostVeth: EthernetDevice;
  ip: string;
  /** CNI DEL of the plugin that attached it, when that was not the bridge plugin (calico's veth). */
  detach?: () => void;
}

/** A CNI plugin's ADD for a pod on a node (the bridge plugin is the default). */
export type PodAttacher = (node: NodeNet, podKey: string, podIP: string, mtu: number | undefined) => PodNet;

export function attachPod(node: NodeNet, podKey: string, podIP: string, podCIDR: string, clock: Clock, opts: { mtu?: number }): PodNet {
  const cidr = parseCidr(podCIDR);
  const ip = parseCidr(podIP).address;
  const mask = prefixMask(cidr.prefixLength);
  const network = (cidr.address & mask) >>> 0;
  const gateway = network + 1;
  const broadcast = (network | ~mask) >>> 0;
  if (cidr.prefixLength > 30 || ((ip & mask) >>> 0) !== network || ip === network || ip === gateway || ip === broadcast) {
    throw new KemuError('ERR_BAD_POD_IP', `pod IP ${podIP} is not a usable address of ${podCIDR} (.1 is cni0's)`);
  }
  const prefix = cidr.prefixLength;
  const host = node.ns;
  let cni0 = node.cni0;
  if (cni0 === undefined) {
    cni0 = host.addDevice(new Bridge('cni0', { mtu: opts.mtu }));
    node.cni0 = cni0;
  }
  // A node whose podCIDR changed keeps cni0 and gains the new gateway address, as the plugin does.
  if (!cni0.addresses.some((a) => a.address === gateway)) host.addAddress(cni0, `${formatIpv4(gateway)}/${prefix}`);

  const pair = new VethPair(vethName(host, podKey), 'eth0', { mtu: opts.mtu });
  host.addDevice(pair.a);
  cni0.addPort(pair.a);
  const ns = new NetNamespace({ name: podKey, clock, ipForward: false });
  ns.addDevice(pair.b);
  ns.addAddress(pair.b, `${formatIpv4(ip)}/${prefix}`);
  ns.routes.add({ dst: 'default', via: formatIpv4(gateway), dev: 'eth0' });
  return { key: podKey, node: node.name, ns, eth0: pair.b, hostVeth: pair.a, ip: formatIpv4(ip) };
}

export function detachPod(node: NodeNet, pod: PodNet): void {
  // Deleting one end of a veth deletes both, as on Linux; the bridge releases its port.
  if (node.ns.device(pod.hostVeth.name) === pod.hostVeth) node.ns.removeDevice(pod.hostVeth.name);
  pod.hostVeth.detach();
  if (pod.ns.device('eth0') === pod.eth0) pod.ns.removeDevice('eth0');
  pod.eth0.detach();
}

/** "veth" + 8 hex digits derived from the pod (the CNI uses random ones; stable names read better in traces). */
function vethName(host: NetNamespace, podKey: string): string {
  const hex = createHash('sha1').update(podKey).digest('hex');
  for (let i = 0; ; i++) {
    const name = `veth${hex.slice(i, i + 8)}`;
    if (host.device(name) === undefined) return name;
    if (i + 8 >= hex.length) return `veth${(Math.random() * 0xffffffff >>> 0).toString(16).padStart(8, '0')}`;
  }
}
