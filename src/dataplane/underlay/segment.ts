/**
 * What every underlay segment shares, whatever carries its frames: the membership table (MAC →
 * port, filled by attach; no learning, because the emulator knows every device), switching
 * (unicast to the owner, broadcast/multicast to every other member), link parameters with per-port
 * overrides, link up/down, counters and stats. Subclasses supply the wire: `transmit` one frame to
 * one member (a UDP datagram, or a Clock-scheduled hand-over in memory).
 */
import type { L2Port, Segment } from '../types.js';
import type { LinkParams } from '../../topology/types.js';
import { type Clock, RealClock } from '../../util/clock.js';
import { KemuError } from '../../util/errors.js';
import { ETHERNET_HEADER_LEN, formatMac, isMulticastMac } from '../../net/index.js';
import { Egress, type EgressDrop, type EgressSink } from './impair.js';
import { DEFAULT_LINK, mergeLinkParams, type RandomSource } from './params.js';
import { type DropReason, type PortCounters, type PortStats, type SegmentStats, addCounters, newCounters } from './counters.js';

export interface SegmentOptions {
  /** The segment's link parameters (missing fields: DEFAULT_LINK). */
  link?: Partial<LinkParams>;
  /** Drives delays, rate shaping and in-memory delivery. Default: RealClock. */
  clock?: Clock;
  /** Drives loss, duplication, jitter and reorder. Default: Math.random; pass seededRandom(n) to repeat runs. */
  random?: RandomSource;
  /** tbf `limit` in bytes for every port's token bucket (default: rate × 50 ms + one frame). */
  queueLimitBytes?: number;
}

export interface AttachOptions {
  label?: string;
}

