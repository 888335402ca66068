/**
 * Devices that speak Ethernet (underlay NICs, veths, bridges, VXLAN): IPv4 output through the
 * neighbour table, ARP, and the receive filter on the destination MAC.
 */

import {
  ARP_PACKET_LEN, BROADCAST_MAC, ETHERNET_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, encodeArpInto, encodeEthernetInto,
  readU16, writeEthernetHeader,
} from '../../net/index.js';
import { LIMITED_BROADCAST, isMulticastIp } from './cidr.js';
import { NetDevice } from './device.js';
import { ipv4MulticastMac, randomMac } from './mac.js';
import { prependSpace, sliceView } from './pool.js';

/** Values below this are IEEE 802.3 length fields, not EtherTypes (as decodeEthernet rejects them). */
const MIN_ETHERTYPE = 0x0600;

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

  transmitIp(packet: Uint8Array, nextHop: number, headroom = 0): void {
    const fixed = this.fixedMacFor(nextHop);
    if (fixed !== undefined) return this.sendIpFrame(packet, fixed, headroom);
    const mac = this.ns!.neighbours.resolve(this, nextHop, packet);
    if (mac !== undefined) this.sendIpFrame(packet, mac, headroom);
  }

  /** Frames `packet`: the header goes into its headroom when there is some, else into a new buffer. */
  sendIpFrame(packet: Uint8Array, dstMac: Uint8Array, headroom = 0): void {
    const frame = prependSpace(packet, ETHERNET_HEADER_LEN, headroom);
    writeEthernetHeader(frame, 0, dstMac, this.mac, ETHERTYPE_IPV4);
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
    // decodeEthernet's checks, read in place: this runs for every frame a namespace receives.
    if (frame.length < ETHERNET_HEADER_LEN) return this.dropRx('frame-truncated', frame.length);
    const etherType = readU16(frame, 12);
    if (etherType < MIN_ETHERTYPE) return this.dropRx('frame-malformed', frame.length);
    if ((frame[0]! & 1) === 0 && !isOwnMac(frame, this.mac)) return this.dropRx('other-host', frame.length);
    // The packet is owned with its frame: the Ethernet header in front of it is headroom too.
    const payload = sliceView(frame, ETHERNET_HEADER_LEN, frame.length);
    if (etherType === ETHERTYPE_IPV4) return this.ns!.receiveIp(this, payload, ETHERNET_HEADER_LEN);
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

function isOwnMac(frame: Uint8Array, mac: Uint8Array): boolean {
  return frame[0] === mac[0] && frame[1] === mac[1] && frame[2] === mac[2] && frame[3] === mac[3] && frame[4] === mac[4] && frame[5] === mac[5];
}
