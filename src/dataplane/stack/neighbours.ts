/**
 * The ARP neighbour table (Linux neigh + arp_process, trimmed): dynamic entries resolved by broadcast
 * requests with retries, packets queued while INCOMPLETE, FAILED after `maxProbes` unanswered
 * requests (each queued packet then earns its sender an ICMP host unreachable), REACHABLE entries
 * turning STALE after `reachableMs` and re-probed on use, and PERMANENT entries that ARP never
 * overwrites (flannel's vxlan: `ip neigh add … lladdr … nud permanent`). Ageing is computed lazily
 * from timestamps; only retries use Clock timers.
 */

import {
  ARP_OP_REPLY, ARP_OP_REQUEST, BROADCAST_MAC, ZERO_MAC, decodeArp, formatIpv4, formatMac, macEquals,
} from '../../net/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { isLoopbackIp } from './cidr.js';
import type { L2Device } from './l2-device.js';
import { headroomOf } from './pool.js';

export type NeighbourState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'PERMANENT' | 'FAILED';

/** What the table needs from its namespace. */
export interface NeighbourHost {
  readonly clock: Clock;
  /** The clock as the stack reads it for bookkeeping (NetNamespace.now). */
  now(): number;
  isLocalAddress(ip: number): boolean;
  /** A queued packet could not be resolved: answer its sender with ICMP host unreachable. */
  neighbourFailed(packet: Uint8Array): void;
  countArpIn(): void;
  traceStep(kind: string, detail: string, iface?: string, bytes?: number): void;
}

export interface NeighbourOptions {
  /** base_reachable_time: 30 s. */
  reachableMs?: number;
  /** retrans_time: 1 s between requests. */
  retransMs?: number;
  /** delay_first_probe_time: 5 s before a used STALE entry is re-probed. */
  delayProbeMs?: number;
  /** mcast_solicit: 3 requests before FAILED. */
  maxProbes?: number;
  /** unres_qlen: packets queued per unresolved address (Linux documents 101). */
  queueLimit?: number;
  /** gc_thresh3: beyond this many entries, FAILED and idle STALE ones are purged. */
  maxEntries?: number;
}

export interface NeighbourInfo {
  ip: string;
  dev: string;
  mac: string | undefined;
  state: NeighbourState;
}

interface Entry {
  ip: number;
  dev: L2Device;
  mac: Uint8Array | undefined;
  state: NeighbourState;
  confirmedAt: number;
  probes: number;
  timer: TimerHandle | undefined;
  queue: Uint8Array[];
}

/**
 * arp_process's proxy ARP rule: the device has proxy_arp on, the host forwards, and its route to
 * the target is a unicast route out of another device (a target behind the asking interface, or
 * one of our own, is never proxied).
 */
function proxiesFor(dev: L2Device, target: number): boolean {
  if ((dev as L2Device & { proxyArp?: boolean }).proxyArp !== true) return false;
  const ns = dev.ns;
  if (ns === undefined || !ns.ipForward) return false;
  const r = ns.routes.lookup(target);
  return r !== undefined && r.type === 'unicast' && r.dev !== undefined && r.dev !== dev;
}

export class NeighbourTable {
  private readonly byDevice = new Map<L2Device, Map<number, Entry>>();
  private count = 0;
  private readonly reachableMs: number;
  private readonly retransMs: number;
  private readonly maxProbes: number;
  private readonly delayProbeMs: number;
  private readonly queueLimit: number;
  private readonly maxEntries: number;

  constructor(private readonly host: NeighbourHost, opts: NeighbourOptions = {}) {
    this.reachableMs = opts.reachableMs ?? 30_000;
    this.retransMs = opts.retransMs ?? 1_000;
    this.maxProbes = opts.maxProbes ?? 3;
    this.delayProbeMs = opts.delayProbeMs ?? 5_000;
    this.queueLimit = opts.queueLimit ?? 101;
    this.maxEntries = opts.maxEntries ?? 1024;
  }

  /** `ip neigh replace IP lladdr MAC dev DEV nud permanent|reachable`. */
  add(dev: L2Device, ip: number, mac: Uint8Array, state: 'PERMANENT' | 'REACHABLE' = 'PERMANENT'): void {
    const e = this.entry(dev, ip, true)!;
    this.stopTimer(e);
    e.state = state;
    this.confirm(e, new Uint8Array(mac)); // a copy (Buffer.slice would share the caller's memory)
  }

  delete(dev: L2Device, ip: number): boolean {
    const e = this.entry(dev, ip, false);
    if (e === undefined) return false;
    this.remove(e);
    return true;
  }

