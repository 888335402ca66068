/**
 * A network namespace: a node's host stack or a pod's. It owns devices, addresses, the main and
 * local routing tables, the neighbour table, reassembly, ICMP, UDP sockets and a protocol registry;
 * the packet paths themselves live in ip-input.ts and ip-output.ts.
 */

import {
  ICMP_TIME_EXCEEDED_REASSEMBLY, ICMP_UNREACH_HOST, type Ipv4Packet, Reassembler, formatIpv4,
} from '../../net/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { KemuError } from '../../util/errors.js';
import { ACCEPT_ALL, type NetfilterHooks, type TraceSink } from '../types.js';
import { LIMITED_BROADCAST, broadcastOf, networkOf, parseCidr } from './cidr.js';
import { stackNow } from './backlog.js';
import { NamespaceCounters } from './counters.js';
import { LoopbackDevice, type NetDevice } from './device.js';
import { type IcmpErrorReport, IcmpLayer } from './icmp.js';
import { receiveIp } from './ip-input.js';
import { outputLocal, sendLocal } from './ip-output.js';
import { L2Device } from './l2-device.js';
import { type NeighbourHost, type NeighbourOptions, NeighbourTable } from './neighbours.js';
import { type DeviceDirectory, type Route, RoutingTable } from './routes.js';
import { type FlowSelector, RoutingRules } from './rules.js';
import { UdpLayer } from './udp.js';

export interface NetNamespaceOptions {
  name: string;
  clock: Clock;
  /** net.ipv4.ip_forward: true on hosts, false (the default) in pods. */
  ipForward?: boolean;
  hooks?: NetfilterHooks;
  trace?: TraceSink;
  neighbour?: NeighbourOptions;
}

/** A transport (TCP later) registered for an IP protocol number. */
export interface ProtocolHandler {
  receive(packet: Uint8Array, ip: Ipv4Packet, dev: NetDevice): void;
  /** An ICMP error quoting a datagram of this protocol that we sent. */
  icmpError?(report: IcmpErrorReport): void;
}

export class NetNamespace implements NeighbourHost, DeviceDirectory {
  readonly name: string;
  readonly clock: Clock;
  ipForward: boolean;
  hooks: NetfilterHooks;
  trace: TraceSink | undefined;
  readonly counters = new NamespaceCounters();
  /** `ip route` (table main). */
  readonly routes: RoutingTable;
  /** `ip route show table local`: our addresses and broadcast addresses, derived from addresses. */
  readonly localRoutes: RoutingTable;
  /** `ip rule`: policy routing before the main table (empty unless someone pins flows). */
  readonly rules = new RoutingRules();
  readonly neighbours: NeighbourTable;
  readonly reassembler: Reassembler;
  readonly icmp: IcmpLayer;
  readonly udp: UdpLayer;
  readonly lo = new LoopbackDevice();
  /** The last exception caught in the stack or in an application callback, for debugging. */
  lastError: unknown;
  private readonly devicesByName = new Map<string, NetDevice>();
  /** Address (as `| 0`: a small integer, not a heap number, for keys above 127.x) → how many devices carry it. */
  private readonly localAddresses = new Map<number, number>();
  private readonly protocols = new Map<number, ProtocolHandler>();
  private nextIndex = 1;
  private ipId = Math.floor(Math.random() * 0x10000);
  private reassemblyTimer: TimerHandle | undefined;

  constructor(opts: NetNamespaceOptions) {
    this.name = opts.name;
    this.clock = opts.clock;
    this.ipForward = opts.ipForward ?? false;
    this.hooks = opts.hooks ?? ACCEPT_ALL;
    this.trace = opts.trace;
    this.routes = new RoutingTable('main', this);
    this.localRoutes = new RoutingTable('local', this);
    this.neighbours = new NeighbourTable(this, opts.neighbour);
    this.reassembler = new Reassembler({
      now: () => this.clock.now(),
      onExpire: (expired) => {
        this.counters.reassemblyTimeouts++;
        if (expired.firstFragment !== null) this.icmp.sendError(expired.firstFragment, 'time-exceeded', ICMP_TIME_EXCEEDED_REASSEMBLY);
      },
    });
    this.icmp = new IcmpLayer(this);
    this.udp = new UdpLayer(this);
    this.addDevice(this.lo);
    this.addAddress(this.lo, '127.0.0.1/8');
  }

  // ---- devices and addresses ----------------------------------------------------------------

  addDevice<D extends NetDevice>(dev: D): D {
    if (this.devicesByName.has(dev.name)) throw new KemuError('ERR_DEVICE_EXISTS', 'RTNETLINK answers: File exists');
    if (dev.ns !== undefined) throw new KemuError('ERR_DEVICE_BUSY', `device ${dev.name} already belongs to namespace ${dev.ns.name}`);
    dev.ns = this;
    this.devicesByName.set(dev.name, dev);
    try {
      dev.onAttach(this); // tunnels bind their sockets here and may refuse (port or VNI taken)
    } catch (err) {
      this.devicesByName.delete(dev.name);
      dev.ns = undefined;
      throw err;
    }
    dev.index = this.nextIndex++;
    return dev;
  }

