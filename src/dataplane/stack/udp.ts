/**
 * UDP sockets of a namespace: bind (explicit or ephemeral port in Linux's 32768-60999), send, receive,
 * ICMP port unreachable when nothing listens, and ICMP errors reported to the socket that sent the
 * quoted datagram (as ECONNREFUSED and friends reach a connected Linux UDP socket).
 */

import { ICMP_UNREACH_PORT, type Ipv4Packet, buildIpv4Udp, decodeUdp, readU16 } from '../../net/index.js';
import { KemuError } from '../../util/errors.js';
import { toIp } from './cidr.js';
import { dropReason } from './counters.js';
import type { NetDevice } from './device.js';
import type { IcmpErrorReport } from './icmp.js';
import type { NetNamespace } from './namespace.js';

export const EPHEMERAL_PORT_MIN = 32768;
export const EPHEMERAL_PORT_MAX = 60999;
const MAX_UDP_PAYLOAD = 65507;

export interface UdpMessageInfo {
  srcIp: number;
  srcPort: number;
  dstIp: number;
  dstPort: number;
  /** Device it arrived on. */
  iface: string;
  ttl: number;
}

export interface UdpSendOptions {
  ttl?: number;
  /** Don't Fragment; default false. */
  df?: boolean;
  dscp?: number;
}

/** An ICMP error about a datagram this socket sent, with the destination it was sent to. */
export interface UdpSocketError extends IcmpErrorReport {
  dstIp: number;
  dstPort: number;
}

export type UdpMessageHandler = (payload: Uint8Array, info: UdpMessageInfo) => void;
export type UdpErrorHandler = (error: UdpSocketError) => void;

export class UdpSocket {
  private readonly messageHandlers: UdpMessageHandler[] = [];
  private readonly errorHandlers: UdpErrorHandler[] = [];
  closed = false;

  constructor(private readonly layer: UdpLayer, readonly address: number, readonly port: number) {}

  /** Sends one datagram; false when the namespace dropped it (an error event may follow). */
  send(dstIp: number | string, dstPort: number, payload: Uint8Array, opts: UdpSendOptions = {}): boolean {
    if (this.closed) throw new KemuError('ERR_SOCKET_CLOSED', 'send: Bad file descriptor');
    if (payload.length > MAX_UDP_PAYLOAD) throw new KemuError('ERR_MESSAGE_TOO_LONG', 'sendto: Message too long');
    const ns = this.layer.ns;
    const dst = toIp(dstIp);
    const src = this.address !== 0 ? this.address : ns.selectSource(dst);
    return ns.sendIp(buildIpv4Udp({
      src, dst, srcPort: this.port, dstPort, payload, ttl: opts.ttl, df: opts.df, dscp: opts.dscp, id: ns.nextIpId(),
    }));
  }

  onMessage(handler: UdpMessageHandler): this {
    this.messageHandlers.push(handler);
    return this;
  }

  onError(handler: UdpErrorHandler): this {
    this.errorHandlers.push(handler);
    return this;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.layer.unbind(this);
  }

  /** @internal */
  deliver(payload: Uint8Array, info: UdpMessageInfo): void {
    for (const h of this.messageHandlers) this.layer.call(() => h(payload, info));
  }

  /** @internal */
  fail(error: UdpSocketError): void {
    for (const h of this.errorHandlers) this.layer.call(() => h(error));
  }
}

export class UdpLayer {
  private readonly sockets = new Map<number, UdpSocket[]>();
  private nextEphemeral = EPHEMERAL_PORT_MIN + Math.floor(Math.random() * (EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1));

  constructor(readonly ns: NetNamespace) {}

  /** bind(2): port 0 picks an ephemeral port; `address` must be one of ours (default: any). */
  bind(port = 0, address: number | string = 0): UdpSocket {
    const addr = toIp(address);
    if (addr !== 0 && !this.ns.isLocalAddress(addr)) {
      throw new KemuError('ERR_ADDRESS_NOT_AVAILABLE', 'bind: Cannot assign requested address');
    }
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new KemuError('ERR_INVALID_PORT', `bind: invalid port ${port}`);
    const chosen = port === 0 ? this.ephemeralPort(addr) : port;
    if (this.conflicts(chosen, addr)) throw new KemuError('ERR_ADDRESS_IN_USE', 'bind: Address already in use');
    const socket = new UdpSocket(this, addr, chosen);
    const list = this.sockets.get(chosen);
    if (list === undefined) this.sockets.set(chosen, [socket]);
    else list.push(socket);
    return socket;
  }

  /** @internal */
  unbind(socket: UdpSocket): void {
    const list = this.sockets.get(socket.port)?.filter((s) => s !== socket) ?? [];
    if (list.length === 0) this.sockets.delete(socket.port);
    else this.sockets.set(socket.port, list);
  }

  receive(packet: Uint8Array, ip: Ipv4Packet, dev: NetDevice, broadcast: boolean): void {
    const ns = this.ns;
    const decoded = decodeUdp(ip.payload, ip);
    if (!decoded.ok) return ns.dropIp(dropReason('udp', decoded.error.code), packet.length);
    const udp = decoded.value;
    const socket = this.lookup(ip.dst, udp.dstPort);
    if (socket === undefined) {
      ns.dropIp('udp-no-port', packet.length);
      if (!broadcast) ns.icmp.sendError(packet, 'dest-unreachable', ICMP_UNREACH_PORT);
      return;
    }
    ns.counters.delivered++;
    socket.deliver(udp.payload, { srcIp: ip.src, srcPort: udp.srcPort, dstIp: ip.dst, dstPort: udp.dstPort, iface: dev.name, ttl: ip.ttl });
  }

  /** @internal An ICMP error quoting one of our datagrams. */
  icmpError(report: IcmpErrorReport): void {
    const q = report.quoted;
    if (q.payload.length < 4) return;
    const socket = this.lookup(q.src, readU16(q.payload, 0));
    socket?.fail({ ...report, dstIp: q.dst, dstPort: readU16(q.payload, 2) });
  }

  /** @internal Runs an application callback; its exceptions are counted, not let into the stack. */
  call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ns.handlerError(err);
    }
  }

  /** A socket bound to exactly (address, port) wins over one bound to the wildcard address. */
  private lookup(address: number, port: number): UdpSocket | undefined {
    const list = this.sockets.get(port);
    if (list === undefined) return undefined;
    let wildcard: UdpSocket | undefined;
    for (const s of list) {
      if (s.address === address) return s;
      if (s.address === 0) wildcard = s;
    }
    return wildcard;
  }

  private conflicts(port: number, address: number): boolean {
    return this.sockets.get(port)?.some((s) => s.address === 0 || address === 0 || s.address === address) ?? false;
  }

  private ephemeralPort(address: number): number {
    const span = EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1;
    for (let i = 0; i < span; i++) {
      const port = this.nextEphemeral;
      this.nextEphemeral = port === EPHEMERAL_PORT_MAX ? EPHEMERAL_PORT_MIN : port + 1;
      if (!this.conflicts(port, address)) return port;
    }
    throw new KemuError('ERR_ADDRESS_IN_USE', 'bind: Address already in use (no free ephemeral port)');
  }
}
