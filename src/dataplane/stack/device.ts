/**
 * What every network device of a namespace has: name, index, MTU, state, addresses, counters and
 * capture taps. Subclasses decide how an IPv4 packet leaves (`transmitIp`) and how received data
 * enters the stack (`receive`, always reached through the backlog so the stack depth stays bounded).
 */

import type { FrameTap } from '../types.js';
import { type BacklogReceiver, netifRx } from './backlog.js';
import { inPrefix } from './cidr.js';
import { DeviceCounters } from './counters.js';
import type { NetNamespace } from './namespace.js';

/** Bumped whenever a device goes up or down: route lookups skip down devices, so their caches depend on it. */
export let linkGeneration = 0;

export type DeviceKind = 'loopback' | 'ethernet' | 'veth' | 'bridge' | 'tun' | 'vxlan' | 'ipip' | 'dummy';

export interface InterfaceAddress {
  address: number;
  prefixLength: number;
  broadcast: number;
}

export abstract class NetDevice implements BacklogReceiver {
  abstract readonly kind: DeviceKind;
  /** What a capture of this device contains: Ethernet frames or bare IPv4 packets. */
  abstract readonly linkType: 'ethernet' | 'raw';
  /** Assigned by the namespace the device is added to (lo is 1, as in Linux). */
  index = 0;
  private isUp = true;
  ns: NetNamespace | undefined;
  readonly addresses: InterfaceAddress[] = [];
  readonly counters = new DeviceCounters();
  private readonly taps = new Set<FrameTap>();

  constructor(readonly name: string, public mtu: number) {}

  /**
   * Hands a routed IPv4 datagram (already within the MTU, hooks done) to the link. `headroom`: bytes
   * in front of `packet` the caller owns, where link headers may be written in place (pool.ts).
   */
  abstract transmitIp(packet: Uint8Array, nextHop: number, headroom?: number): void;

  /** Processes one received frame or packet; may throw (backlogReceive catches). */
  protected abstract receive(data: Uint8Array): void;

  /** Called by NetNamespace.addDevice / removeDevice; tunnels open their sockets here. */
  onAttach(_ns: NetNamespace): void {}
  onDetach(): void {}

  /** `ip link set DEV up|down`. An accessor, so routing tables learn of the change (linkGeneration). */
  get up(): boolean {
    return this.isUp;
  }

  set up(up: boolean) {
    if (up === this.isUp) return;
    this.isUp = up;
    linkGeneration++;
  }

  setUp(up: boolean): void {
    this.up = up;
  }

  /** Registers a capture tap; returns a function that removes it. Taps must copy frames they keep. */
  addTap(tap: FrameTap): () => void {
    this.taps.add(tap);
    return () => this.taps.delete(tap);
  }

  /** Queues received data for processing (netif_rx); returns immediately when already draining. */
  deliverToStack(data: Uint8Array): void {
    netifRx(this, data);
  }

  backlogReceive(data: Uint8Array): void {
    const ns = this.ns;
    if (ns === undefined) return;
    try {
      this.receive(data);
    } catch (err) {
      ns.internalError(err, this.name);
    }
  }

  primaryAddress(): number {
    return this.addresses[0]?.address ?? 0;
  }

  /** The address on this device in the same subnet as `ip`, else the primary one (inet_select_addr). */
  addressFor(ip: number): number {
    for (const a of this.addresses) if (inPrefix(ip, a.address, a.prefixLength)) return a.address;
    return this.primaryAddress();
  }

  /** True when `ip` is the broadcast address of one of this device's subnets. */
  isSubnetBroadcast(ip: number): boolean {
    const addresses = this.addresses; // asked twice per packet (martian source, next-hop MAC): a plain loop
    for (let i = 0; i < addresses.length; i++) if (addresses[i]!.prefixLength < 31 && addresses[i]!.broadcast === ip) return true;
    return false;
  }

  countRx(data: Uint8Array): void {
    this.counters.rxPackets++;
    this.counters.rxBytes += data.length;
    if (this.taps.size > 0) this.tap('rx', data);
  }

  countTx(data: Uint8Array): void {
    this.counters.txPackets++;
    this.counters.txBytes += data.length;
    if (this.taps.size > 0) this.tap('tx', data);
  }

  dropRx(reason: string, bytes?: number): void {
    this.counters.rxDropped++;
    this.counters.drops.add(reason);
    this.ns?.traceDrop(reason, this.name, bytes);
  }

  dropTx(reason: string, bytes?: number): void {
    this.counters.txDropped++;
    this.counters.drops.add(reason);
    this.ns?.traceDrop(reason, this.name, bytes);
  }

  private tap(direction: 'rx' | 'tx', data: Uint8Array): void {
    const at = this.ns?.clock.now() ?? 0;
    for (const tap of this.taps) {
      try {
        tap(direction, data, this.linkType, at);
      } catch (err) {
        this.ns?.handlerError(err);
      }
    }
  }
}

/**
 * lo: packets to the namespace's own addresses pass OUTPUT and POSTROUTING, then come back in
 * through PREROUTING and INPUT, as on Linux. Captured once, on transmit (as tcpdump -i lo shows it).
 */
export class LoopbackDevice extends NetDevice {
  readonly kind = 'loopback';
  readonly linkType = 'raw';

  constructor() {
    super('lo', 65536);
  }

  transmitIp(packet: Uint8Array): void {
    this.countTx(packet);
    this.deliverToStack(packet);
  }

  protected receive(packet: Uint8Array): void {
    this.counters.rxPackets++;
    this.counters.rxBytes += packet.length;
    this.ns!.receiveIp(this, packet);
  }
}

/**
 * A dummy device (`ip link add kube-ipvs0 type dummy`): a place to put addresses that are local to
 * the namespace without belonging to a real link. kube-proxy's ipvs mode binds every ClusterIP to
 * kube-ipvs0 so packets to them are delivered locally (LOCAL_IN, where IPVS takes them). Packets to
 * its addresses go through lo like any local address; whatever is routed out of it is dropped.
 */
export class DummyDevice extends NetDevice {
  readonly kind = 'dummy';
  readonly linkType = 'raw';

  constructor(name: string, mtu = 1500) {
    super(name, mtu);
  }

  transmitIp(packet: Uint8Array): void {
    this.countTx(packet); // dummy_xmit: counted, then freed
  }

  protected receive(): void {}
}
