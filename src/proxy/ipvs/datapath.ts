/**
 * IPVS in a host's packet path (ip_vs_core.c's nf_hook_ops), as programmatic netfilter hooks:
 *   INPUT   98  ip_vs_reply4          replies to local clients: source back to the virtual service
 *   INPUT   99  ip_vs_remote_request4 packets to a virtual service (ClusterIPs are local, on kube-ipvs0;
 *                                     NodePorts are node addresses): schedule, DNAT to the real server
 *                                     (masquerade forwarding) and steal the packet out through routing
 *   OUTPUT -99  ip_vs_local_reply4    replies of a real server on this host
 *   OUTPUT -98  ip_vs_local_request4  the host's own connections to a virtual service: DNAT in place
 *   FORWARD 100 ip_vs_reply4          replies passing through: source back to the virtual service
 * Connection state lives in the IpvsTable; with net.ipv4.vs.conntrack=1 (kube-proxy sets it) the
 * packet's conntrack entry is told where the connection went (alterReply), so kube-proxy's
 * MASQUERADE in POSTROUTING can bind and replies find the entry. The table's connections expire
 * on a clock timer, armed while any exist.
 */
import type { HookFn, Netfilter, StolenVerdict } from '../../dataplane/netfilter/index.js';
import { datagramEnd, manipDatagram } from '../../dataplane/netfilter/index.js';
import { type NetNamespace, sendStolen } from '../../dataplane/stack/index.js';
import type { PacketView } from '../../dataplane/types.js';
import { ICMP_TYPE_DEST_UNREACHABLE, ICMP_UNREACH_PORT, IPPROTO_TCP, IPPROTO_UDP, readU16 } from '../../net/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import type { IpvsConn, IpvsTable, PacketTuple } from './model.js';

export interface IpvsDatapathOptions {
  ns: NetNamespace;
  netfilter: Netfilter;
  table: IpvsTable;
  clock: Clock;
}

/** The ports and TCP flags of a first-fragment TCP/UDP packet; undefined for anything else. */
function tupleOf(pkt: PacketView): PacketTuple | undefined {
  const proto = pkt.protocol;
  if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return undefined;
  const buf = pkt.packet;
  if ((readU16(buf, 6) & 0x1fff) !== 0) return undefined;
  const l4 = (buf[0]! & 0x0f) * 4;
  if (buf.length < l4 + (proto === IPPROTO_TCP ? 20 : 8)) return undefined;
  return {
    protocol: proto === IPPROTO_TCP ? 'TCP' : 'UDP', src: pkt.src, sport: pkt.srcPort, dst: pkt.dst, dport: pkt.dstPort,
    flags: proto === IPPROTO_TCP ? buf[l4 + 13]! : 0,
  };
}

export class IpvsDatapath {
  /** Packets each hook rewrote (for tests and status). */
  readonly counters = { requests: 0, replies: 0, unreachable: 0, dropped: 0 };
  private removers: Array<() => void> = [];
  private gcTimer: TimerHandle | undefined;
  private gcAt = Infinity;

  constructor(private readonly opts: IpvsDatapathOptions) {}

  get table(): IpvsTable {
    return this.opts.table;
  }

  start(): void {
    if (this.removers.length > 0) return;
    const nf = this.opts.netfilter;
    this.removers = [
      nf.addHook('INPUT', 98, this.reply),
      nf.addHook('INPUT', 99, this.request(true)),
      nf.addHook('OUTPUT', -99, this.reply),
      nf.addHook('OUTPUT', -98, this.request(false)),
      nf.addHook('FORWARD', 100, this.reply),
    ];
  }

  stop(): void {
    for (const r of this.removers) r();
    this.removers = [];
    this.gcTimer?.cancel();
    this.gcTimer = undefined;
    this.gcAt = Infinity;
  }

  /** Client → virtual service. `remote`: arrived from a link (LOCAL_IN), else the host's own (LOCAL_OUT). */
  private request(remote: boolean): HookFn {
    return (pkt, ctx): ReturnType<HookFn> => {
      const t = tupleOf(pkt);
      if (t === undefined) return 'accept';
      const r = this.opts.table.inbound(t, ctx.now);
      switch (r.action) {
        case 'pass':
          return 'accept';
        case 'drop':
          this.counters.dropped++;
          return 'drop';
        case 'unreachable':
          this.counters.unreachable++;
          return this.unreachable(pkt, remote);
        case 'forward':
          this.counters.requests++;
          this.toRealServer(pkt, r.conn);
          if (r.fresh) this.armGc(r.conn.expires);
          // LOCAL_OUT: the packet goes on (the stack re-routes it); LOCAL_IN: it leaves through routing.
          return remote ? { stolen: () => void sendStolen(this.opts.ns, pkt) } : 'accept';
      }
    };
  }

  /** Real server → client: the source becomes the virtual service again. */
  private readonly reply: HookFn = (pkt, ctx) => {
    const t = tupleOf(pkt);
    if (t === undefined) return 'accept';
    const conn = this.opts.table.outbound(t, ctx.now);
    if (conn === undefined) return 'accept';
    this.counters.replies++;
    manipDatagram(pkt.packet, 0, datagramEnd(pkt.packet), 'src', conn.vaddr, conn.vport);
    pkt.src = conn.vaddr;
    pkt.srcPort = conn.vport;
    return 'accept';
  };

  private toRealServer(pkt: PacketView, conn: IpvsConn): void {
    manipDatagram(pkt.packet, 0, datagramEnd(pkt.packet), 'dst', conn.daddr, conn.dport);
    pkt.dst = conn.daddr;
    pkt.dstPort = conn.dport;
    // ip_vs_update_conntrack: replies come from the real server (a no-op once the entry is confirmed).
    const proto = conn.protocol === 'TCP' ? IPPROTO_TCP : IPPROTO_UDP;
    this.opts.netfilter.alterReply(pkt, { src: conn.daddr, dst: conn.caddr, proto, sport: conn.dport, dport: conn.cport });
  }

  /** ip_vs_leave without a real server: ICMP port unreachable to the client (a local one gets it on its socket). */
  private unreachable(pkt: PacketView, remote: boolean): StolenVerdict {
    const packet = pkt.packet;
    const ns = this.opts.ns;
    return {
      stolen: () => {
        ns.dropIp('ipvs-no-destination', packet.length);
        if (remote) ns.icmp.sendError(packet, 'dest-unreachable', ICMP_UNREACH_PORT);
        else ns.icmp.deliverLocalError(packet, ICMP_TYPE_DEST_UNREACHABLE, ICMP_UNREACH_PORT, 0);
      },
    };
  }

  /** One timer for the whole table, due at the earliest expiry (1 s granularity, like a jiffy-ish tick). */
  private armGc(at: number): void {
    if (at >= this.gcAt) return;
    this.gcTimer?.cancel();
    const clock = this.opts.clock;
    this.gcAt = Math.max(at, clock.now() + 1000);
    this.gcTimer = clock.setTimeout(() => {
      this.gcTimer = undefined;
      this.gcAt = Infinity;
      const table = this.opts.table;
      table.gc(clock.now());
      const next = table.nextExpiry();
      if (next !== Infinity) this.armGc(next);
    }, this.gcAt - clock.now());
  }
}
