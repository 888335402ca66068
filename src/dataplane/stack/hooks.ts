/**
 * PacketView: the header fields netfilter hooks match on, decoded once per packet and refreshed after
 * a hook accepts (NAT rewrites `packet` in place, so addresses and ports must be read again) unless
 * nothing reads them any more. One view serves a packet's whole walk through a namespace.
 */

import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, readU16, readU32 } from '../../net/index.js';
import { ACCEPT_ALL, type HookStage, type PacketView } from '../types.js';
import type { NetNamespace } from './namespace.js';
import { headroomOf } from './pool.js';

/**
 * The stack's PacketView: what hooks see, plus what the stack keeps for one walk of a packet through
 * one namespace (hooks see the extra fields and ignore them; types.ts is unchanged).
 */
export interface StackView extends PacketView {
  /**
   * Bytes in front of `roomOf` this namespace owns besides what pool.ts knows (a received frame's own
   * Ethernet header); valid while `packet` is that buffer. viewHeadroom adds the pool's part, only
   * when a packet is actually transmitted.
   */
  headroom: number;
  roomOf: Uint8Array;
  /** The clock when the first hook of this walk ran (-1 before): one clock read per walk, like a jiffy. */
  at: number;
}

export function makeView(packet: Uint8Array, inIface: string, outIface: string, headroom = 0): StackView {
  const view: StackView = {
    packet, src: 0, dst: 0, protocol: 0, srcPort: 0, dstPort: 0, inIface, outIface, mark: 0, nfctOwner: undefined, nfct: undefined, headroom, roomOf: packet, at: -1,
  };
  refreshView(view, packet);
  return view;
}

/** Headroom of the view's current packet: hooks or reassembly may have replaced the buffer. */
export function viewHeadroom(view: StackView): number {
  const pooled = headroomOf(view.packet);
  return view.packet === view.roomOf && view.headroom > pooled ? view.headroom : pooled;
}

/** Re-reads addresses, protocol and ports from `packet` (caller has validated the IPv4 header). */
export function refreshView(view: PacketView, packet: Uint8Array): void {
  view.packet = packet;
  view.src = readU32(packet, 12);
  view.dst = readU32(packet, 16);
  view.protocol = packet[9]!;
  const l4 = (packet[0]! & 0x0f) * 4;
  const firstFragment = (readU16(packet, 6) & 0x1fff) === 0;
  view.srcPort = 0;
  view.dstPort = 0;
  if (!firstFragment || packet.length < l4 + 8) return;
  if (view.protocol === IPPROTO_TCP || view.protocol === IPPROTO_UDP) {
    view.srcPort = readU16(packet, l4);
    view.dstPort = readU16(packet, l4 + 2);
  } else if (view.protocol === IPPROTO_ICMP && (packet[l4] === 8 || packet[l4] === 0)) {
    view.srcPort = readU16(packet, l4 + 4); // echo id, as conntrack keys ICMP
  }
}

/**
 * Runs one hook. A hook that throws is a bug in the rules engine; the packet is dropped and the
 * error counted rather than let out of the receive path. Returns true to continue.
 */
export function runHook(ns: NetNamespace, stage: HookStage, view: StackView): boolean {
  if (ns.hooks === ACCEPT_ALL && ns.trace === undefined) return true; // nothing can rewrite the packet
  let verdict: string;
  try {
    // The walk is synchronous: one clock read serves all its hooks (see stackNow).
    const now = view.at >= 0 ? view.at : (view.at = ns.now());
    verdict = ns.hooks.run(stage, view, now);
  } catch (err) {
    ns.internalError(err, view.inIface || view.outIface);
    verdict = 'drop';
  }
  if (ns.trace !== undefined) {
    ns.traceStep('hook', `${stage} ${verdict}`, stage === 'PREROUTING' || stage === 'INPUT' ? view.inIface : view.outIface, view.packet.length);
  }
  if (verdict === 'accept') {
    // NAT may have rewritten the packet: re-read it for routing and the next hook. After the last hook
    // of a walk (INPUT, POSTROUTING) nothing reads the fields again but a trace.
    if ((stage !== 'INPUT' && stage !== 'POSTROUTING') || ns.trace !== undefined) refreshView(view, view.packet);
    return true;
  }
  const stolen = (ns.hooks as HookExtras).takeStolen?.(view);
  if (stolen !== undefined) return runStolen(ns, stage, view, stolen);
  ns.dropIp(`netfilter-${stage}`, view.packet.length);
  sendRejectReply(ns, stage, view);
  return false;
}

/**
 * What a rules engine may offer beyond NetfilterHooks; src/dataplane/netfilter's Netfilter does.
 * Looked up by duck typing so the seam in types.ts stays as it is.
 */
interface HookExtras {
  /** Connection tracking on: hooks must see whole datagrams (Linux nf_defrag_ipv4 before PREROUTING). */
  readonly tracking?: boolean;
  /** The REJECT behind a 'drop' verdict, once. */
  takeRejection?(pkt: PacketView): unknown;
  /** The ICMP error or TCP RST answering it; `src` is the ICMP source for FORWARD. */
  rejectReply?(pkt: PacketView, rejection: never, src?: number): Uint8Array | undefined;
  /** A hook took the packet over (NF_STOLEN, IPVS): its continuation, once. */
  takeStolen?(pkt: PacketView): (() => void) | undefined;
}

/** NF_STOLEN: not a drop — the hook's continuation decides what becomes of the packet (IPVS sends it on). */
function runStolen(ns: NetNamespace, stage: HookStage, view: StackView, stolen: () => void): false {
  if (ns.trace !== undefined) ns.traceStep('hook', `${stage} stolen`, stage === 'PREROUTING' || stage === 'INPUT' ? view.inIface : view.outIface, view.packet.length);
  try {
    refreshView(view, view.packet);
    stolen();
  } catch (err) {
    ns.internalError(err, view.inIface || view.outIface);
  }
  return false;
}

export function hooksWantWholeDatagrams(ns: NetNamespace): boolean {
  return ns.hooks !== ACCEPT_ALL && (ns.hooks as HookExtras).tracking === true;
}

/** ipt_REJECT: the reply goes out through our own OUTPUT path, where conntrack sees it as RELATED. */
function sendRejectReply(ns: NetNamespace, stage: HookStage, view: PacketView): void {
  const extras = ns.hooks as HookExtras;
  if (extras.takeRejection === undefined || extras.rejectReply === undefined) return;
  try {
    const rejection = extras.takeRejection(view);
    if (rejection === undefined) return;
    // icmp_send answers a forwarded packet from the address of the interface it came in on.
    const src = stage === 'FORWARD' ? ns.device(view.inIface)?.addressFor(view.src) : undefined;
    const reply = extras.rejectReply(view, rejection as never, src || undefined);
    if (reply === undefined) return;
    if (ns.trace !== undefined) ns.traceStep('hook', `${stage} reject reply`, view.inIface || view.outIface, reply.length);
    ns.sendIp(reply);
  } catch (err) {
    ns.internalError(err, view.inIface || view.outIface);
  }
}
