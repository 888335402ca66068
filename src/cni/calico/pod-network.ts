/**
 * The calico CNI plugin's ADD and DEL for one pod. calico uses no bridge: each pod's veth is routed.
 *   host: caliXXXXXXXXXXX (cali + 11 hex digits of sha1("namespace.pod")), MAC ee:ee:ee:ee:ee:ee,
 *         no address, proxy_arp on (proxy_delay 0), and `POD_IP dev caliXXX scope link`;
 *   pod:  eth0 with POD_IP/32, `169.254.1.1 dev eth0 scope link`, `default via 169.254.1.1 dev eth0`.
 * The pod's ARP for 169.254.1.1 is answered by the host's veth (proxy ARP: the host routes that
 * address out of another device), so every pod packet goes to the host, which routes it: to another
 * cali* route on the same node, or by the node's BGP/tunnel routes to another node. The MTU is the
 * node's calico MTU (underlay − 20 ipip, − 50 vxlan, underlay for bgp).
 */
import { createHash } from 'node:crypto';
import { type EthernetDevice, NetNamespace, VethPair } from '../../dataplane/stack/index.js';
import { TcpLayer } from '../../dataplane/tcp/index.js';
import { formatIpv4, parseIpv4 } from '../../net/index.js';
import type { Clock } from '../../util/clock.js';
import { KemuError } from '../../util/errors.js';
import { POD_GATEWAY } from './config.js';

/** The MAC calico gives every host-side veth (so no pod ever needs to re-ARP after a move). */
export const CALICO_HOST_VETH_MAC = new Uint8Array([0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);

export interface CalicoPodHost {
  name: string;
  ns: NetNamespace;
}

export interface CalicoPodNet {
  /** "namespace/name". */
  key: string;
  node: string;
  ns: NetNamespace;
  eth0: EthernetDevice;
  /** The host end, caliXXXXXXXXXXX. */
  hostVeth: EthernetDevice;
  ip: string;
}

export interface AttachOptions {
  mtu: number;
  clock: Clock;
}

/** calico's VethNameForWorkload: "cali" + the first 11 hex digits of sha1("<namespace>.<pod>"). */
export function calicoVethName(podKey: string): string {
  const slash = podKey.indexOf('/');
  const id = slash < 0 ? podKey : `${podKey.slice(0, slash)}.${podKey.slice(slash + 1)}`;
  return `cali${createHash('sha1').update(id).digest('hex').slice(0, 11)}`;
}

/** CNI ADD: the pod's namespace wired to the host by a routed veth. Throws ERR_POD_ATTACHED / ERR_BAD_POD_IP. */
export function attachCalicoPod(host: CalicoPodHost, podKey: string, podIP: string, opts: AttachOptions): CalicoPodNet {
  const ip = parseIpv4(podIP);
  if (!ip.ok) throw new KemuError('ERR_BAD_POD_IP', `pod IP ${podIP} is not an IPv4 address`);
  const name = calicoVethName(podKey);
  if (host.ns.device(name) !== undefined) throw new KemuError('ERR_POD_ATTACHED', `pod ${podKey} is already attached (${name} exists)`);
  const pair = new VethPair(name, 'eth0', { macA: CALICO_HOST_VETH_MAC, mtu: opts.mtu });
  const hostVeth = pair.a;
  hostVeth.proxyArp = true;
  host.ns.addDevice(hostVeth);
  const ns = new NetNamespace({ name: podKey, clock: opts.clock, ipForward: false });
  try {
    ns.addDevice(pair.b);
    ns.addAddress(pair.b, `${podIP}/32`);
    ns.routes.add({ dst: POD_GATEWAY, dev: 'eth0', scope: 'link' });
    ns.routes.add({ dst: 'default', via: POD_GATEWAY, dev: 'eth0' });
    host.ns.routes.replace({ dst: formatIpv4(ip.value), dev: name, scope: 'link' });
  } catch (err) {
    host.ns.removeDevice(name);
    pair.b.detach();
    throw err;
  }
  TcpLayer.of(ns); // a Linux namespace answers a SYN to a closed port with a RST
  return { key: podKey, node: host.name, ns, eth0: pair.b, hostVeth, ip: formatIpv4(ip.value) };
}

/** CNI DEL: the pod's sockets, the host route and both veth ends go (deleting one end deletes both). */
export function detachCalicoPod(host: CalicoPodHost, pod: CalicoPodNet): void {
  TcpLayer.of(pod.ns).close(); // the pod's processes die first: their connections are reset
  const ip = parseIpv4(pod.ip);
  if (ip.ok) host.ns.routes.removeAt(ip.value, 32, (r) => r.dev === pod.hostVeth);
  if (host.ns.device(pod.hostVeth.name) === pod.hostVeth) host.ns.removeDevice(pod.hostVeth.name);
  pod.hostVeth.detach();
  if (pod.ns.device('eth0') === pod.eth0) pod.ns.removeDevice('eth0');
  pod.eth0.detach();
}