  /** Deletes the device with its addresses, routes and neighbours (`ip link del`). */
  removeDevice(name: string): void {
    const dev = this.devicesByName.get(name);
    if (dev === undefined || dev === this.lo) throw new KemuError('ERR_NO_SUCH_DEVICE', `Cannot find device "${name}"`);
    for (const a of [...dev.addresses]) this.removeAddress(dev, `${formatIpv4(a.address)}/${a.prefixLength}`);
    this.routes.removeWhere((r) => r.dev === dev);
    if (dev instanceof L2Device) this.neighbours.flushDevice(dev);
    dev.onDetach();
    this.devicesByName.delete(name);
    dev.ns = undefined;
  }

  device(name: string): NetDevice | undefined {
    return this.devicesByName.get(name);
  }

  devices(): NetDevice[] {
    return [...this.devicesByName.values()];
  }

  /**
   * `ip addr add CIDR dev DEV`: also adds what the kernel derives (fib_add_ifaddr): a local route for
   * the address and a broadcast route (table local), and the connected subnet route (proto kernel,
   * scope link, table main; into table local for lo).
   */
  addAddress(device: string | NetDevice, cidr: string): void {
    const dev = this.requireDevice(device);
    const { address, prefixLength } = parseCidr(cidr);
    if (dev.addresses.some((a) => a.address === address)) throw new KemuError('ERR_ADDRESS_EXISTS', 'RTNETLINK answers: File exists');
    const broadcast = prefixLength < 31 ? broadcastOf(address, prefixLength) : 0;
    dev.addresses.push({ address, prefixLength, broadcast });
    this.localAddresses.set(address | 0, (this.localAddresses.get(address | 0) ?? 0) + 1);
    const base = { via: undefined, dev, onlink: false, metric: 0, src: address, proto: 'kernel' } as const;
    this.localRoutes.insert({ ...base, dst: address, prefixLength: 32, type: 'local', scope: 'host' }, true);
    if (prefixLength < 32) {
      const subnet = { ...base, dst: networkOf(address, prefixLength), prefixLength };
      const table = dev === this.lo ? this.localRoutes : this.routes;
      const exists = table.list().some((r) => r.dst === subnet.dst && r.prefixLength === prefixLength && r.dev === dev && r.proto === 'kernel');
      if (!exists) table.insert({ ...subnet, type: dev === this.lo ? 'local' : 'unicast', scope: dev === this.lo ? 'host' : 'link' }, true);
    }
    if (prefixLength < 31) this.localRoutes.insert({ ...base, dst: broadcast, prefixLength: 32, type: 'broadcast', scope: 'link' }, true);
  }

  removeAddress(device: string | NetDevice, cidr: string): void {
    const dev = this.requireDevice(device);
    const { address, prefixLength } = parseCidr(cidr);
    const i = dev.addresses.findIndex((a) => a.address === address && a.prefixLength === prefixLength);
    if (i < 0) throw new KemuError('ERR_ADDRESS_NOT_FOUND', 'RTNETLINK answers: Cannot assign requested address');
    dev.addresses.splice(i, 1);
    const left = (this.localAddresses.get(address | 0) ?? 1) - 1;
    if (left === 0) this.localAddresses.delete(address | 0);
    else this.localAddresses.set(address | 0, left);
    const derived = (r: Route): boolean => r.dev === dev && r.proto === 'kernel' && r.src === address;
    this.localRoutes.removeWhere(derived);
    this.routes.removeWhere(derived);
  }

  isLocalAddress(ip: number): boolean {
    return this.localAddresses.has(ip | 0);
  }

  /** Whether a packet to `dst` is for this namespace: one of our addresses, or a broadcast we hear. */
  localDestination(dst: number): 'local' | 'broadcast' | undefined {
    if (this.localAddresses.has(dst | 0)) return 'local';
    if (dst === LIMITED_BROADCAST) return 'broadcast';
    const r = this.localRoutes.lookup(dst);
    return r === undefined ? undefined : r.type === 'broadcast' ? 'broadcast' : r.type === 'local' ? 'local' : undefined;
  }

  /** The route a locally generated packet to `dst` takes (local addresses go through lo). */
  outputRoute(dst: number): Route | undefined {
    const local = this.localRoutes.lookup(dst);
    if (local !== undefined) return local;
    return this.routes.lookup(dst);
  }

