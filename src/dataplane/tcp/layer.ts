/**
 * TCP for one network namespace (IP protocol 6): the connection table (demultiplexed by the
 * 4-tuple), listeners, RST for segments nobody owns (RFC 9293 3.10.7.1), connect() with ephemeral
 * ports in Linux's range and the MSS from the route's MTU, and ICMP errors routed to the connection
 * whose segment they quote. Malformed segments are dropped and counted, never thrown.
 */
import {
  ICMP_TYPE_DEST_UNREACHABLE, ICMP_UNREACH_FRAG_NEEDED, IPPROTO_TCP, type Ipv4Packet, TCP_ACK, TCP_RST, TCP_SYN, formatIpv4, readU16,
  readU32,
} from '../../net/index.js';
import { KemuError } from '../../util/errors.js';
import { isMulticastIp, toIp } from '../stack/cidr.js';
import type { NetDevice } from '../stack/device.js';
import type { IcmpErrorReport } from '../stack/icmp.js';
import type { NetNamespace } from '../stack/namespace.js';
import type { Route } from '../stack/routes.js';
import { DEFAULT_BACKLOG, EPHEMERAL_PORT_MAX, EPHEMERAL_PORT_MIN, TCP_IP_HEADERS } from './constants.js';
import { TcpEndpoint } from './endpoint.js';
import { segmentLength } from './segment.js';
import { seqAdd, seqGt, seqLt } from './seq.js';
import { TcpServer } from './server.js';
import { TcpSocket } from './socket.js';
import { type TcpCounters, type TcpStats, newTcpCounters } from './stats.js';
import { type ParsedSegment, buildPacket, parseSegment } from './wire.js';

/** Tunables for every connection of a layer (Linux sysctls; tests shorten the timers). */
export interface TcpLayerOptions {
  receiveBuffer?: number;
  sendBuffer?: number;
  timeWaitMs?: number;
  synRetries?: number;
  minRtoMs?: number;
  maxRtoMs?: number;
  /** Initial sequence numbers (default: random, as RFC 6528 wants them unpredictable). */
  iss?: () => number;
}

export interface ConnectOptions {
  host: string | number;
  port: number;
  localAddress?: string | number;
  localPort?: number;
  /** Fails with ETIMEDOUT when the handshake has not completed by then. */
  timeoutMs?: number;
  noDelay?: boolean;
}

export interface ListenOptions {
  address?: string | number;
  backlog?: number;
}

const layers = new WeakMap<NetNamespace, TcpLayer>();

export class TcpLayer {
  readonly counters: TcpCounters = newTcpCounters();
  readonly options: TcpLayerOptions = {};
  /** Connections by localPort·65536 + remotePort; same ports, other addresses chain through nextInBucket. */
  private readonly table = new Map<number, TcpEndpoint>();
  private readonly listeners = new Map<number, TcpServer[]>();
  private nextEphemeral = EPHEMERAL_PORT_MIN + Math.floor(Math.random() * (EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1));
  private readonly unregister: () => void;
  private open = true;

  private constructor(readonly ns: NetNamespace) {
    this.unregister = ns.registerProtocol(IPPROTO_TCP, this);
  }

  /** The namespace's TCP, created and registered for protocol 6 on first use. */
  static of(ns: NetNamespace): TcpLayer {
    let layer = layers.get(ns);
    if (layer === undefined) {
      layer = new TcpLayer(ns);
      layers.set(ns, layer);
    }
    return layer;
  }

  // ---- the application side ------------------------------------------------------------------

