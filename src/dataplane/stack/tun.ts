/**
 * A TUN device (flannel0 of flannel's udp backend): an L3 device whose "wire" is a userspace
 * program. Packets routed to it go to the `onPacket` handler as raw IPv4; `inject` is the program
 * writing a packet back, which the namespace then receives as if it arrived on the device.
 */

import { NetDevice } from './device.js';

export type TunHandler = (packet: Uint8Array) => void;

export class TunDevice extends NetDevice {
  readonly kind = 'tun';
  readonly linkType = 'raw';
  private handler: TunHandler | undefined;

  constructor(name: string, opts: { mtu?: number } = {}) {
    super(name, opts.mtu ?? 1500);
  }

  /** The reader of the device (one, as one process holds /dev/net/tun open). */
  onPacket(handler: TunHandler | undefined): void {
    this.handler = handler;
  }

  transmitIp(packet: Uint8Array): void {
    if (!this.up) return this.dropTx('device-down', packet.length);
    const handler = this.handler;
    if (handler === undefined) return this.dropTx('no-reader', packet.length);
    this.countTx(packet);
    try {
      handler(packet);
    } catch (err) {
      this.ns?.handlerError(err);
    }
  }

  /** Userspace writes a packet to the device: it enters the stack as received on this device. */
  inject(packet: Uint8Array): void {
    this.deliverToStack(packet);
  }

  protected receive(packet: Uint8Array): void {
    this.countRx(packet);
    if (!this.up) return this.dropRx('device-down', packet.length);
    this.ns!.receiveIp(this, packet);
  }
}