  state(dev: L2Device, ip: number): NeighbourState | undefined {
    const e = this.entry(dev, ip, false);
    return e === undefined ? undefined : this.currentState(e);
  }

  /** One entry's MAC and state (`ip neigh get`), without listing the table. */
  get(dev: L2Device, ip: number): { mac: Uint8Array | undefined; state: NeighbourState } | undefined {
    const e = this.entry(dev, ip, false);
    return e === undefined ? undefined : { mac: e.mac, state: this.currentState(e) };
  }

  list(): NeighbourInfo[] {
    const out: NeighbourInfo[] = [];
    for (const entries of this.byDevice.values()) {
      for (const e of entries.values()) {
        out.push({ ip: formatIpv4(e.ip), dev: e.dev.name, mac: e.mac && formatMac(e.mac), state: this.currentState(e) });
      }
    }
    return out;
  }

  /** Forgets a device's entries (device removed); queued packets are dropped. */
  flushDevice(dev: L2Device): void {
    for (const e of [...(this.byDevice.get(dev)?.values() ?? [])]) this.remove(e);
  }

  /**
   * The MAC to send `packet` to `ip` with, or undefined when the packet was queued (or dropped)
   * waiting for resolution.
   */
  resolve(dev: L2Device, ip: number, packet: Uint8Array): Uint8Array | undefined {
    const e = this.entry(dev, ip, true)!;
    switch (this.currentState(e)) {
      case 'PERMANENT':
      case 'REACHABLE':
        return e.mac;
      case 'STALE':
        // Keep using the old address; unless something confirms it within delay_first_probe_time,
        // re-probe it by unicast (Linux's DELAY and PROBE states, folded into STALE here).
        e.state = 'STALE';
        if (e.timer === undefined) {
          e.probes = 0;
          e.timer = this.host.clock.setTimeout(() => this.solicit(e, packet), this.delayProbeMs);
        }
        return e.mac;
      case 'FAILED':
        e.state = 'INCOMPLETE';
        e.probes = 0;
        this.enqueue(e, packet);
        this.solicit(e, packet);
        return undefined;
      case 'INCOMPLETE':
        this.enqueue(e, packet);
        if (e.timer === undefined) this.solicit(e, packet);
        return undefined;
    }
  }

  /** arp_process: answers requests for our addresses and learns from what we hear. */
  handleArp(dev: L2Device, payload: Uint8Array): void {
    const decoded = decodeArp(payload);
    if (!decoded.ok) return dev.dropRx('arp-malformed', payload.length);
    const arp = decoded.value;
    this.host.countArpIn();
    if (isLoopbackIp(arp.targetIp) || macEquals(arp.senderMac, dev.mac)) return;
    const local = this.host.isLocalAddress(arp.targetIp);
    if (this.host.isLocalAddress(arp.senderIp)) return; // someone claims our address; Linux ignores it too
    const forUs = local || (arp.op === ARP_OP_REQUEST && proxiesFor(dev, arp.targetIp));
    if (arp.op === ARP_OP_REQUEST && forUs) {
      this.host.traceStep('arp', `${local ? 'reply' : 'proxy reply'} ${formatIpv4(arp.targetIp)} is-at ${formatMac(dev.mac)}`, dev.name);
      dev.sendArp(ARP_OP_REPLY, arp.senderMac, arp.targetIp, arp.senderMac, arp.senderIp);
    }
    if (arp.senderIp === 0) return; // a probe (RFC 5227) teaches nothing
    const existing = this.entry(dev, arp.senderIp, false);
    if (existing === undefined && !(arp.op === ARP_OP_REQUEST && forUs)) return; // arp_accept=0
    const e = existing ?? this.entry(dev, arp.senderIp, true)!;
    // Only a reply addressed to us proves reachability; requests and gratuitous replies leave it STALE.
    const replyToUs = arp.op === ARP_OP_REPLY && macEquals(arp.targetMac, dev.mac);
    this.update(e, new Uint8Array(arp.senderMac), replyToUs ? 'REACHABLE' : 'STALE'); // a copy, not a view of the frame
  }

  private update(e: Entry, mac: Uint8Array, state: 'REACHABLE' | 'STALE'): void {
    if (e.state === 'PERMANENT') return;
    const sameMac = e.mac !== undefined && macEquals(e.mac, mac);
    if (state === 'STALE' && sameMac && this.currentState(e) === 'REACHABLE') return;
    this.stopTimer(e); // any answer ends resolution or re-probing, as neigh_update does
    this.host.traceStep('arp', `${formatIpv4(e.ip)} is-at ${formatMac(mac)} ${state}`, e.dev.name);
    e.state = state;
    this.confirm(e, mac);
  }

