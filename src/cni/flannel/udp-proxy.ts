/**
 * The userspace half of flannel's udp backend (proxy_amd64.c), with the kernel's parts (the TUN, the
 * UDP socket) passed in. flannel0 → socket: find the remote subnet holding the destination, drop the
 * TTL by one (checksum patched, RFC 1624) and send the raw IPv4 packet as the UDP payload to that
 * node's public IP, port 8285; no subnet → ICMP net unreachable to the sender (source: the flannel0
 * address, TTL 8, never about ICMP or non-first fragments). socket → flannel0: drop the TTL, write the
 * packet. A packet whose TTL reaches 0 is discarded silently, as flanneld does.
 */
import {
  ICMP_UNREACH_NET, IPPROTO_ICMP, buildIcmpError, decrementTtlInPlace, prefixMask, readU16, readU32,
} from '../../net/index.js';

/** The proxy's routing table: remote subnet → node address, longest prefix first. */
export class SubnetRoutes {
  private readonly byLength = new Map<number, Map<number, number>>();
  private lengths: number[] = [];

  get size(): number {
    let n = 0;
    for (const m of this.byLength.values()) n += m.size;
    return n;
  }

  set(network: number, prefixLength: number, nextHop: number): void {
    let m = this.byLength.get(prefixLength);
    if (m === undefined) {
      this.byLength.set(prefixLength, (m = new Map()));
      this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
    }
    m.set(network | 0, nextHop);
  }

  delete(network: number, prefixLength: number): boolean {
    const m = this.byLength.get(prefixLength);
    if (m === undefined || !m.delete(network | 0)) return false;
    if (m.size === 0) {
      this.byLength.delete(prefixLength);
      this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
    }
    return true;
  }

  /** The next hop for `ip`, 0 when no subnet holds it. */
  lookup(ip: number): number {
    const lengths = this.lengths;
    for (let i = 0; i < lengths.length; i++) {
      const len = lengths[i]!;
      const hop = this.byLength.get(len)!.get((ip & prefixMask(len)) | 0);
      if (hop !== undefined) return hop;
    }
    return 0;
  }
}

export interface UdpProxyStats {
  /** Packets read from flannel0 and sent to a node. */
  encapsulated: number;
  /** Packets received from a node and written to flannel0. */
  decapsulated: number;
  noRoute: number;
  ttlExpired: number;
  malformed: number;
}

export interface UdpProxyIo {
  /** sendto(): the packet as the UDP payload to the node's address. */
  send(nextHop: number, packet: Uint8Array): void;
  /** write() to the TUN. */
  writeTun(packet: Uint8Array): void;
  /** An ICMP error the proxy generated, to be delivered to its destination. */
  sendIcmp(packet: Uint8Array): void;
  /** A dropped packet, for the namespace's counters and traces. */
  drop(reason: string, bytes: number): void;
}

export class UdpProxy {
  readonly routes = new SubnetRoutes();
  readonly stats: UdpProxyStats = { encapsulated: 0, decapsulated: 0, noRoute: 0, ttlExpired: 0, malformed: 0 };

  constructor(private readonly tunAddr: number, private readonly io: UdpProxyIo) {}

  /** tun_to_udp for one packet the kernel routed to flannel0 (the proxy owns it). */
  fromTun(packet: Uint8Array): void {
    if (!isIpv4Header(packet)) return this.malformed(packet);
    const nextHop = this.routes.lookup(readU32(packet, 16));
    if (nextHop === 0) {
      this.stats.noRoute++;
      this.io.drop('flannel-udp-no-route', packet.length);
      const icmp = this.netUnreachable(packet);
      if (icmp !== undefined) this.io.sendIcmp(icmp);
      return;
    }
    if (decrementTtlInPlace(packet) === 0) return this.expired(packet);
    this.stats.encapsulated++;
    this.io.send(nextHop, packet);
  }

  /** udp_to_tun for one datagram payload received on port 8285 (the proxy owns it). */
  fromSocket(payload: Uint8Array): void {
    if (!isIpv4Header(payload)) return this.malformed(payload);
    if (decrementTtlInPlace(payload) === 0) return this.expired(payload);
    this.stats.decapsulated++;
    this.io.writeTun(payload);
  }

  /** send_net_unreachable: undefined when RFC 792 says to stay silent. */
  private netUnreachable(offender: Uint8Array): Uint8Array | undefined {
    if (offender[9] === IPPROTO_ICMP) return undefined;
    if ((readU16(offender, 6) & 0x1fff) !== 0) return undefined;
    return buildIcmpError({ src: this.tunAddr, dst: readU32(offender, 12), kind: 'dest-unreachable', code: ICMP_UNREACH_NET, original: offender, ttl: 8 });
  }

  private expired(packet: Uint8Array): void {
    this.stats.ttlExpired++;
    this.io.drop('flannel-udp-ttl-expired', packet.length);
  }

  private malformed(packet: Uint8Array): void {
    this.stats.malformed++;
    this.io.drop('flannel-udp-malformed', packet.length);
  }
}

/** Enough of an IPv4 header to read addresses and patch the TTL (the stack validates the rest). */
function isIpv4Header(p: Uint8Array): boolean {
  if (p.length < 20 || p[0]! >>> 4 !== 4) return false;
  const ihl = (p[0]! & 0x0f) * 4;
  return ihl >= 20 && ihl <= p.length;
}
