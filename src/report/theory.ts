/**
 * What theory says each mode costs, to print next to what was measured: the bytes each mode's
 * encapsulation adds to a packet on a path, the pod MTU it leaves, and the share of a rate-limited
 * link that TCP payload gets in full-size frames. kemu's TCP sends no options in data segments, so
 * a segment carries MTU − 40 bytes of payload; a frame on the link is the outer packet + 14.
 */
import type { PathClass } from '../topology/scenario-types.js';

/** Outer headers per mode: flannel udp = IPv4 + UDP; VXLAN = IPv4 + UDP + VXLAN + inner Ethernet; IP-in-IP = IPv4. */
const ENCAP: Record<string, { overhead: number; crossSubnetOnly: boolean }> = {
  'flannel-udp': { overhead: 28, crossSubnetOnly: false },
  'flannel-vxlan': { overhead: 50, crossSubnetOnly: false },
  'flannel-host-gw': { overhead: 0, crossSubnetOnly: false },
  'calico-bgp': { overhead: 0, crossSubnetOnly: false },
  'calico-ipip': { overhead: 20, crossSubnetOnly: false },
  'calico-vxlan': { overhead: 50, crossSubnetOnly: false },
  'calico-cross-subnet': { overhead: 20, crossSubnetOnly: true },
  'calico-vxlan-cross-subnet': { overhead: 50, crossSubnetOnly: true },
};

const TCP_IP_HEADERS = 40;
const ETHERNET_HEADER = 14;

/** Bytes the mode adds to a pod packet on this path; null for an unknown mode. */
export function theoryOverhead(mode: string, path: PathClass): number | null {
  const e = ENCAP[mode];
  if (e === undefined) return null;
  if (path === 'same-node') return 0;
  return e.crossSubnetOnly && path === 'cross-node' ? 0 : e.overhead;
}

/** The pod MTU the mode gives on a link of `linkMtu` (a cross-subnet mode sizes pods for its tunnel). */
export function theoryPodMtu(mode: string, linkMtu: number): number | null {
  const e = ENCAP[mode];
  return e === undefined ? null : linkMtu - e.overhead;
}

/** Share of a rate-limited link that TCP payload gets with full-size segments on this path. */
export function payloadShare(mode: string, path: PathClass, linkMtu: number): number | null {
  const mtu = theoryPodMtu(mode, linkMtu);
  const overhead = theoryOverhead(mode, path);
  if (mtu === null || overhead === null) return null;
  return (mtu - TCP_IP_HEADERS) / (mtu + overhead + ETHERNET_HEADER);
}