  /** listen(2). Port 0 picks an ephemeral port. Throws ERR_ADDRESS_IN_USE / ERR_ADDRESS_NOT_AVAILABLE like UDP's bind. */
  listen(port: number, opts: ListenOptions = {}): TcpServer {
    this.checkOpen();
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new KemuError('ERR_INVALID_PORT', `listen: invalid port ${port}`);
    const address = toIp(opts.address ?? 0);
    if (address !== 0 && !this.ns.isLocalAddress(address)) throw new KemuError('ERR_ADDRESS_NOT_AVAILABLE', 'bind: Cannot assign requested address');
    let chosen = port;
    if (chosen === 0) {
      chosen = this.ephemeralPort((p) => this.listenerConflict(p, address) || this.portBusy(p));
    } else if (this.listenerConflict(chosen, address)) {
      throw new KemuError('ERR_ADDRESS_IN_USE', 'bind: Address already in use');
    }
    const server = new TcpServer(this, address, chosen, opts.backlog ?? DEFAULT_BACKLOG);
    const list = this.listeners.get(chosen);
    if (list === undefined) this.listeners.set(chosen, [server]);
    else list.push(server);
    return server;
  }

  /** connect(2): the socket emits 'connect', or 'error' with ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH... */
  connect(opts: ConnectOptions): TcpSocket {
    this.checkOpen();
    if (!Number.isInteger(opts.port) || opts.port <= 0 || opts.port > 0xffff) {
      throw new KemuError('ERR_SOCKET_BAD_PORT', `Port should be > 0 and < 65536. Received ${String(opts.port)}.`);
    }
    const ns = this.ns;
    const dst = toIp(opts.host);
    const route = ns.outputRoute(dst);
    const socket = new TcpSocket(this);
    if (route === undefined) {
      socket.failBeforeConnect('ENETUNREACH', formatIpv4(dst), opts.port);
      return socket;
    }
    const src = opts.localAddress === undefined ? ns.sourceFor(dst, route) : toIp(opts.localAddress);
    if (src === 0 || !ns.isLocalAddress(src)) {
      socket.failBeforeConnect('EADDRNOTAVAIL', formatIpv4(dst), opts.port);
      return socket;
    }
    let localPort = opts.localPort ?? 0;
    if (localPort === 0) {
      localPort = this.ephemeralPort((p) => this.listeners.has(p) || this.lookup(src, p, dst, opts.port) !== undefined);
    } else if (this.lookup(src, localPort, dst, opts.port) !== undefined) {
      socket.failBeforeConnect('EADDRINUSE', formatIpv4(dst), opts.port);
      return socket;
    }
    const ep = this.createEndpoint(src, localPort, dst, opts.port, this.mssFor(route));
    ep.conn.noDelay = opts.noDelay ?? false;
    socket.attach(ep, opts.timeoutMs);
    ep.run((c, now) => c.connect(now));
    return socket;
  }

  /**
   * The local port a connect() from `localAddress` to `host:port` may use: the next free ephemeral
   * port. For callers that must know a flow's source port before its SYN leaves (a policy rule that
   * pins the flow); they pass it back as `localPort`.
   */
  freeLocalPort(localAddress: string | number, host: string | number, port: number): number {
    const src = toIp(localAddress);
    const dst = toIp(host);
    return this.ephemeralPort((p) => this.listeners.has(p) || this.lookup(src, p, dst, port) !== undefined);
  }

  /** Counters and what is open now. */
  stats(): TcpStats {
    const { drops, ...counters } = this.counters;
    const connections: Record<string, number> = {};
    for (const ep of this.endpoints()) connections[ep.conn.state] = (connections[ep.conn.state] ?? 0) + 1;
    let listeners = 0;
    for (const list of this.listeners.values()) listeners += list.length;
    return { ...counters, drops: Object.fromEntries(drops.byReason), connections, listeners };
  }

  /** Aborts every connection (RST), closes every listener and unregisters protocol 6. */
  close(): void {
    if (!this.open) return;
    for (const list of [...this.listeners.values()]) for (const s of [...list]) s.close();
    for (const ep of this.endpoints()) {
      if (ep.socket !== undefined) ep.socket.destroy();
      ep.run((c, now) => c.abort(now));
    }
    this.open = false;
    this.unregister();
    layers.delete(this.ns);
  }

  // ---- the network side (ProtocolHandler) ----------------------------------------------------

