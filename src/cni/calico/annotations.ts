/**
 * What calico-node publishes about a node when the datastore is Kubernetes (KDD): the calico Node
 * resource lives in the Node's annotations. Other nodes read them to build the BGP mesh (address),
 * decide cross-subnet encapsulation (the address's prefix) and program VXLAN (tunnel address, MAC).
 * Parsed once per Node object (WeakMap), since every agent reads every Node.
 */
import type { Node } from '../../api/types.js';
import { parseIpv4, parseMac, prefixMask } from '../../net/index.js';

export const CALICO_ANNOTATIONS = {
  /** spec.bgp.ipv4Address: "172.18.0.3/24" (address and the prefix of its subnet). */
  ipv4Address: 'projectcalico.org/IPv4Address',
  ipipTunnelAddr: 'projectcalico.org/IPv4IPIPTunnelAddr',
  vxlanTunnelAddr: 'projectcalico.org/IPv4VXLANTunnelAddr',
  vxlanTunnelMac: 'projectcalico.org/VXLANTunnelMACAddr',
  /** spec.bgp.asNumber, only when the node overrides the cluster's AS. */
  asNumber: 'projectcalico.org/ASNumber',
} as const;

export interface CalicoNodeInfo {
  name: string;
  /** The node's address (BGP router ID, peer address, VXLAN underlay endpoint). */
  address: number;
  addressText: string;
  prefixLength: number;
  /** The address's subnet (CrossSubnet compares these). */
  subnet: number;
  asNumber: number | undefined;
  ipipTunnel: number | undefined;
  vxlanTunnel: number | undefined;
  vxlanMac: Uint8Array | undefined;
}

const parsed = new WeakMap<Node, CalicoNodeInfo | null>();

/** The node's calico data; undefined while calico-node has not published an IPv4 address. */
export function calicoNodeInfo(node: Node): CalicoNodeInfo | undefined {
  let info = parsed.get(node);
  if (info === undefined) {
    info = parse(node) ?? null;
    parsed.set(node, info);
  }
  return info ?? undefined;
}

function parse(node: Node): CalicoNodeInfo | undefined {
  const a = node.metadata.annotations ?? {};
  const text = a[CALICO_ANNOTATIONS.ipv4Address];
  if (text === undefined) return undefined;
  const [ipText = '', lenText = '32'] = text.split('/');
  const ip = parseIpv4(ipText);
  const prefixLength = /^\d{1,2}$/.test(lenText) ? Number(lenText) : NaN;
  if (!ip.ok || !(prefixLength >= 0 && prefixLength <= 32)) return undefined;
  const asText = a[CALICO_ANNOTATIONS.asNumber];
  const asn = asText !== undefined && /^\d+$/.test(asText) ? Number(asText) : undefined;
  const mac = a[CALICO_ANNOTATIONS.vxlanTunnelMac] === undefined ? undefined : parseMac(a[CALICO_ANNOTATIONS.vxlanTunnelMac]!);
  return {
    name: node.metadata.name ?? '',
    address: ip.value,
    addressText: ipText,
    prefixLength,
    subnet: (ip.value & prefixMask(prefixLength)) >>> 0,
    asNumber: asn !== undefined && asn > 0 && asn <= 0xffffffff ? asn : undefined,
    ipipTunnel: optionalIp(a[CALICO_ANNOTATIONS.ipipTunnelAddr]),
    vxlanTunnel: optionalIp(a[CALICO_ANNOTATIONS.vxlanTunnelAddr]),
    vxlanMac: mac?.ok ? mac.value : undefined,
  };
}

function optionalIp(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const r = parseIpv4(text);
  return r.ok ? r.value : undefined;
}

/**
 * The merge patch giving `node` these annotations (null removes one), or undefined when it has them
 * already: calico-node writes its Node only on a difference.
 */
export function calicoAnnotationPatch(node: Node, want: Record<string, string | null>): { metadata: { annotations: Record<string, string | null> } } | undefined {
  const have = node.metadata.annotations ?? {};
  const changed: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(want)) {
    if (v === null ? k in have : have[k] !== v) changed[k] = v;
  }
  return Object.keys(changed).length === 0 ? undefined : { metadata: { annotations: changed } };
}
