/**
 * A VXLAN device (flannel.1, vxlan.calico): an Ethernet device whose wire is UDP. The stack builds the
 * inner frame as for any Ethernet device (with flannel the neighbour entry is PERMANENT, so no ARP);
 * transmit looks the destination MAC up in the device's static FDB (`bridge fdb append MAC dev
 * flannel.1 dst VTEP`; learning off), wraps the frame in VXLAN + UDP (source port hashed from the
 * inner flow, UDP checksum 0, as Linux) + IPv4 from the local address to the VTEP, and sends that
 * through the namespace's output path, so routing, netfilter, fragmentation and MTU drops apply to
 * the outer packet exactly as on a node. Receive: a UDP socket on the device's port, shared by the
 * namespace's VXLAN devices and demultiplexed by VNI, decapsulates into the device (through the
 * socket's encap hook, as Linux's encap_rcv: no payload view or message info per datagram).
 * Transmit writes the outer headers into the inner frame's headroom (pool.ts) instead of copying it.
 */

import {
  DEFAULT_TTL, ETHERNET_HEADER_LEN, IPPROTO_UDP, IPV4_MAX_PACKET_LEN, IPV4_MIN_HEADER_LEN, UDP_HEADER_LEN, VXLAN_HEADER_LEN, VXLAN_OVERHEAD,
  VXLAN_PORT, checkUint, formatIpv4, formatMac, parseMac, vxlanSourcePort, writeIpv4Header, writeUdpHeader, writeVxlanHeader,
} from '../../net/index.js';
import { KemuError } from '../../util/errors.js';
import { toIp } from './cidr.js';
import { L2Device } from './l2-device.js';
import { macKey } from './mac.js';
import { headroomOf, prependSpace, sliceView } from './pool.js';
import type { NetNamespace } from './namespace.js';
import { sendEncapsulated } from './tunnel.js';
import type { UdpSocket } from './udp.js';

export interface VxlanOptions {
  vni: number;
  /** UDP destination port; flannel uses 8472 (FLANNEL_VXLAN_PORT), the IANA default is 4789. */
  port?: number;
  /** Outer source address (flannel: the node's public IP). */
  local: number | string;
  mac?: Uint8Array;
  /** 1450 by default: 1500 minus the 50 bytes of VXLAN overhead. */
  mtu?: number;
}

export interface VxlanFdbInfo {
  mac: string;
  dst: string;
}

interface Listener {
  socket: UdpSocket;
  byVni: Map<number, VxlanDevice>;
}

const listeners = new WeakMap<NetNamespace, Map<number, Listener>>();
const DEFAULT_DST_KEY = 0; // 00:00:00:00:00:00, the "all unknown destinations" FDB entry
const UDP_OFF = IPV4_MIN_HEADER_LEN;
/** Outer IPv4 + UDP + VXLAN headers written in front of the inner frame. */
const ENCAP_LEN = IPV4_MIN_HEADER_LEN + UDP_HEADER_LEN + VXLAN_HEADER_LEN;
const VXLAN_FLAG_I = 0x08;

export class VxlanDevice extends L2Device {
  readonly kind = 'vxlan';
  readonly vni: number;
  readonly dstPort: number;
  readonly local: number;
  private readonly fdb = new Map<number, { mac: Uint8Array; dst: number }>();

  constructor(name: string, opts: VxlanOptions) {
    super(name, opts.mtu ?? 1450, opts.mac);
    // Checked once here, so transmit writes headers without per-packet guards (as `ip link add` refuses them).
    checkUint(opts.vni, 24, 'vni');
    checkUint(opts.port ?? VXLAN_PORT, 16, 'port');
    this.vni = opts.vni;
    this.dstPort = opts.port ?? VXLAN_PORT;
    this.local = toIp(opts.local);
  }

  /** `bridge fdb replace MAC dev DEV dst REMOTE`. */
  fdbAdd(mac: Uint8Array | string, dst: number | string): void {
    const bytes = typeof mac === 'string' ? parseMac(mac) : { ok: true as const, value: mac };
    if (!bytes.ok) throw new KemuError('ERR_INVALID_ADDRESS', `Error: "${String(mac)}" is not a valid MAC address.`);
    this.fdb.set(macKey(bytes.value), { mac: new Uint8Array(bytes.value), dst: toIp(dst) });
  }

  fdbDelete(mac: Uint8Array | string): boolean {
    const bytes = typeof mac === 'string' ? parseMac(mac) : { ok: true as const, value: mac };
    return bytes.ok && this.fdb.delete(macKey(bytes.value));
  }

