/**
 * Devices that speak Ethernet (underlay NICs, veths, bridges, VXLAN): IPv4 output through the
 * neighbour table, ARP, and the receive filter on the destination MAC.
 */

import {
  ARP_PACKET_LEN, BROADCAST_MAC, ETHERNET_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, decodeEthernet, encodeArpInto,
  encodeEthernetInto, isMulticastMac, macEquals,
} from '../../net/index.js';
import { LIMITED_BROADCAST, isMulticastIp } from './cidr.js';
import { NetDevice } from './device.js';
import { ipv4MulticastMac, randomMac } from './mac.js';
import { allocFrame } from './pool.js';

/** Where an enslaved device hands its frames (a bridge). */
export interface L2Master {
  portInput(port: L2Device, frame: Uint8Array): void;
  removePort(port: L2Device): void;
}

export abstract class L2Device extends NetDevice {
  readonly linkType = 'ethernet';
  readonly mac: Uint8Array;
  /** Set while the device is a bridge port: frames go to the bridge, not to this device's IP stack. */
  master: L2Master | undefined;

  constructor(name: string, mtu: number, mac?: Uint8Array) {
    super(name, mtu);
    this.mac = mac ?? randomMac();
  }

  override onDetach(): void {
    this.master?.removePort(this);
  }

  /** Puts a finished frame on the medium (counters and taps are done by sendFrame). */
  protected abstract transmitFrame(frame: Uint8Array): void;

  sendFrame(frame: Uint8Array): void {
    if (!this.up) return this.dropTx('device-down', frame.length);
    this.countTx(frame);
    this.transmitFrame(frame);
  }

  transmitIp(packet: Uint8Array, nextHop: number): void {
    const fixed = this.fixedMacFor(nextHop);
    if (fixed !== undefined) return this.sendIpFrame(packet, fixed);
    const mac = this.ns!.neighbours.resolve(this, nextHop, packet);
    if (mac !== undefined) this.sendIpFrame(packet, mac);
  }

  sendIpFrame(packet: Uint8Array, dstMac: Uint8Array): void {
    const frame = allocFrame(ETHERNET_HEADER_LEN + packet.length);
    encodeEthernetInto(frame, 0, { dst: dstMac, src: this.mac, etherType: ETHERTYPE_IPV4 }, packet);
    this.sendFrame(frame);
  }

  sendArp(op: number, dstMac: Uint8Array, senderIp: number, targetMac: Uint8Array, targetIp: number): void {
    const frame = new Uint8Array(ETHERNET_HEADER_LEN + ARP_PACKET_LEN);
    encodeArpInto(frame, ETHERNET_HEADER_LEN, { op, senderMac: this.mac, senderIp, targetMac, targetIp });
    encodeEthernetInto(frame, 0, { dst: dstMac, src: this.mac, etherType: ETHERTYPE_ARP }, frame.subarray(ETHERNET_HEADER_LEN));
    this.sendFrame(frame);
  }

  protected receive(frame: Uint8Array): void {
    this.countRx(frame);
    if (!this.up) return this.dropRx('device-down', frame.length);
    if (this.master !== undefined) return this.master.portInput(this, frame);
    this.processFrame(frame);
  }

  /** Layer-3 input of a frame this device accepted (its own, or a bridge's local delivery). */
  processFrame(frame: Uint8Array): void {
    const eth = decodeEthernet(frame);
    if (!eth.ok) return this.dropRx(eth.error.code === 'ERR_TRUNCATED' ? 'frame-truncated' : 'frame-malformed', frame.length);
    const { dst, etherType, payload } = eth.value;
    if (!isMulticastMac(dst) && !macEquals(dst, this.mac)) return this.dropRx('other-host', frame.length);
    if (etherType === ETHERTYPE_IPV4) return this.ns!.receiveIp(this, payload);
    if (etherType === ETHERTYPE_ARP) return this.ns!.neighbours.handleArp(this, payload);
    this.dropRx('unknown-ethertype', frame.length);
  }

  /** Broadcast and multicast next hops need no ARP. */
  private fixedMacFor(nextHop: number): Uint8Array | undefined {
    if (nextHop === LIMITED_BROADCAST || this.isSubnetBroadcast(nextHop)) return BROADCAST_MAC;
    if (isMulticastIp(nextHop)) return ipv4MulticastMac(nextHop);
    return undefined;
  }
}
