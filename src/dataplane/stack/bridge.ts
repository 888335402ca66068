/**
 * A Linux bridge (cni0, docker0): enslaved devices are its ports; it learns source MACs (aged out
 * after 300 s), forwards known unicast to one port, floods broadcast, multicast and unknown unicast,
 * and is itself a device with an address the host routes through. With bridge-nf-call-iptables on
 * (kube-proxy requires it) bridged IPv4 passes PREROUTING, FORWARD and POSTROUTING, and a frame whose
 * destination PREROUTING rewrote (DNAT) is routed instead of bridged, as br_netfilter does.
 */

import { ETHERNET_HEADER_LEN, ETHERTYPE_IPV4, checkIpv4, formatMac, readU16 } from '../../net/index.js';
import { KemuError } from '../../util/errors.js';
import { ACCEPT_ALL } from '../types.js';
import { makeView, runHook } from './hooks.js';
import { receiveIp } from './ip-input.js';
import { L2Device } from './l2-device.js';
import { macKey } from './mac.js';

interface FdbEntry {
  port: L2Device;
  mac: Uint8Array;
  updatedAt: number;
}

export interface BridgeFdbInfo {
  mac: string;
  port: string;
  ageMs: number;
}

const MAX_FDB_ENTRIES = 8192;

export class Bridge extends L2Device {
  readonly kind = 'bridge';
  ageingTimeMs = 300_000;
  /** net.bridge.bridge-nf-call-iptables. */
  nfCallIptables = true;
  private readonly ports = new Set<L2Device>();
  private readonly fdb = new Map<number, FdbEntry>();
  private readonly ownKey: number;

  constructor(name: string, opts: { mac?: Uint8Array; mtu?: number } = {}) {
    super(name, opts.mtu ?? 1500, opts.mac);
    this.ownKey = macKey(this.mac);
  }

  /** `ip link set PORT master BRIDGE`: both must live in the same namespace. */
  addPort(port: L2Device): void {
    if (this.ns === undefined || port.ns !== this.ns || port === this) {
      throw new KemuError('ERR_INVALID_PORT', `Error: ${port.name} cannot be enslaved to ${this.name}.`);
    }
    if (port.master !== undefined) throw new KemuError('ERR_DEVICE_BUSY', `Error: ${port.name} already has a master.`);
    port.master = this;
    this.ports.add(port);
  }

  removePort(port: L2Device): void {
    if (!this.ports.delete(port)) return;
    port.master = undefined;
    for (const [key, e] of this.fdb) if (e.port === port) this.fdb.delete(key);
  }

  /** Deleting the bridge releases its ports (they keep their namespace, as on Linux). */
  override onDetach(): void {
    for (const port of [...this.ports]) this.removePort(port);
    super.onDetach();
  }

  portNames(): string[] {
    return [...this.ports].map((p) => p.name);
  }

  /** `bridge fdb show` (learnt entries that have not aged out). */
  fdbEntries(): BridgeFdbInfo[] {
    const now = this.ns?.clock.now() ?? 0;
    return [...this.fdb.values()]
      .filter((e) => now - e.updatedAt <= this.ageingTimeMs)
      .map((e) => ({ mac: formatMac(e.mac), port: e.port.name, ageMs: now - e.updatedAt }));
  }

  /** A frame received on one of our ports. */
  portInput(port: L2Device, frame: Uint8Array): void {
    const ns = this.ns!;
    if (!this.up) return port.dropRx('bridge-down', frame.length);
    if (frame.length < ETHERNET_HEADER_LEN) return port.dropRx('frame-truncated', frame.length);
    const now = ns.now();
    if ((frame[6]! & 1) === 0) this.learn(frame, port, now);
    if ((frame[0]! & 1) === 1) { // broadcast or multicast: every other port, and us
      this.flood(frame, port);
      return this.receiveLocal(frame);
    }
    const dstKey = macKey(frame, 0);
    if (dstKey === this.ownKey) return this.receiveLocal(frame);
    const out = this.lookup(dstKey, now);
    if (out === port) return port.dropRx('bridge-same-port', frame.length); // no hairpin mode
    if (!this.netfilterAllows(frame)) return;
    ns.counters.bridged++;
    if (ns.trace !== undefined) ns.traceStep('forward', `bridge ${formatMac(frame, 6)} > ${formatMac(frame, 0)} out ${out?.name ?? 'flood'}`, port.name, frame.length);
    if (out !== undefined) out.sendFrame(frame);
    else this.flood(frame, port);
  }

  /** The host sending through the bridge device (e.g. to a pod behind cni0). */
  protected transmitFrame(frame: Uint8Array): void {
    const out = (frame[0]! & 1) === 1 ? undefined : this.lookup(macKey(frame, 0), this.ns!.now());
    if (out !== undefined) out.sendFrame(frame);
    else this.flood(frame, undefined);
  }

  private receiveLocal(frame: Uint8Array): void {
    this.countRx(frame);
    this.processFrame(frame);
  }

  /**
   * Each port gets its own copy: receivers rewrite packets in place (TTL, NAT, headers pushed in
   * front). `new Uint8Array(frame)` copies even a Node Buffer, whose slice() would share memory.
   */
  private flood(frame: Uint8Array, except: L2Device | undefined): void {
    for (const p of this.ports) if (p !== except && p.up) p.sendFrame(new Uint8Array(frame));
  }

  private learn(frame: Uint8Array, port: L2Device, now: number): void {
    const key = macKey(frame, 6);
    const e = this.fdb.get(key);
    if (e !== undefined) {
      e.port = port;
      e.updatedAt = now;
      return;
    }
    if (this.fdb.size >= MAX_FDB_ENTRIES) {
      for (const [k, old] of this.fdb) if (now - old.updatedAt > this.ageingTimeMs) this.fdb.delete(k);
      if (this.fdb.size >= MAX_FDB_ENTRIES) return;
    }
    this.fdb.set(key, { port, mac: new Uint8Array(frame.subarray(6, 12)), updatedAt: now }); // a copy: the frame gets rewritten
  }

  private lookup(key: number, now: number): L2Device | undefined {
    const e = this.fdb.get(key);
    if (e === undefined) return undefined;
    if (now - e.updatedAt > this.ageingTimeMs) {
      this.fdb.delete(key);
      return undefined;
    }
    return e.port;
  }

  /**
   * br_netfilter for a bridged IPv4 frame. False when the frame must not be bridged: dropped by a
   * hook (counted there), invalid, or DNAT-ed and handed to the IP layer to be routed.
   */
  private netfilterAllows(frame: Uint8Array): boolean {
    const ns = this.ns!;
    if (!this.nfCallIptables || (ns.hooks === ACCEPT_ALL && ns.trace === undefined)) return true;
    if (readU16(frame, 12) !== ETHERTYPE_IPV4) return true;
    const totalLength = checkIpv4(frame.subarray(ETHERNET_HEADER_LEN));
    if (totalLength < 0) {
      ns.dropIp('bridge-nf-invalid', frame.length);
      return false;
    }
    const packet = frame.subarray(ETHERNET_HEADER_LEN, ETHERNET_HEADER_LEN + totalLength);
    const view = makeView(packet, this.name, '', ETHERNET_HEADER_LEN);
    const dst = view.dst;
    if (!runHook(ns, 'PREROUTING', view)) return false;
    if (view.dst !== dst) {
      this.countRx(frame);
      receiveIp(ns, this, packet, view);
      return false;
    }
    view.outIface = this.name;
    return runHook(ns, 'FORWARD', view) && runHook(ns, 'POSTROUTING', view);
  }
}
