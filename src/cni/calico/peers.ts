/**
 * Which BGP sessions a node wants, pure (what confd renders into bird.cfg from the datastore):
 *  - node-to-node mesh: every other calico node, each pair peering once — of the two, the node whose
 *    address sorts higher as a string connects and the lower one is `passive on`, as calico's
 *    template compares the addresses;
 *  - route reflectors: every node peers with every route reflector node; on a reflector, a peer that
 *    is not itself a reflector is an `rr client`; reflectors peer with each other as ordinary iBGP
 *    peers (they share the routeReflectorClusterID, so each drops the others' reflections of its own
 *    clients' routes by CLUSTER_LIST);
 *  - routers that speak BGP on the node's subnet (a top-of-rack peer), as node-specific peers;
 *  - BGPPeer resources (crd.projectcalico.org/v1): without spec.node a global peer of every node,
 *    with it a node-specific peer of that node. A peer in the outside-client range (a real daemon
 *    behind kemu's BGP edge) is passive — it cannot be dialled — and its routes' NEXT_HOP is
 *    rewritten to its address there (the real one is 127.x, meaningless inside the emulation).
 * A reflector relationship wins over a mesh one for the same address (one session per address),
 * a node over a router, a router over a BGPPeer.
 */
import type { PeerType } from '../../bgp/speaker.js';
import type { CalicoNodeInfo } from './annotations.js';

export interface PeerWant {
  address: string;
  asn: number;
  type: PeerType;
  passive: boolean;
  routeReflectorClient: boolean;
  /** The node or router on the other side (for messages). */
  name: string;
  /** NEXT_HOP for routes learned from this peer (PeerConfig.importNextHop). */
  importNextHop?: string;
}

/** A BGPPeer resource, as far as kemu reads it. */
export interface BgpPeerResource {
  name: string;
  peerIP: string;
  asNumber: number;
  /** Only this node peers with it; undefined: every node (a global peer). */
  node: string | undefined;
}

/**
 * Where real clients appear inside the emulation (CLIENT_NETWORK of src/lab/edge/client-address.ts,
 * repeated here because the CNI does not depend on the lab): a BGP peer there is reached only
 * through the edge, which connects inward.
 */
export const OUTSIDE_CLIENT_NETWORK = '198.51.100.0/24';
const OUTSIDE_BASE = (198 << 24 | 51 << 16 | 100 << 8) >>> 0;

export function isOutsideClient(address: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (m === null) return false;
  return ((Number(m[1]) << 24 | Number(m[2]) << 16 | Number(m[3]) << 8) >>> 0) === OUTSIDE_BASE;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * BGPPeer objects as peers; a malformed one (no IPv4 peerIP, an AS number out of range) is left out
 * and named in `invalid` (the agent logs it), never an exception.
 */
export function parseBgpPeers(objects: Iterable<{ metadata: { name?: string }; spec?: unknown }>): { peers: BgpPeerResource[]; invalid: string[] } {
  const peers: BgpPeerResource[] = [];
  const invalid: string[] = [];
  for (const o of objects) {
    const name = o.metadata.name ?? '';
    const spec = (typeof o.spec === 'object' && o.spec !== null ? o.spec : {}) as Record<string, unknown>;
    const ip = spec.peerIP;
    const asn = typeof spec.asNumber === 'string' && /^\d+$/.test(spec.asNumber) ? Number(spec.asNumber) : spec.asNumber;
    if (typeof ip !== 'string' || !IPV4.test(ip)) invalid.push(`BGPPeer ${name}: spec.peerIP ${JSON.stringify(ip)} is not an IPv4 address`);
    else if (typeof asn !== 'number' || !Number.isInteger(asn) || asn < 1 || asn > 0xffffffff) invalid.push(`BGPPeer ${name}: spec.asNumber ${JSON.stringify(spec.asNumber)} is not an AS number`);
    else peers.push({ name, peerIP: ip, asNumber: asn, node: typeof spec.node === 'string' && spec.node !== '' ? spec.node : undefined });
  }
  return { peers, invalid };
}

/** A router that speaks BGP on one of this node's subnets. */
export interface RouterPeer {
  name: string;
  /** The router's address on the node's subnet. */
  address: string;
  asn: number;
}

export interface PeerPolicy {
  asNumber: number;
  nodeToNodeMesh: boolean;
  routeReflectors: readonly string[];
}

/** The node's AS: its own override, else the cluster's. */
export function asOf(node: CalicoNodeInfo, policy: PeerPolicy): number {
  return node.asNumber ?? policy.asNumber;
}

export function desiredPeers(
  self: CalicoNodeInfo, nodes: Iterable<CalicoNodeInfo>, policy: PeerPolicy, routers: readonly RouterPeer[] = [], resources: readonly BgpPeerResource[] = [],
): Map<string, PeerWant> {
  const out = new Map<string, PeerWant>();
  const reflectors = new Set(policy.routeReflectors);
  const selfIsRR = reflectors.has(self.name);
  for (const other of nodes) {
    if (other.name === self.name || other.address === self.address) continue;
    const otherIsRR = reflectors.has(other.name);
    const passive = other.addressText > self.addressText;
    const base = { address: other.addressText, asn: asOf(other, policy), passive, name: other.name };
    if (selfIsRR || otherIsRR) {
      out.set(base.address, { ...base, type: 'node specific', routeReflectorClient: selfIsRR && !otherIsRR });
    } else if (policy.nodeToNodeMesh) {
      out.set(base.address, { ...base, type: 'node-to-node mesh', routeReflectorClient: false });
    }
  }
  for (const r of routers) {
    if (out.has(r.address)) continue;
    out.set(r.address, { address: r.address, asn: r.asn, type: 'node specific', passive: false, routeReflectorClient: false, name: r.name });
  }
  for (const p of [...resources].sort((a, b) => a.name.localeCompare(b.name))) {
    if ((p.node !== undefined && p.node !== self.name) || p.peerIP === self.addressText || out.has(p.peerIP)) continue;
    const outside = isOutsideClient(p.peerIP);
    out.set(p.peerIP, {
      address: p.peerIP, asn: p.asNumber, type: p.node === undefined ? 'global' : 'node specific', passive: outside,
      routeReflectorClient: false, name: `BGPPeer ${p.name}`, ...(outside ? { importNextHop: p.peerIP } : {}),
    });
  }
  return out;
}

export function samePeer(a: PeerWant, b: PeerWant): boolean {
  return a.address === b.address && a.asn === b.asn && a.type === b.type && a.passive === b.passive && a.routeReflectorClient === b.routeReflectorClient
    && a.importNextHop === b.importNextHop;
}