  /**
   * The route of a packet once policy rules are considered: `route` is its destination-only lookup
   * (outputRoute or the main table). Local and broadcast destinations are never diverted.
   */
  flowRoute(flow: FlowSelector, route: Route | undefined): Route | undefined {
    if (this.rules.size === 0 || route?.type === 'local' || route?.type === 'broadcast') return route;
    return this.rules.lookup(flow) ?? route;
  }

  /** Source address Linux would pick for a packet to `dst` (route src, else the out device's); 0 if unroutable. */
  selectSource(dst: number): number {
    return this.sourceFor(dst, this.outputRoute(dst));
  }

  /** @internal selectSource when the caller already has outputRoute(dst). */
  sourceFor(dst: number, route: Route | undefined): number {
    if (route === undefined) return 0;
    if (route.type === 'local') return dst;
    if (route.src !== undefined) return route.src;
    const dev = route.dev;
    const fromDev = dev === undefined ? 0 : dev.addressFor(route.via ?? dst);
    if (fromDev !== 0) return fromDev;
    for (const d of this.devicesByName.values()) if (d !== this.lo && d.addresses.length > 0) return d.addresses[0]!.address;
    return 0;
  }

  // ---- packets ------------------------------------------------------------------------------

  /** Sends a datagram generated here (its source set); false when this namespace dropped it. */
  sendIp(packet: Uint8Array): boolean {
    return sendLocal(this, packet);
  }

  /**
   * @internal sendIp for a datagram the stack itself built (sockets, tunnels): its header is valid and
   * its length exact, so it is not validated again. `route`: outputRoute(dst), when already known.
   */
  sendOwnIp(packet: Uint8Array, route?: Route): boolean {
    return outputLocal(this, packet, route);
  }

  /** Entry from devices: an IPv4 packet received on `dev`; `headroom` as in NetDevice.transmitIp. */
  receiveIp(dev: NetDevice, packet: Uint8Array, headroom?: number): void {
    receiveIp(this, dev, packet, undefined, headroom);
  }

  registerProtocol(protocol: number, handler: ProtocolHandler | ProtocolHandler['receive']): () => void {
    if (this.protocols.has(protocol)) throw new KemuError('ERR_PROTOCOL_REGISTERED', `IP protocol ${protocol} already has a handler`);
    const h = typeof handler === 'function' ? { receive: handler } : handler;
    this.protocols.set(protocol, h);
    return () => {
      if (this.protocols.get(protocol) === h) this.protocols.delete(protocol);
    };
  }

  protocolHandler(protocol: number): ProtocolHandler | undefined {
    return this.protocols.get(protocol);
  }

  nextIpId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }

  /** Reassembly expiry needs no timer per datagram: one sweep timer while fragments wait. */
  scheduleReassemblyExpiry(): void {
    if (this.reassemblyTimer !== undefined) return;
    this.reassemblyTimer = this.clock.setTimeout(() => {
      this.reassemblyTimer = undefined;
      this.reassembler.expire();
      if (this.reassembler.inFlight > 0) this.scheduleReassemblyExpiry();
    }, 1000);
  }

  /** The clock for the stack's bookkeeping: read once per backlog drain on a real clock (backlog.ts stackNow). */
  now(): number {
    return stackNow(this.clock);
  }

  // ---- accounting and tracing ---------------------------------------------------------------

  dropIp(reason: string, bytes?: number): void {
    this.counters.drops.add(reason);
    this.traceDrop(reason, undefined, bytes);
  }

  traceStep(kind: string, detail: string, iface?: string, bytes?: number): void {
    const sink = this.trace;
    if (sink === undefined) return;
    try {
      sink({ at: this.clock.now(), namespace: this.name, kind, iface, detail, bytes });
    } catch (err) {
      this.handlerError(err);
    }
  }

  traceDrop(reason: string, iface?: string, bytes?: number): void {
    if (this.trace !== undefined) this.traceStep('drop', reason, iface, bytes);
  }

  /** A bug caught in the receive path: counted and kept, never rethrown into a device. */
  internalError(err: unknown, iface?: string): void {
    this.counters.internalErrors++;
    this.lastError = err;
    this.traceStep('error', `internal error: ${err instanceof Error ? err.message : String(err)}`, iface);
  }

  /** An application callback threw (socket handler, tap, trace sink). */
  handlerError(err: unknown): void {
    this.counters.handlerErrors++;
    this.lastError = err;
  }

  countArpIn(): void {
    this.counters.arpIn++;
  }

  neighbourFailed(packet: Uint8Array): void {
    this.icmp.sendError(packet, 'dest-unreachable', ICMP_UNREACH_HOST);
  }

  private requireDevice(device: string | NetDevice): NetDevice {
    const dev = typeof device === 'string' ? this.devicesByName.get(device) : device;
    if (dev === undefined || dev.ns !== this) throw new KemuError('ERR_NO_SUCH_DEVICE', `Cannot find device "${String(typeof device === 'string' ? device : device.name)}"`);
    return dev;
  }
}
