/**
 * The conntrack and NAT steps of the hook pipeline (nf_conntrack_in, nf_nat_inet_fn,
 * __nf_conntrack_confirm), and the link from a packet to its entry. Linux keeps that link on the
 * skb; here it is kept on the PacketView (its nfct field, a property rather than a WeakMap entry:
 * this runs for every packet at every hook) and by the identity of its `packet` buffer (for the
 * new view a packet gets when it loops back over lo), set at the packet's first hook (PREROUTING
 * or OUTPUT) and read by the later ones.
 */
import type { PacketView } from '../types.js';
import { readU32 } from '../../net/index.js';
import { type Conntrack, type ConntrackEntry, type CtDir, DIR_ORIGINAL, DIR_REPLY } from './conntrack.js';
import type { PacketContext, PacketCt } from './context.js';
import type { Engine } from './engine.js';
import { type NatRange, markNatDone, natIcmpError, natInitialized, natPacket, setupNat } from './nat.js';
import { type Manip, readPorts } from './rewrite.js';
import { type NatTarget, V_DROP, V_RETURN } from './targets.js';
import { type Tuple, invertTuple, parsePacket, tupleEquals, tupleKey } from './tuple.js';

const CONT = V_RETURN;
const LOOPBACK = 0x7f000001;
/** Rejected first packets never get confirmed; their reply tuples are kept so the REJECT answer finds them. */
const REJECTED_FLOWS_MAX = 32;

export class ConntrackHooks {
  private readonly byBuffer = new WeakMap<Uint8Array, PacketCt | null>();
  private readonly rejectedFlows = new Map<string, ConntrackEntry>();

  constructor(
    private readonly conntrack: Conntrack,
    private readonly engine: Engine,
    private readonly random: () => number,
    private readonly addressOf: (iface: string) => number | undefined,
  ) {}

  ctOf(pkt: PacketView): PacketCt | undefined {
    if (pkt.nfctOwner === this) return (pkt.nfct as PacketCt | null) ?? undefined;
    return this.byBuffer.get(pkt.packet) ?? undefined;
  }

  /** nf_conntrack_in: find or create the packet's entry and update it. */
  conntrackIn(ctx: PacketContext): number {
    const { pkt, now } = ctx;
    const prev = ctx.ct;
    // A packet this namespace sent to itself keeps its entry across lo, as skb->_nfct does. Only on
    // lo: a stack that pools buffers must not make a packet from the wire skip tracking.
    if (ctx.stage === 'PREROUTING' && pkt.inIface === 'lo' && prev && !prev.related && prev.entry.confirmed && isTranslated(prev, pkt.packet)) {
      return CONT;
    }
    const p = parsePacket(pkt.packet);
    let ct: PacketCt | undefined;
    if (p.kind === 'track') {
      ct = this.track(p.tuple, p.tcpFlags, ctx);
    } else if (p.kind === 'icmp-error') {
      // An error about a packet of ours: the quoted tuple, inverted, is one direction of its entry.
      const t = invertTuple(p.tuple);
      const e = this.conntrack.find(t, now) ?? this.rejected(t, ctx);
      if (e) ct = { entry: e, dir: dirOf(e, t), related: true, state: 'RELATED' };
    }
    ctx.ct = ct;
    pkt.nfctOwner = this;
    pkt.nfct = ct ?? null;
    // Only a packet this namespace sends can come back to it over lo (in a new view of the same
    // buffer); forwarded and received packets need no entry by buffer.
    if (ctx.stage === 'OUTPUT') this.byBuffer.set(pkt.packet, ct ?? null);
    return CONT;
  }

  /** nf_nat_inet_fn: the nat table for a new connection's first packet, then the binding for all. */
  natStep(ctx: PacketContext, manip: Manip, natActive: boolean): number {
    const a = ctx.ct;
    if (!a) return CONT;
    const e = a.entry;
    const buf = ctx.pkt.packet;
    if (a.related) {
      natIcmpError(e, a.dir, manip, buf);
      refreshView(ctx.pkt);
      return CONT;
    }
    if (!natInitialized(e, manip) && a.state === 'NEW' && a.dir === DIR_ORIGINAL) {
      if (natActive) {
        ctx.table = 'nat';
        ctx.nat = undefined;
        if (this.engine.runBuiltin('nat', ctx.stage, ctx) === V_DROP) return V_DROP;
        if (ctx.nat && !this.bindTarget(ctx, e, manip, ctx.nat)) return V_DROP;
      }
      markNatDone(e, manip);
    }
    if (natPacket(e, a.dir, manip, buf)) refreshView(ctx.pkt);
    return CONT;
  }

  /** __nf_conntrack_confirm: the first packet made it through; its entry joins the table. */
  confirm(ctx: PacketContext): number {
    const a = ctx.ct;
    if (!a || a.related || a.dir !== DIR_ORIGINAL || a.entry.confirmed) return CONT;
    const e = this.conntrack.confirm(a.entry, ctx.now);
    if (e === undefined) return ctx.drop('conntrack-insert');
    a.entry = e;
    return CONT;
  }