  /** The VTEP address the FDB holds for `mac` (0 when it has none), without listing the FDB. */
  fdbGet(mac: Uint8Array): number {
    return this.fdb.get(macKey(mac))?.dst ?? 0;
  }

  fdbEntries(): VxlanFdbInfo[] {
    return [...this.fdb.values()].map((e) => ({ mac: formatMac(e.mac), dst: formatIpv4(e.dst) }));
  }

  override onAttach(ns: NetNamespace): void {
    let byPort = listeners.get(ns);
    if (byPort === undefined) listeners.set(ns, (byPort = new Map()));
    let listener = byPort.get(this.dstPort);
    if (listener === undefined) {
      const byVni = new Map<number, VxlanDevice>();
      const socket = ns.udp.bind(this.dstPort);
      socket.encap = (packet, start, end, srcIp, srcPort) => receiveVxlan(ns, byVni, packet, start, end, srcIp, srcPort);
      byPort.set(this.dstPort, (listener = { socket, byVni }));
    }
    if (listener.byVni.has(this.vni)) throw new KemuError('ERR_DEVICE_EXISTS', `RTNETLINK answers: File exists (vni ${this.vni})`);
    listener.byVni.set(this.vni, this);
  }

  override onDetach(): void {
    super.onDetach();
    const byPort = this.ns === undefined ? undefined : listeners.get(this.ns);
    const listener = byPort?.get(this.dstPort);
    if (listener === undefined || listener.byVni.get(this.vni) !== this) return;
    listener.byVni.delete(this.vni);
    if (listener.byVni.size === 0) {
      listener.socket.close();
      byPort!.delete(this.dstPort);
    }
  }

  protected transmitFrame(frame: Uint8Array): void {
    const ns = this.ns!;
    const entry = this.fdb.get(macKey(frame, 0)) ?? this.fdb.get(DEFAULT_DST_KEY);
    if (entry === undefined) return this.dropTx('vxlan-no-fdb-entry', frame.length);
    if (frame.length + VXLAN_OVERHEAD - ETHERNET_HEADER_LEN > IPV4_MAX_PACKET_LEN) return this.dropTx('tunnel-too-big', frame.length);
    // Outer IPv4 + UDP + VXLAN go into the frame's headroom (pool.ts) when it has some: the inner
    // frame is not copied. Fields are valid by construction (VNI and port checked when created).
    const outer = prependSpace(frame, ENCAP_LEN, headroomOf(frame));
    writeVxlanHeader(outer, UDP_OFF + UDP_HEADER_LEN, this.vni);
    // UDP checksum 0, as Linux VXLAN sends by default (the inner packet carries its own checksums).
    writeUdpHeader(outer, UDP_OFF, vxlanSourcePort(frame), this.dstPort, outer.length - UDP_OFF, 0, 0, false);
    writeIpv4Header(outer, 0, outer.length, ns.nextIpId(), 0, DEFAULT_TTL, IPPROTO_UDP, this.local, entry.dst);
    if (ns.trace !== undefined) {
      ns.traceStep('encap', `vxlan vni ${this.vni} ${formatIpv4(this.local)} > ${formatIpv4(entry.dst)}:${this.dstPort}`, this.name, outer.length);
    }
    if (!sendEncapsulated(ns, outer)) this.dropTx('tunnel-loop', frame.length);
  }

  /** @internal A decapsulated inner frame for this device. */
  receiveInner(frame: Uint8Array): void {
    this.deliverToStack(frame);
  }
}

/** vxlan_rcv for the UDP payload packet[start, end): decodeVxlan's checks in place, no result object per frame. */
function receiveVxlan(
  ns: NetNamespace, byVni: Map<number, VxlanDevice>, packet: Uint8Array, start: number, end: number, srcIp: number, srcPort: number,
): void {
  if (end - start < VXLAN_HEADER_LEN || (packet[start]! & VXLAN_FLAG_I) === 0) return ns.dropIp('vxlan-malformed', end - start);
  const vni = (packet[start + 4]! << 16) | (packet[start + 5]! << 8) | packet[start + 6]!;
  const dev = byVni.get(vni);
  if (dev === undefined) return ns.dropIp('vxlan-unknown-vni', end - start);
  const inner = sliceView(packet, start + VXLAN_HEADER_LEN, end);
  if (ns.trace !== undefined) ns.traceStep('decap', `vxlan vni ${vni} from ${formatIpv4(srcIp)}:${srcPort}`, dev.name, inner.length);
  dev.receiveInner(inner);
}
