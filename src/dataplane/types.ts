/**
 * The seams of the packet plane. A network namespace (a simulated host or a pod) owns devices,
 * routes, neighbours and sockets; devices exchange Ethernet frames over L2 ports; the underlay
 * carries frames between hosts as real UDP datagrams; netfilter hooks see every IPv4 packet at the
 * five Linux hook points. Each side of a seam can be built and tested alone.
 */

// ---- L2: how Ethernet frames move between devices --------------------------------------------

/** One attachment of an Ethernet device to a medium (a veth peer, a bridge port, an underlay segment). */
export interface L2Port {
  /** Transmits a whole Ethernet frame. The medium may delay, drop, duplicate or reorder it. */
  send(frame: Uint8Array): void;
  /** Frames arriving for this port (unicast to its MAC, broadcast or multicast). One handler. */
  onReceive(handler: (frame: Uint8Array) => void): void;
  close(): void;
}

/** An L2 broadcast domain (an underlay subnet). Frames to an unknown unicast MAC are dropped. */
export interface Segment {
  readonly name: string;
  /** Attaches a device with this MAC; the returned port sends and receives on the segment. */
  attach(mac: Uint8Array, opts?: { label?: string }): Promise<L2Port>;
  close(): Promise<void>;
}

// ---- L3: netfilter ---------------------------------------------------------------------------

export type HookStage = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/**
 * An IPv4 packet passing a hook. `packet` holds the whole IPv4 datagram and may be rewritten in place
 * (NAT), with checksums fixed by whoever rewrites it. Header fields are decoded once for the hooks.
 */
export interface PacketView {
  packet: Uint8Array;
  src: number;
  dst: number;
  protocol: number;
  /** TCP/UDP ports, or ICMP echo id in srcPort (as conntrack keys ICMP), 0 otherwise. */
  srcPort: number;
  dstPort: number;
  /** Device names, as iptables' -i/-o see them; '' when not applicable at that stage. */
  inIface: string;
  outIface: string;
  /** Connection mark / packet mark (iptables MARK, used by kube-proxy's KUBE-MARK-MASQ). */
  mark: number;
  /**
   * The packet's conntrack link (skb->_nfct), owned by the netfilter that set it: netfilter's to
   * read and write, opaque to everyone else. Views are made per namespace, so the owner check only
   * guards against a view handed to another namespace's hooks.
   */
  nfctOwner?: unknown;
  nfct?: unknown;
}

export type Verdict = 'accept' | 'drop';

/** What a namespace's stack calls at each hook point. Implemented by src/dataplane/netfilter. */
export interface NetfilterHooks {
  run(stage: HookStage, pkt: PacketView, now: number): Verdict;
}

/** A namespace without rules: everything is accepted. */
export const ACCEPT_ALL: NetfilterHooks = { run: () => 'accept' };

// ---- observation -----------------------------------------------------------------------------

/**
 * A step in a packet's life, emitted when tracing is on: what `kemu trace` prints. Every field comes
 * from the live emulation.
 */
export interface TraceStep {
  at: number;
  namespace: string;
  /** e.g. 'rx', 'tx', 'hook', 'route', 'encap', 'decap', 'deliver', 'drop', 'arp', 'forward', 'underlay' */
  kind: string;
  iface?: string;
  detail: string;
  /** Size of the packet/frame at this step, in bytes. */
  bytes?: number;
}

export type TraceSink = (step: TraceStep) => void;

/** Taps see every frame a device sends or receives (for pcap capture). */
export type FrameTap = (direction: 'rx' | 'tx', frame: Uint8Array, linkType: 'ethernet' | 'raw', at: number) => void;
