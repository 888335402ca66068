/**
 * Which BGP sessions a node wants, pure (what confd renders into bird.cfg from the datastore):
 *  - node-to-node mesh: every other calico node, each pair peering once — of the two, the node whose
 *    address sorts higher as a string connects and the lower one is `passive on`, as calico's
 *    template compares the addresses;
 *  - route reflectors: every node peers with every route reflector node; on a reflector, a peer that
 *    is not itself a reflector is an `rr client`; reflectors peer with each other as ordinary iBGP
 *    peers (they share the routeReflectorClusterID, so each drops the others' reflections of its own
 *    clients' routes by CLUSTER_LIST);
 *  - routers that speak BGP on the node's subnet (a top-of-rack peer), as node-specific peers.
 * A reflector relationship wins over a mesh one for the same address (one session per address).
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

export function desiredPeers(self: CalicoNodeInfo, nodes: Iterable<CalicoNodeInfo>, policy: PeerPolicy, routers: readonly RouterPeer[] = []): Map<string, PeerWant> {
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
  return out;
}

export function samePeer(a: PeerWant, b: PeerWant): boolean {
  return a.address === b.address && a.asn === b.asn && a.type === b.type && a.passive === b.passive && a.routeReflectorClient === b.routeReflectorClient;
}
