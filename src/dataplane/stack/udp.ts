/**
 * UDP sockets of a namespace: bind (explicit or ephemeral port in Linux's 32768-60999), send, receive,
 * ICMP port unreachable when nothing listens, and ICMP errors reported to the socket that sent the
 * quoted datagram (as ECONNREFUSED and friends reach a connected Linux UDP socket).
 */

import {
  DEFAULT_TTL, ICMP_UNREACH_PORT, IPPROTO_UDP, IPV4_FLAG_DF, IPV4_MIN_HEADER_LEN, type Ipv4Packet, UDP_HEADER_LEN, checkUdp, checkUint,
  readU16, readU32, udpCheckCode, writeIpv4Header, writeUdpHeader,
} from '../../net/index.js';
import { KemuError } from '../../util/errors.js';
import { toIp } from './cidr.js';
import { dropReason } from './counters.js';
import type { NetDevice } from './device.js';
import type { IcmpErrorReport } from './icmp.js';
import type { NetNamespace } from './namespace.js';
import { allocPacket, sliceView } from './pool.js';

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
/**
 * @internal A tunnel's receive hook (Linux's encap_rcv on a UDP tunnel socket): the datagram's UDP
 * payload is packet[start, end); no payload view or info object is built for it.
 */
export type UdpEncapHandler = (packet: Uint8Array, start: number, end: number, srcIp: number, srcPort: number) => void;
export type UdpErrorHandler = (error: UdpSocketError) => void;

export class UdpSocket {
  private readonly messageHandlers: UdpMessageHandler[] = [];
  /** @internal Set by tunnel devices (VXLAN) instead of message handlers. */
  encap: UdpEncapHandler | undefined;
  private readonly errorHandlers: UdpErrorHandler[] = [];
  closed = false;

  constructor(private readonly layer: UdpLayer, readonly address: number, readonly port: number) {}

  /** Sends one datagram; false when the namespace dropped it (an error event may follow). */
  send(dstIp: number | string, dstPort: number, payload: Uint8Array, opts?: UdpSendOptions): boolean {
    if (this.closed) throw new KemuError('ERR_SOCKET_CLOSED', 'send: Bad file descriptor');
    if (payload.length > MAX_UDP_PAYLOAD) throw new KemuError('ERR_MESSAGE_TOO_LONG', 'sendto: Message too long');
    // The caller's values are checked here (the same CodecErrors the encoders throw); the datagram
    // is then written by the unchecked writers straight into a pool packet with headroom, so the
    // layers below frame and encapsulate it without copying it again.
    checkUint(dstPort, 16, 'dstPort');
    const ttl = opts?.ttl ?? DEFAULT_TTL;
    const dscp = opts?.dscp ?? 0;
    if (opts !== undefined) {
      checkUint(ttl, 8, 'ttl');
      checkUint(dscp, 6, 'dscp');
    }
    const ns = this.layer.ns;
    const dst = toIp(dstIp);
    const route = ns.outputRoute(dst);
    const src = this.address !== 0 ? this.address : ns.sourceFor(dst, route);
    const udpLength = UDP_HEADER_LEN + payload.length;
    const packet = allocPacket(IPV4_MIN_HEADER_LEN + udpLength);
    packet.set(payload, IPV4_MIN_HEADER_LEN + UDP_HEADER_LEN);
    writeUdpHeader(packet, IPV4_MIN_HEADER_LEN, this.port, dstPort, udpLength, src, dst, true);
    writeIpv4Header(packet, 0, packet.length, ns.nextIpId(), opts?.df === true ? IPV4_FLAG_DF : 0, ttl, IPPROTO_UDP, src, dst, dscp << 2);
    return ns.sendOwnIp(packet, route);
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
    const handlers = this.messageHandlers;
    // No closure per datagram: each handler's exceptions are counted, not let into the stack.
    for (let i = 0; i < handlers.length; i++) {
      try {
        handlers[i]!(payload, info);
      } catch (err) {
        this.layer.ns.handlerError(err);
      }
    }
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
    this.input(packet, ip.headerLength + ip.payload.length, dev, broadcast);
  }

  /**
   * @internal udp_rcv for a validated IPv4 datagram of `totalLength` bytes: reads the fields in place,
   * verifies a non-zero checksum (checkUdp) and delivers a view of the payload.
   */
  input(packet: Uint8Array, totalLength: number, dev: NetDevice, broadcast: boolean): void {
    const ns = this.ns;
    const l4 = (packet[0]! & 0x0f) * 4;
    const src = readU32(packet, 12);
    const dst = readU32(packet, 16);
    const length = checkUdp(packet, l4, totalLength, src, dst, true);
    if (length < 0) return ns.dropIp(dropReason('udp', udpCheckCode(length)), packet.length);
    const dstPort = readU16(packet, l4 + 2);
    const socket = this.lookup(dst, dstPort);
    if (socket === undefined) {
      ns.dropIp('udp-no-port', packet.length);
      if (!broadcast) ns.icmp.sendError(packet, 'dest-unreachable', ICMP_UNREACH_PORT);
      return;
    }
    ns.counters.delivered++;
    if (socket.encap !== undefined) return socket.encap(packet, l4 + UDP_HEADER_LEN, l4 + length, src, readU16(packet, l4));
    const payload = sliceView(packet, l4 + UDP_HEADER_LEN, l4 + length);
    socket.deliver(payload, { srcIp: src, srcPort: readU16(packet, l4), dstIp: dst, dstPort, iface: dev.name, ttl: packet[8]! });
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