  private confirm(e: Entry, mac: Uint8Array): void {
    e.mac = mac;
    e.confirmedAt = this.host.now();
    const queued = e.queue;
    if (queued.length === 0) return;
    e.queue = [];
    for (const packet of queued) e.dev.sendIpFrame(packet, mac, headroomOf(packet));
  }

  private currentState(e: Entry): NeighbourState {
    if (e.state === 'REACHABLE' && this.host.now() - e.confirmedAt >= this.reachableMs) return 'STALE';
    return e.state;
  }

  private enqueue(e: Entry, packet: Uint8Array): void {
    if (e.queue.length >= this.queueLimit) {
      const oldest = e.queue.shift()!; // Linux drops the head of the queue, not the newcomer
      e.dev.dropTx('neigh-queue-overflow', oldest.length);
    }
    e.queue.push(packet);
  }

  /** One ARP request (broadcast while INCOMPLETE, unicast to the old address while re-probing STALE). */
  private solicit(e: Entry, packet: Uint8Array): void {
    e.timer = undefined;
    e.probes++;
    const senderIp = this.requestSource(e, packet);
    const dstMac = e.state === 'STALE' && e.mac !== undefined ? e.mac : BROADCAST_MAC;
    this.host.traceStep('arp', `who-has ${formatIpv4(e.ip)} tell ${formatIpv4(senderIp)} (try ${e.probes})`, e.dev.name);
    e.timer = this.host.clock.setTimeout(() => this.retry(e, packet), this.retransMs);
    e.dev.sendArp(ARP_OP_REQUEST, dstMac as Uint8Array, senderIp, ZERO_MAC as Uint8Array, e.ip);
  }

  private retry(e: Entry, packet: Uint8Array): void {
    e.timer = undefined;
    if (e.state === 'REACHABLE' || e.state === 'PERMANENT') return;
    if (e.probes < this.maxProbes) return this.solicit(e, packet);
    this.host.traceStep('arp', `${formatIpv4(e.ip)} FAILED after ${e.probes} requests`, e.dev.name);
    e.state = 'FAILED';
    e.mac = undefined;
    const queued = e.queue;
    e.queue = [];
    for (const p of queued) {
      e.dev.dropTx('neigh-failed', p.length);
      this.host.neighbourFailed(p);
    }
  }

  /**
   * arp_solicit with arp_announce=0: the packet's own source when it is ours, else the device's, else
   * (a device without addresses, like calico's cali* veths) the address the host would use toward
   * the target (inet_select_addr looks beyond the device).
   */
  private requestSource(e: Entry, packet: Uint8Array): number {
    const src = packet.length >= 16 ? ((packet[12]! << 24) | (packet[13]! << 16) | (packet[14]! << 8) | packet[15]!) >>> 0 : 0;
    if (this.host.isLocalAddress(src)) return src;
    const own = e.dev.addressFor(e.ip);
    return own !== 0 ? own : e.dev.ns?.selectSource(e.ip) ?? 0;
  }

  private entry(dev: L2Device, ip: number, create: boolean): Entry | undefined {
    let entries = this.byDevice.get(dev);
    const found = entries?.get(ip | 0); // keyed `| 0`: no heap-number keys for addresses above 127.x
    if (found !== undefined || !create) return found;
    if (this.count >= this.maxEntries) this.collectGarbage();
    if (entries === undefined) this.byDevice.set(dev, (entries = new Map()));
    const e: Entry = { ip, dev, mac: undefined, state: 'INCOMPLETE', confirmedAt: 0, probes: 0, timer: undefined, queue: [] };
    entries.set(ip | 0, e);
    this.count++;
    return e;
  }

  private collectGarbage(): void {
    for (const entries of this.byDevice.values()) {
      for (const e of [...entries.values()]) {
        const s = this.currentState(e);
        if (s === 'FAILED' || (s === 'STALE' && e.timer === undefined)) this.remove(e);
      }
    }
  }

  private remove(e: Entry): void {
    this.stopTimer(e);
    for (const p of e.queue) e.dev.dropTx('neigh-flushed', p.length);
    e.queue = [];
    if (this.byDevice.get(e.dev)?.delete(e.ip | 0)) this.count--;
  }

  private stopTimer(e: Entry): void {
    e.timer?.cancel();
    e.timer = undefined;
  }
}