  /** See Netfilter.bindNat. */
  bindNat(pkt: PacketView, manip: Manip, range: NatRange, now: number): boolean {
    const a = this.ctOf(pkt);
    if (!a || a.related || a.dir !== DIR_ORIGINAL || a.entry.confirmed) return false;
    if (!setupNat(this.conntrack, a.entry, manip, range, now, this.random)) return false;
    if (natPacket(a.entry, DIR_ORIGINAL, manip, pkt.packet)) refreshView(pkt);
    return true;
  }

  /** Emulates nf_ct_attach: the RST or ICMP error answering a rejected first packet still un-NATs. */
  rememberRejected(e: ConntrackEntry): void {
    this.rejectedFlows.set(e.replyKey, e);
    while (this.rejectedFlows.size > REJECTED_FLOWS_MAX) this.rejectedFlows.delete(this.rejectedFlows.keys().next().value!);
  }

  private rejected(t: Tuple, ctx: PacketContext): ConntrackEntry | undefined {
    // Only locally generated answers (OUTPUT) can be a REJECT's reply.
    return ctx.stage === 'OUTPUT' && this.rejectedFlows.size > 0 ? this.rejectedFlows.get(tupleKey(t)) : undefined;
  }

  private track(t: Tuple, flags: number, ctx: PacketContext): PacketCt | undefined {
    const ct = this.conntrack;
    const e = ct.find(t, ctx.now) ?? this.rejected(t, ctx);
    if (e) {
      const dir = dirOf(e, t);
      const r = ct.track(e, dir, flags, ctx.bytes, ctx.now);
      if (r === 'invalid') return undefined;
      if (r === 'ok') return { entry: e, dir, related: false, state: dir === DIR_REPLY || e.seenReply ? 'ESTABLISHED' : 'NEW' };
      ct.delete(e); // 'reopen': a new SYN on a closed connection starts a new one
    }
    const created = ct.create(t, flags, ctx.bytes, ctx.now);
    return created && { entry: created, dir: DIR_ORIGINAL, related: false, state: 'NEW' };
  }

  /** Makes the binding a DNAT/SNAT/MASQUERADE target asked for; false drops the packet. */
  private bindTarget(ctx: PacketContext, e: ConntrackEntry, manip: Manip, t: NatTarget): boolean {
    // A target at the wrong hook (DNAT reached from POSTROUTING) is refused by the kernel at load
    // time; here it is simply ignored.
    if ((t.kind === 'DNAT' || t.kind === 'REDIRECT') !== (manip === 'dst')) return true;
    const random = t.random || (t.kind !== 'REDIRECT' && t.randomFully);
    let range: NatRange;
    if (t.kind === 'REDIRECT') {
      // nf_nat_redirect_ipv4: local packets go to 127.0.0.1, others to the incoming interface's primary address.
      const addr = ctx.stage === 'OUTPUT' ? LOOPBACK : this.addressOf(ctx.pkt.inIface);
      if (addr === undefined) {
        ctx.dropReason = 'masquerade-no-address';
        return false;
      }
      range = { minIp: addr, maxIp: addr, minPort: t.ports?.min, maxPort: t.ports?.max, random };
    } else if (t.kind === 'MASQUERADE') {
      const addr = this.addressOf(ctx.pkt.outIface);
      if (addr === undefined) {
        ctx.dropReason = 'masquerade-no-address';
        return false;
      }
      range = { minIp: addr, maxIp: addr, minPort: t.ports?.min, maxPort: t.ports?.max, random };
      e.masqIface = ctx.pkt.outIface;
    } else {
      range = { minIp: t.to.minIp, maxIp: t.to.maxIp, minPort: t.to.ports?.min, maxPort: t.to.ports?.max, random, persistent: t.persistent };
    }
    if (setupNat(this.conntrack, e, manip, range, ctx.now, this.random)) return true;
    ctx.dropReason = 'nat-exhausted';
    return false;
  }
}

function dirOf(e: ConntrackEntry, t: Tuple): CtDir {
  return tupleEquals(e.orig, t) ? DIR_ORIGINAL : DIR_REPLY;
}

/** Whether the packet already carries every translation its entry applies in its direction. */
function isTranslated(a: PacketCt, buf: Uint8Array): boolean {
  const p = parsePacket(buf);
  return p.kind === 'track' && tupleEquals(p.tuple, invertTuple(a.entry.tuple(a.dir === DIR_ORIGINAL ? DIR_REPLY : DIR_ORIGINAL)));
}

/** After a rewrite, the view's decoded fields follow the bytes (routing reads pkt.dst next). */
function refreshView(pkt: PacketView): void {
  const buf = pkt.packet;
  const { srcPort, dstPort } = readPorts(buf);
  pkt.src = readU32(buf, 12);
  pkt.dst = readU32(buf, 16);
  pkt.srcPort = srcPort;
  pkt.dstPort = dstPort;
}
