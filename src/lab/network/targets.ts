/**
 * Target names the CLI and the extension API accept, resolved against the live network:
 *   node/NAME[:IFACE]       a node's host namespace (default interface eth0)
 *   pod/NAME[.NS][:IFACE]   an attached pod (namespace "default" unless given; default eth0)
 *   router/NAME[:IFACE]     a router; IFACE is a device name (eth1) or a subnet name (rack-b);
 *                           router/gateway is the gateway of router-less subnets (kind's docker gateway)
 *   A.B.C.D                 whichever namespace owns that address (or, as a destination, any address)
 */
import { ApiError } from '../../api/errors.js';
import { type NetDevice, type NetNamespace, toIp } from '../../dataplane/stack/index.js';
import { formatIpv4, parseIpv4 } from '../../net/index.js';
import { GATEWAY, type LabNetwork } from './network.js';

export interface ResolvedTarget {
  /** The text as given. */
  target: string;
  kind: 'node' | 'pod' | 'router' | 'ip';
  /** Undefined only for a bare IP no namespace owns (fine as a destination). */
  ns: NetNamespace | undefined;
  dev: NetDevice | undefined;
  /** The address this target stands for (the interface's). */
  ip: string;
}

export const TARGET_SYNTAX = 'node/NAME[:IFACE], pod/NAME[.NAMESPACE][:IFACE], router/NAME[:IFACE] or an IPv4 address';

export function resolveTarget(net: LabNetwork, target: string): ResolvedTarget {
  if (typeof target !== 'string' || target === '') throw new ApiError('BadRequest', `missing target (${TARGET_SYNTAX})`);
  const ip = parseIpv4(target);
  if (ip.ok) {
    const owner = net.ownerOf(ip.value);
    return { target, kind: 'ip', ns: owner?.ns, dev: owner?.dev, ip: formatIpv4(ip.value) };
  }
  const m = /^(node|pod|router)\/([^:]+)(?::(.+))?$/.exec(target);
  if (m === null) throw new ApiError('BadRequest', `bad target "${target}": expected ${TARGET_SYNTAX}`);
  const kind = m[1] as 'node' | 'pod' | 'router';
  const name = m[2]!;
  const iface = m[3];
  if (kind === 'node') {
    const node = net.nodes.get(name);
    if (node === undefined) throw new ApiError('NotFound', `no node "${name}" (nodes: ${[...net.nodes.keys()].join(', ')})`);
    return withDevice(target, kind, node.ns, iface ?? 'eth0');
  }
  if (kind === 'router') {
    const router = net.routers.get(name) ?? (name === GATEWAY ? net.gateway : undefined);
    if (router === undefined) throw new ApiError('NotFound', `no router "${name}" (routers: ${[...net.routers.keys()].join(', ') || 'none'})`);
    const bySubnet = router.links.find((l) => l.subnet.name === iface);
    return withDevice(target, kind, router.ns, bySubnet?.dev.name ?? iface ?? router.links[0]!.dev.name);
  }
  const pod = findPod(net, name);
  if (pod === undefined) {
    const known = [...net.pods.keys()];
    throw new ApiError('NotFound', `no attached pod "${name}" (pods: ${known.length > 0 ? known.join(', ') : 'none attached'})`);
  }
  return withDevice(target, kind, pod, iface ?? 'eth0');
}

/** A target that must be a namespace kemu runs (a ping or trace source, a capture point). */
export function resolveNamespaceTarget(net: LabNetwork, target: string): ResolvedTarget & { ns: NetNamespace; dev: NetDevice } {
  const r = resolveTarget(net, target);
  if (r.ns === undefined || r.dev === undefined) throw new ApiError('NotFound', `no namespace in this cluster owns ${target}`);
  return r as ResolvedTarget & { ns: NetNamespace; dev: NetDevice };
}

/** The destination address of a target: its interface's, or the IP as given. */
export function destinationAddress(net: LabNetwork, target: string): number {
  return toIp(resolveTarget(net, target).ip);
}

/** NAME.NS → pod NS/NAME; a pod name may itself hold dots, so "default/NAME.NS" is tried too. */
function findPod(net: LabNetwork, text: string): NetNamespace | undefined {
  const dot = text.lastIndexOf('.');
  const keys = dot > 0 ? [`${text.slice(dot + 1)}/${text.slice(0, dot)}`, `default/${text}`] : [`default/${text}`];
  for (const k of keys) {
    const pod = net.pods.get(k);
    if (pod !== undefined) return pod.ns;
  }
  return undefined;
}

function withDevice(target: string, kind: ResolvedTarget['kind'], ns: NetNamespace, iface: string): ResolvedTarget {
  const dev = ns.device(iface);
  if (dev === undefined) {
    const names = ns.devices().map((d) => d.name).join(', ');
    throw new ApiError('NotFound', `${ns.name} has no interface "${iface}" (interfaces: ${names})`);
  }
  const address = dev.primaryAddress();
  return { target, kind, ns, dev, ip: address === 0 ? '0.0.0.0' : formatIpv4(address) };
}