  receive(packet: Uint8Array, ip: Ipv4Packet, _dev: NetDevice): void {
    const counters = this.counters;
    counters.segmentsIn++;
    if (isMulticastIp(ip.dst) || this.ns.localDestination(ip.dst) !== 'local') return counters.drops.add('not-unicast');
    const seg = parseSegment(packet, ip.headerLength + ip.payload.length);
    if (typeof seg === 'string') return counters.drops.add(seg);
    let ep = this.lookup(ip.dst, seg.dstPort, ip.src, seg.srcPort);
    if (ep !== undefined && ep.conn.state === 'TIME-WAIT' && (seg.flags & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_SYN && seqGt(seg.seq, ep.conn.rcvNxt)) {
      // RFC 1122 4.2.2.13: a new SYN may reopen a connection in TIME-WAIT when its sequence is higher.
      ep.run((c) => c.enterClosed(undefined));
      ep = undefined;
    }
    if (ep !== undefined) return this.deliver(ep, seg);
    const server = this.listenerFor(ip.dst, seg.dstPort);
    if (server !== undefined) return this.toListener(server, ip, seg);
    counters.drops.add('no-socket');
    if (!(seg.flags & TCP_RST)) this.replyReset(ip.dst, ip.src, seg);
  }

  icmpError(report: IcmpErrorReport): void {
    const q = report.quoted;
    if (q.payload.length < 8) return;
    const ep = this.lookup(q.src, readU16(q.payload, 0), q.dst, readU16(q.payload, 2));
    if (ep === undefined) return;
    const seq = readU32(q.payload, 4);
    const c = ep.conn;
    if (seqLt(seq, c.sndUna) || seqGt(seq, c.sndMax)) return; // not a segment in flight (Linux tcp_v4_err)
    this.counters.icmpErrors++;
    if (report.type === ICMP_TYPE_DEST_UNREACHABLE && report.code === ICMP_UNREACH_FRAG_NEEDED) {
      if (report.nextHopMtu > 0) ep.run((conn, now) => conn.pathMtu(report.nextHopMtu, now));
      return;
    }
    ep.run((conn, now) => conn.icmpError(report.errno, now));
  }

  // ---- for endpoints, servers and sockets ----------------------------------------------------

  /** @internal */
  remove(ep: TcpEndpoint): void {
    const key = ep.srcPort * 65536 + ep.dstPort;
    let cur = this.table.get(key);
    if (cur === ep) {
      if (ep.nextInBucket === undefined) this.table.delete(key);
      else this.table.set(key, ep.nextInBucket);
      ep.nextInBucket = undefined;
      return;
    }
    while (cur !== undefined && cur.nextInBucket !== ep) cur = cur.nextInBucket;
    if (cur !== undefined) {
      cur.nextInBucket = ep.nextInBucket;
      ep.nextInBucket = undefined;
    }
  }

  /** @internal */
  removeListener(server: TcpServer): void {
    const list = this.listeners.get(server.port)?.filter((s) => s !== server) ?? [];
    if (list.length === 0) this.listeners.delete(server.port);
    else this.listeners.set(server.port, list);
  }

  /** Every connection in the table. */
  endpoints(): TcpEndpoint[] {
    const out: TcpEndpoint[] = [];
    for (const first of this.table.values()) {
      for (let e: TcpEndpoint | undefined = first; e !== undefined; e = e.nextInBucket) out.push(e);
    }
    return out;
  }

  // ---- internals -----------------------------------------------------------------------------

  private deliver(ep: TcpEndpoint, seg: ParsedSegment): void {
    try {
      ep.input(seg);
    } catch (err) {
      this.ns.internalError(err);
    }
  }

  private toListener(server: TcpServer, ip: Ipv4Packet, seg: ParsedSegment): void {
    const flags = seg.flags;
    if (flags & TCP_RST) return this.counters.drops.add('listen-rst');
    if (flags & TCP_ACK) { // RFC 9293 3.10.7.2: any ACK to a listener is answered with <SEQ=SEG.ACK><CTL=RST>
      this.counters.drops.add('listen-ack');
      return this.replyReset(ip.dst, ip.src, seg);
    }
    if (!(flags & TCP_SYN)) return this.counters.drops.add('listen-no-syn');
    if (!server.admitHalfOpen()) return this.counters.drops.add('listen-overflow'); // the client's SYN retry will come back
    const route = this.ns.outputRoute(ip.src);
    const ep = this.createEndpoint(ip.dst, seg.dstPort, ip.src, seg.srcPort, route === undefined ? 536 : this.mssFor(route));
    ep.server = server;
    ep.run((c, now) => c.acceptSyn(seg, now));
  }

  private createEndpoint(src: number, srcPort: number, dst: number, dstPort: number, mss: number): TcpEndpoint {
    const o = this.options;
    const ep = new TcpEndpoint(this, src, srcPort, dst, dstPort, {
      mss, iss: o.iss?.() ?? Math.floor(Math.random() * 0x100000000), counters: this.counters, receiveBuffer: o.receiveBuffer,
      sendBuffer: o.sendBuffer, timeWaitMs: o.timeWaitMs, synRetries: o.synRetries, minRtoMs: o.minRtoMs, maxRtoMs: o.maxRtoMs,
    });
    const key = srcPort * 65536 + dstPort;
    ep.nextInBucket = this.table.get(key);
    this.table.set(key, ep);
    return ep;
  }

  /** RFC 9293 3.10.7.1: the reset for a segment to a closed port (or an ACK to a listener). */
  private replyReset(localIp: number, remoteIp: number, seg: ParsedSegment): void {
    const ack = seg.flags & TCP_ACK;
    const out = ack
      ? { seq: seg.ack, ack: 0, flags: TCP_RST, window: 0, offset: 0, length: 0 }
      : { seq: 0, ack: seqAdd(seg.seq, segmentLength(seg.flags, seg.payload.length)), flags: TCP_RST | TCP_ACK, window: 0, offset: 0, length: 0 };
    const packet = buildPacket({ src: localIp, dst: remoteIp, srcPort: seg.dstPort, dstPort: seg.srcPort }, out, this.ns.nextIpId());
    this.counters.resetsOut++;
    this.counters.segmentsOut++;
    this.ns.sendOwnIp(packet);
  }

  private lookup(localIp: number, localPort: number, remoteIp: number, remotePort: number): TcpEndpoint | undefined {
    let ep = this.table.get(localPort * 65536 + remotePort);
    while (ep !== undefined && (ep.src !== localIp || ep.dst !== remoteIp)) ep = ep.nextInBucket;
    return ep;
  }

  /** A listener bound to exactly (address, port) wins over one bound to the wildcard address. */
  private listenerFor(address: number, port: number): TcpServer | undefined {
    const list = this.listeners.get(port);
    if (list === undefined) return undefined;
    let wildcard: TcpServer | undefined;
    for (const s of list) {
      if (s.bindAddress === address) return s;
      if (s.bindAddress === 0) wildcard = s;
    }
    return wildcard;
  }

  private listenerConflict(port: number, address: number): boolean {
    return this.listeners.get(port)?.some((s) => s.bindAddress === 0 || address === 0 || s.bindAddress === address) ?? false;
  }

  /** A listener on port 0 avoids ports that connections use locally too. */
  private portBusy(port: number): boolean {
    return this.endpoints().some((e) => e.srcPort === port);
  }

  private ephemeralPort(taken: (port: number) => boolean): number {
    const span = EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1;
    for (let i = 0; i < span; i++) {
      const port = this.nextEphemeral;
      this.nextEphemeral = port === EPHEMERAL_PORT_MAX ? EPHEMERAL_PORT_MIN : port + 1;
      if (!taken(port)) return port;
    }
    throw new KemuError('ERR_ADDRESS_IN_USE', 'connect: Cannot assign requested address (no free ephemeral port)');
  }

  private mssFor(route: Route): number {
    const dev = route.type === 'local' ? this.ns.lo : route.dev;
    const mtu = dev?.mtu ?? 576;
    return Math.max(88, Math.min(mtu, 65535) - TCP_IP_HEADERS);
  }

  private checkOpen(): void {
    if (!this.open) throw new KemuError('ERR_TCP_CLOSED', 'the TCP layer of this namespace was closed');
  }
}

