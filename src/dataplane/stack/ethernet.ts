/**
 * Ethernet devices on an L2Port (an underlay eth0, a veth end) and veth pairs, whose two ends are
 * joined by an in-memory port pair. Frames cross synchronously; every device receive goes through
 * the backlog (backlog.ts), so ping-pong between namespaces never deepens the stack.
 */

import { ETHERNET_HEADER_LEN } from '../../net/index.js';
import type { L2Port, Segment } from '../types.js';
import { L2Device } from './l2-device.js';

export interface EthernetDeviceOptions {
  mac?: Uint8Array;
  mtu?: number;
  port?: L2Port;
}

export class EthernetDevice extends L2Device {
  readonly kind: 'ethernet' | 'veth';
  /**
   * net.ipv4.conf.DEV.proxy_arp (with proxy_delay 0): answer ARP requests for addresses that are
   * not ours but that this host routes out of another device (calico's cali* veths answer for the
   * pods' gateway 169.254.1.1 this way). See NeighbourTable.handleArp.
   */
  proxyArp = false;
  private port: L2Port | undefined;

  constructor(name: string, opts: EthernetDeviceOptions = {}, kind: 'ethernet' | 'veth' = 'ethernet') {
    super(name, opts.mtu ?? 1500, opts.mac);
    this.kind = kind;
    if (opts.port !== undefined) this.attach(opts.port);
  }

  /** An underlay NIC: attaches a new device (MAC given or random) to `segment`. */
  static async onSegment(name: string, segment: Segment, opts: Omit<EthernetDeviceOptions, 'port'> = {}): Promise<EthernetDevice> {
    const dev = new EthernetDevice(name, opts);
    dev.attach(await segment.attach(dev.mac, { label: name }));
    return dev;
  }

  /** Plugs the device into a medium (replacing and closing any previous one). */
  attach(port: L2Port): void {
    this.port?.close();
    this.port = port;
    port.onReceive((frame) => this.deliverToStack(frame));
  }

  /** Unplugs the cable: sends are dropped as 'no-carrier'. */
  detach(): void {
    this.port?.close();
    this.port = undefined;
  }

  protected transmitFrame(frame: Uint8Array): void {
    if (this.port === undefined) return this.dropTx('no-carrier', frame.length);
    this.port.send(frame);
  }

  protected override receive(frame: Uint8Array): void {
    // is_skb_forwardable: a frame bigger than this device's MTU (plus the Ethernet header) is dropped.
    if (frame.length > this.mtu + ETHERNET_HEADER_LEN) return this.dropRx('oversize', frame.length);
    super.receive(frame);
  }
}

/** Two connected in-memory ports: what one sends, the other's handler receives, synchronously. */
export function createL2PortPair(): [L2Port, L2Port] {
  const a = new InMemoryPort();
  const b = new InMemoryPort();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class InMemoryPort implements L2Port {
  peer: InMemoryPort | undefined;
  private handler: ((frame: Uint8Array) => void) | undefined;
  private closed = false;

  send(frame: Uint8Array): void {
    const peer = this.peer;
    if (this.closed || peer === undefined || peer.closed) return;
    peer.handler?.(frame);
  }

  onReceive(handler: (frame: Uint8Array) => void): void {
    this.handler = handler;
  }

  close(): void {
    this.closed = true;
  }
}

/** `ip link add NAME_A type veth peer name NAME_B`; add each end to the namespace it belongs in. */
export class VethPair {
  readonly a: EthernetDevice;
  readonly b: EthernetDevice;

  constructor(nameA: string, nameB: string, opts: { macA?: Uint8Array; macB?: Uint8Array; mtu?: number } = {}) {
    const [portA, portB] = createL2PortPair();
    this.a = new EthernetDevice(nameA, { mac: opts.macA, mtu: opts.mtu, port: portA }, 'veth');
    this.b = new EthernetDevice(nameB, { mac: opts.macB, mtu: opts.mtu, port: portB }, 'veth');
  }
}