/** A MAC as a number (48 bits fit a double exactly): a Map key read from the frame with no allocation. */
export function macKey(b: Uint8Array, off = 0): number {
  const low = ((b[off + 2]! << 24) | (b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!) >>> 0;
  return (b[off]! * 256 + b[off + 1]!) * 4294967296 + low;
}

/** The port a segment returns from attach: an L2Port plus counters, link overrides and up/down. */
export class UnderlayPort implements L2Port, EgressSink {
  readonly mac: Uint8Array;
  readonly key: number;
  readonly counters: PortCounters = newCounters();
  closed = false;
  private handler: ((frame: Uint8Array) => void) | null = null;
  private override: Partial<LinkParams> | null = null;
  private portDown = false;
  /** @internal */ readonly egress: Egress;

  constructor(
    private readonly segment: UnderlaySegment<UnderlayPort>,
    mac: Uint8Array,
    readonly label: string,
  ) {
    this.mac = Uint8Array.from(mac);
    this.key = macKey(mac);
    this.egress = new Egress(segment.link, {
      clock: segment.clock,
      random: segment.random,
      sink: this,
      queueLimitBytes: segment.queueLimitBytes,
      stats: this.counters,
    });
  }

  /** The medium owns `frame` from here on: do not modify it after sending (like a NIC's DMA buffer). */
  send(frame: Uint8Array): void {
    if (this.closed) return;
    if (frame.length < ETHERNET_HEADER_LEN) this.drop('malformed');
    else if (this.portDown || this.segment.down) this.drop('down');
    else this.egress.send(frame);
  }

  onReceive(handler: (frame: Uint8Array) => void): void {
    this.handler = handler;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.egress.clear();
    this.segment.detach(this);
  }

  /** Effective parameters: the segment's, with this port's overrides on top. */
  get link(): LinkParams {
    return this.egress.params;
  }

  get down(): boolean {
    return this.portDown;
  }

  /** Overrides some of the segment's parameters for this port's egress; null removes the overrides. */
  setImpairments(params: Partial<LinkParams> | null): void {
    const next = params === null ? null : { ...(this.override ?? {}), ...params };
    this.egress.setParams(mergeLinkParams(this.segment.link, next));
    this.override = next;
  }

  /** Link down: every frame sent or arriving is dropped ('down'); frames held by impairments are lost too. */
  setDown(down: boolean): void {
    this.portDown = down;
    if (down) this.counters.drops.down += this.egress.clear();
  }

  /** A snapshot of counters, effective parameters and held frames. */
  stats(): PortStats {
    const held = this.egress.held();
    const c = addCounters(newCounters(), this.counters);
    return { ...c, mac: formatMac(this.mac), label: this.label, address: this.wireAddress(), down: this.portDown, link: { ...this.link }, heldFrames: held.frames, heldBytes: held.bytes };
  }

  /** Where the port lives on the real network ("127.0.0.1:PORT"), if anywhere. */
  protected wireAddress(): string | null {
    return null;
  }

  /** @internal The segment hands over a frame for this port (already checked). */
  deliver(frame: Uint8Array): void {
    if (this.closed) return;
    // A link that is down receives nothing either (Linux: carrier off).
    if (this.portDown) return this.drop('down');
    this.counters.rxPackets++;
    this.counters.rxBytes += frame.length;
    const h = this.handler;
    if (h !== null) h(frame);
  }

  /** @internal */
  drop(reason: DropReason): void {
    this.counters.drops[reason]++;
  }

  /** @internal Re-derives the effective parameters after the segment's changed. */
  relink(): void {
    this.egress.setParams(mergeLinkParams(this.segment.link, this.override));
  }

  onEgress(frame: Uint8Array): void {
    this.segment.forward(this, frame);
  }

  onEgressDrop(reason: EgressDrop): void {
    this.counters.drops[reason]++;
  }
}

export abstract class UnderlaySegment<P extends UnderlayPort> implements Segment {
  abstract readonly kind: 'dgram' | 'memory';
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly queueLimitBytes: number | undefined;
  /** Attach order, which is also broadcast order. */
  protected readonly members: P[] = [];
  protected readonly byMac = new Map<number, P>();
  /** MACs of attaches still binding, so two attaches cannot take one MAC. */
  private readonly reserved = new Set<number>();
  private params: LinkParams;
  private segmentDown = false;
  protected closed = false;

  constructor(readonly name: string, opts: SegmentOptions = {}) {
    this.clock = opts.clock ?? new RealClock();
    this.random = opts.random ?? Math.random;
    this.queueLimitBytes = opts.queueLimitBytes;
    this.params = mergeLinkParams(DEFAULT_LINK, opts.link);
  }

  abstract attach(mac: Uint8Array, opts?: AttachOptions): Promise<P>;
  /** Carries one frame from `from` to the member `to`. `shared`: the same frame also goes to others. */
  protected abstract transmit(from: P, to: P, frame: Uint8Array, shared: boolean): void;
  /** Releases the wire resources of a port being closed. */
  protected abstract release(port: P): void;
  abstract close(): Promise<void>;

  get link(): LinkParams {
    return this.params;
  }

  get down(): boolean {
    return this.segmentDown;
  }

  /** Changes the segment's parameters at runtime (merged onto the current ones); port overrides stay. */
  setImpairments(params: Partial<LinkParams>): void {
    this.params = mergeLinkParams(this.params, params);
    for (const p of this.members) p.relink();
  }

  /** The whole segment down (a switch losing power) or up again. */
  setDown(down: boolean): void {
    this.segmentDown = down;
    if (down) for (const p of this.members) p.counters.drops.down += p.egress.clear();
  }

  port(mac: Uint8Array): P | undefined {
    return this.byMac.get(macKey(mac));
  }

  ports(): readonly P[] {
    return this.members;
  }

  stats(): SegmentStats {
    const ports = this.members.map((p) => p.stats());
    const totals = newCounters();
    for (const s of ports) addCounters(totals, s);
    return { name: this.name, kind: this.kind, down: this.segmentDown, link: { ...this.params }, ports, totals };
  }

  /** @internal A frame left `from`'s egress: switch it. */
  forward(from: P, frame: Uint8Array): void {
    from.counters.txPackets++;
    from.counters.txBytes += frame.length;
    if (isMulticastMac(frame)) {
      const m = this.members;
      const shared = m.length > 2;
      for (let i = 0; i < m.length; i++) if (m[i] !== from) this.transmit(from, m[i]!, frame, shared);
      return;
    }
    const to = this.byMac.get(macKey(frame, 0));
    // A switch never sends a frame back out of the port it came in on, so a frame to oneself is dropped too.
    if (to === undefined || to === from) from.drop('unknown-dest');
    else this.transmit(from, to, frame, false);
  }

  /** Throws for a MAC that cannot join; reserves it until `admit` or `unreserve`. */
  protected reserve(mac: Uint8Array): number {
    if (this.closed) throw new KemuError('ERR_SEGMENT_CLOSED', `segment ${this.name} is closed`);
    if (!(mac instanceof Uint8Array) || mac.length !== 6) throw new KemuError('ERR_BAD_MAC', 'a MAC address is 6 bytes');
    if (isMulticastMac(mac)) throw new KemuError('ERR_BAD_MAC', `${formatMac(mac)} is a group address, not a device's`);
    const key = macKey(mac);
    if (this.byMac.has(key) || this.reserved.has(key)) {
      throw new KemuError('ERR_MAC_IN_USE', `${formatMac(mac)} is already attached to segment ${this.name}`);
    }
    this.reserved.add(key);
    return key;
  }

  protected unreserve(key: number): void {
    this.reserved.delete(key);
  }

  protected admit(port: P): void {
    this.reserved.delete(port.key);
    this.byMac.set(port.key, port);
    this.members.push(port);
  }

  /** @internal Called by UnderlayPort.close. */
  detach(port: P): void {
    if (this.byMac.get(port.key) === port) this.byMac.delete(port.key);
    const i = this.members.indexOf(port);
    if (i >= 0) this.members.splice(i, 1);
    this.release(port);
  }

  protected closeAllPorts(): void {
    this.closed = true;
    for (const p of [...this.members]) p.close();
  }
}
