/**
 * A VXLAN device (flannel.1, vxlan.calico): an Ethernet device whose wire is UDP. The stack builds the
 * inner frame as for any Ethernet device (with flannel the neighbour entry is PERMANENT, so no ARP);
 * transmit looks the destination MAC up in the device's static FDB (`bridge fdb append MAC dev
 * flannel.1 dst VTEP`; learning off), wraps the frame in VXLAN + UDP (source port hashed from the
 * inner flow, UDP checksum 0, as Linux) + IPv4 from the local address to the VTEP, and sends that
 * through the namespace's output path, so routing, netfilter, fragmentation and MTU drops apply to
 * the outer packet exactly as on a node. Receive: a UDP socket on the device's port, shared by the
 * namespace's VXLAN devices and demultiplexed by VNI, decapsulates into the device.
 */

import {
  ETHERNET_HEADER_LEN, IPV4_MAX_PACKET_LEN, VXLAN_OVERHEAD, VXLAN_PORT, buildVxlanPacket, decodeVxlan, formatIpv4, formatMac, parseMac,
} from '../../net/index.js';
import { KemuError } from '../../util/errors.js';
import { toIp } from './cidr.js';
import { L2Device } from './l2-device.js';
import { macKey } from './mac.js';
import type { NetNamespace } from './namespace.js';
import { sendEncapsulated } from './tunnel.js';
import type { UdpMessageInfo, UdpSocket } from './udp.js';

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

export class VxlanDevice extends L2Device {
  readonly kind = 'vxlan';
  readonly vni: number;
  readonly dstPort: number;
  readonly local: number;
  private readonly fdb = new Map<number, { mac: Uint8Array; dst: number }>();

  constructor(name: string, opts: VxlanOptions) {
    super(name, opts.mtu ?? 1450, opts.mac);
    this.vni = opts.vni;
    this.dstPort = opts.port ?? VXLAN_PORT;
    this.local = toIp(opts.local);
  }

  /** `bridge fdb replace MAC dev DEV dst REMOTE`. */
  fdbAdd(mac: Uint8Array | string, dst: number | string): void {
    const bytes = typeof mac === 'string' ? parseMac(mac) : { ok: true as const, value: mac };
    if (!bytes.ok) throw new KemuError('ERR_INVALID_ADDRESS', `Error: "${String(mac)}" is not a valid MAC address.`);
    this.fdb.set(macKey(bytes.value), { mac: bytes.value.slice(), dst: toIp(dst) });
  }

  fdbDelete(mac: Uint8Array | string): boolean {
    const bytes = typeof mac === 'string' ? parseMac(mac) : { ok: true as const, value: mac };
    return bytes.ok && this.fdb.delete(macKey(bytes.value));
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
      const socket = ns.udp.bind(this.dstPort).onMessage((payload, info) => receiveVxlan(ns, byVni, payload, info));
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
    const outer = buildVxlanPacket({ src: this.local, dst: entry.dst, vni: this.vni, innerFrame: frame, dstPort: this.dstPort, id: ns.nextIpId() });
    if (ns.trace !== undefined) {
      ns.traceStep('encap', `vxlan vni ${this.vni} ${formatIpv4(this.local)} > ${formatIpv4(entry.dst)}:${this.dstPort}`, this.name, outer.length);
    }
    if (!sendEncapsulated(() => ns.sendIp(outer))) this.dropTx('tunnel-loop', frame.length);
  }

  /** @internal A decapsulated inner frame for this device. */
  receiveInner(frame: Uint8Array): void {
    this.deliverToStack(frame);
  }
}

function receiveVxlan(ns: NetNamespace, byVni: Map<number, VxlanDevice>, payload: Uint8Array, info: UdpMessageInfo): void {
  const decoded = decodeVxlan(payload);
  if (!decoded.ok) return ns.dropIp('vxlan-malformed', payload.length);
  const dev = byVni.get(decoded.value.vni);
  if (dev === undefined) return ns.dropIp('vxlan-unknown-vni', payload.length);
  if (ns.trace !== undefined) {
    ns.traceStep('decap', `vxlan vni ${decoded.value.vni} from ${formatIpv4(info.srcIp)}:${info.srcPort}`, dev.name, decoded.value.payload.length);
  }
  dev.receiveInner(decoded.value.payload);
}
