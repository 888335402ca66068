/**
 * The IPVS table of one host, as the kernel keeps it (net/netfilter/ipvs): virtual services keyed by
 * protocol, address and port, each with a scheduler, optional persistence (ClientIP affinity) and
 * real servers (masquerade forwarding, weights, connection counts); and the connection table that
 * maps a client's connection to the real server it was scheduled to, in both directions, with IPVS's
 * own timeouts. Pure: every call that needs the time takes `now` (ms). The packet path around it
 * is ./datapath.ts; the `ipvsadm` views are ./dump.ts.
 */
import { formatIpv4, parseIpv4 } from '../../net/index.js';
import { KemuError } from '../../util/errors.js';
import { type ConnState, DEFAULT_IPVS_TIMEOUTS, type IpvsTimeouts, initialState, isSynOnly, nextTcpState, reusable, stateTimeout } from './conn-state.js';
import { type SchedDest, type Scheduler, type SchedulerName, createScheduler } from './schedulers.js';

export type IpvsProtocol = 'TCP' | 'UDP';

export interface VirtualServerSpec {
  protocol: IpvsProtocol;
  address: string;
  port: number;
  scheduler: SchedulerName;
  /** Persistence timeout in seconds (`-p`); 0 or absent: not persistent. */
  timeout?: number;
}

export interface RealServerSpec {
  address: string;
  port: number;
  weight: number;
}

export class RealServer implements SchedDest {
  activeConns = 0;
  inactConns = 0;
  /** Persistence templates pointing here. */
  persistConns = 0;
  /** Removed from its service: its connections die on their next packet (expire_nodest_conn). */
  removed = false;

  constructor(readonly address: number, readonly port: number, public weight: number) {}

  get key(): string {
    return `${this.address}:${this.port}`;
  }
}

export class VirtualServer {
  readonly dests: RealServer[] = [];
  scheduler: Scheduler;
  /** Persistence timeout, seconds; 0 when not persistent. */
  timeout: number;

  constructor(readonly protocol: IpvsProtocol, readonly address: number, readonly port: number, scheduler: SchedulerName, timeout: number) {
    this.scheduler = createScheduler(scheduler);
    this.timeout = timeout;
  }

  get key(): string {
    return virtualKey(this.protocol, this.address, this.port);
  }

  get persistent(): boolean {
    return this.timeout > 0;
  }

  dest(address: number, port: number): RealServer | undefined {
    return this.dests.find((d) => d.address === address && d.port === port);
  }
}

export interface IpvsConn {
  readonly protocol: IpvsProtocol;
  readonly caddr: number;
  readonly cport: number;
  readonly vaddr: number;
  readonly vport: number;
  readonly daddr: number;
  readonly dport: number;
  readonly dest: RealServer;
  state: ConnState;
  expires: number;
  /** Persistence template (client → real server, port 0): what ClientIP affinity remembers. */
  readonly template: boolean;
  /** The template this connection was scheduled under. */
  readonly control: IpvsConn | undefined;
  /** Connections a template controls; it outlives its timeout while any is alive. */
  controlled: number;
}

/** What the datapath does with a packet to a virtual service. */
export type InboundResult =
  | { action: 'forward'; conn: IpvsConn; fresh: boolean }
  /** No virtual service, or a TCP segment that cannot start a connection: left to the host. */
  | { action: 'pass' }
  /** Service without a usable real server: ICMP port unreachable (ip_vs_leave). */
  | { action: 'unreachable' }
  /** The connection's real server is gone (expire_nodest_conn): dropped, the connection expired. */
  | { action: 'drop' };

export interface PacketTuple {
  protocol: IpvsProtocol;
  src: number;
  sport: number;
  dst: number;
  dport: number;
  /** TCP flags (0 for UDP). */
  flags: number;
}

export const virtualKey = (protocol: IpvsProtocol, address: number, port: number): string => `${protocol} ${address}:${port}`;
const connKey = (p: IpvsProtocol, a: number, ap: number, b: number, bp: number): string => `${p} ${a}:${ap} ${b}:${bp}`;

function addr(text: string): number {
  const r = parseIpv4(text);
  if (!r.ok) throw new KemuError('ERR_IPVS_ADDRESS', `bad IPv4 address "${text}"`);
  return r.value;
}

export class IpvsTable {
  timeouts: IpvsTimeouts = { ...DEFAULT_IPVS_TIMEOUTS };
  /** Connections created, packets forwarded in, packets un-NATed out (ipvsadm --stats, summed). */
  readonly stats = { conns: 0, inPackets: 0, outPackets: 0, noDestination: 0 };
  private readonly services = new Map<string, VirtualServer>();
  /** Connections by client side (client → virtual) and by real server side (real → client). */
  private readonly byClient = new Map<string, IpvsConn>();
  private readonly byReal = new Map<string, IpvsConn>();
  private readonly templates = new Map<string, IpvsConn>();

  // ---- virtual services and real servers (ipvsadm -A -E -D -a -e -d) -----------------------

  addService(spec: VirtualServerSpec): VirtualServer {
    const key = virtualKey(spec.protocol, addr(spec.address), spec.port);
    if (this.services.has(key)) throw new KemuError('ERR_IPVS_EXISTS', `virtual service ${spec.protocol} ${spec.address}:${spec.port} exists`);
    const svc = new VirtualServer(spec.protocol, addr(spec.address), spec.port, spec.scheduler, spec.timeout ?? 0);
    svc.scheduler.updated(svc.dests);
    this.services.set(key, svc);
    return svc;
  }

  /** `ipvsadm -E`: scheduler and persistence; connections keep their real servers. */
  editService(spec: VirtualServerSpec): void {
    const svc = this.requireService(spec.protocol, spec.address, spec.port);
    if (svc.scheduler.name !== spec.scheduler) {
      svc.scheduler = createScheduler(spec.scheduler);
      svc.scheduler.updated(svc.dests);
    }
    svc.timeout = spec.timeout ?? 0;
  }

  deleteService(protocol: IpvsProtocol, address: string, port: number): void {
    const svc = this.requireService(protocol, address, port);
    for (const d of svc.dests) d.removed = true;
    this.services.delete(svc.key);
  }

  getService(protocol: IpvsProtocol, address: string | number, port: number): VirtualServer | undefined {
    return this.services.get(virtualKey(protocol, typeof address === 'number' ? address : addr(address), port));
  }

  listServices(): VirtualServer[] {
    return [...this.services.values()];
  }

  addDest(svc: VirtualServer, spec: RealServerSpec): RealServer {
    if (svc.dest(addr(spec.address), spec.port)) throw new KemuError('ERR_IPVS_EXISTS', `real server ${spec.address}:${spec.port} exists`);
    const d = new RealServer(addr(spec.address), spec.port, spec.weight);
    svc.dests.push(d);
    svc.scheduler.updated(svc.dests);
    return d;
  }

  editDest(svc: VirtualServer, spec: RealServerSpec): void {
    const d = svc.dest(addr(spec.address), spec.port);
    if (d === undefined) throw new KemuError('ERR_IPVS_NOT_FOUND', `no real server ${spec.address}:${spec.port}`);
    d.weight = spec.weight;
    svc.scheduler.updated(svc.dests);
  }

  deleteDest(svc: VirtualServer, address: string, port: number): void {
    const d = svc.dest(addr(address), port);
    if (d === undefined) throw new KemuError('ERR_IPVS_NOT_FOUND', `no real server ${address}:${port}`);
    d.removed = true;
    svc.dests.splice(svc.dests.indexOf(d), 1);
    svc.scheduler.updated(svc.dests);
  }

  // ---- the connection table ---------------------------------------------------------------

  /**
   * ip_vs_in for a packet client → virtual service: an existing connection, or a new one scheduled
   * to a real server (through the client's persistence template when the service is persistent).
   */
  inbound(p: PacketTuple, now: number): InboundResult {
    let conn = this.live(this.byClient, connKey(p.protocol, p.src, p.sport, p.dst, p.dport), now);
    if (conn !== undefined && p.protocol === 'TCP' && isSynOnly(p.flags) && (reusable(conn.state) || conn.dest.removed || conn.dest.weight === 0)) {
      this.expire(conn); // conn_reuse_mode: a new SYN on a finished connection is a new connection
      conn = undefined;
    }
    if (conn !== undefined) {
      if (conn.dest.removed) {
        this.expire(conn);
        return { action: 'drop' };
      }
      this.advance(conn, 'input', p.flags, now);
      this.stats.inPackets++;
      return { action: 'forward', conn, fresh: false };
    }
    const svc = this.services.get(virtualKey(p.protocol, p.dst, p.dport));
    if (svc === undefined) return { action: 'pass' };
    // ip_vs_try_to_schedule: only a SYN starts a TCP connection (sloppy_tcp off).
    if (p.protocol === 'TCP' && !isSynOnly(p.flags)) return { action: 'pass' };
    const created = this.schedule(svc, p, now);
    if (created === undefined) {
      this.stats.noDestination++;
      return { action: 'unreachable' };
    }
    this.stats.inPackets++;
    return { action: 'forward', conn: created, fresh: true };
  }

  /** ip_vs_out for a packet real server → client: its connection, state advanced, or undefined. */
  outbound(p: PacketTuple, now: number): IpvsConn | undefined {
    const conn = this.live(this.byReal, connKey(p.protocol, p.src, p.sport, p.dst, p.dport), now);
    if (conn === undefined) return undefined;
    this.advance(conn, 'output', p.flags, now);
    this.stats.outPackets++;
    return conn;
  }

  connections(now: number): IpvsConn[] {
    this.gc(now);
    return [...this.templates.values(), ...this.byClient.values()];
  }

  get connectionCount(): number {
    return this.byClient.size + this.templates.size;
  }

  /** Expires every connection whose time is up (the kernel's per-connection timers). */
  gc(now: number): number {
    let n = 0;
    for (const c of [...this.byClient.values()]) {
      if (c.expires <= now) {
        this.expire(c);
        n++;
      }
    }
    for (const t of [...this.templates.values()]) {
      if (t.expires <= now && t.controlled === 0) {
        this.expire(t);
        n++;
      }
    }
    return n;
  }

  /** The earliest expiry among connections, for the datapath's timer; Infinity when empty. */
  nextExpiry(): number {
    let t = Infinity;
    for (const c of this.byClient.values()) if (c.expires < t) t = c.expires;
    for (const c of this.templates.values()) if (c.expires < t) t = c.expires;
    return t;
  }

  private schedule(svc: VirtualServer, p: PacketTuple, now: number): IpvsConn | undefined {
    let template: IpvsConn | undefined;
    let dest: RealServer | undefined;
    if (svc.persistent) {
      // ip_vs_sched_persist: the client's template names its real server while it lives and that
      // server still takes connections (expire_quiescent_template: weight 0 ends it).
      const key = connKey(svc.protocol, p.src, 0, svc.address, svc.port);
      template = this.live(this.templates, key, now);
      if (template !== undefined && (template.dest.removed || template.dest.weight === 0)) {
        this.expire(template);
        template = undefined;
      }
      dest = template?.dest;
    }
    dest ??= svc.scheduler.pick(svc.dests, { src: p.src, dst: p.dst }) as RealServer | undefined;
    if (dest === undefined) return undefined;
    if (svc.persistent && template === undefined) {
      template = this.newConn(svc, dest, { ...p, sport: 0 }, 'NONE', now + svc.timeout * 1000, true, undefined);
      this.templates.set(connKey(svc.protocol, p.src, 0, svc.address, svc.port), template);
      dest.persistConns++;
    } else if (template !== undefined) {
      template.expires = Math.max(template.expires, now + svc.timeout * 1000);
    }
    const state = initialState(svc.protocol, p.flags);
    const conn = this.newConn(svc, dest, p, state, now + stateTimeout(state, this.timeouts) * 1000, false, template);
    if (template !== undefined) template.controlled++;
    this.byClient.set(connKey(conn.protocol, conn.caddr, conn.cport, conn.vaddr, conn.vport), conn);
    this.byReal.set(connKey(conn.protocol, conn.daddr, conn.dport, conn.caddr, conn.cport), conn);
    this.count(conn, +1);
    this.stats.conns++;
    return conn;
  }

  private newConn(svc: VirtualServer, dest: RealServer, p: PacketTuple, state: ConnState, expires: number, template: boolean, control: IpvsConn | undefined): IpvsConn {
    return {
      protocol: svc.protocol, caddr: p.src, cport: p.sport, vaddr: svc.address, vport: svc.port, daddr: dest.address, dport: dest.port,
      dest, state, expires, template, control, controlled: 0,
    };
  }

  private advance(conn: IpvsConn, dir: 'input' | 'output', flags: number, now: number): void {
    if (conn.protocol === 'TCP' && conn.state !== 'UDP') {
      const next = nextTcpState(conn.state, dir, flags);
      if (next !== conn.state) {
        this.count(conn, -1);
        conn.state = next;
        this.count(conn, +1);
      }
    }
    conn.expires = now + stateTimeout(conn.state, this.timeouts) * 1000;
  }

  /** ActiveConn / InActConn: a TCP connection is active while ESTABLISHED. */
  private count(conn: IpvsConn, delta: 1 | -1): void {
    const active = conn.state === 'ESTABLISHED';
    if (active) conn.dest.activeConns += delta;
    else conn.dest.inactConns += delta;
  }

  private expire(conn: IpvsConn): void {
    if (conn.template) {
      const key = connKey(conn.protocol, conn.caddr, 0, conn.vaddr, conn.vport);
      if (this.templates.get(key) === conn) {
        this.templates.delete(key);
        conn.dest.persistConns--;
      }
      return;
    }
    const key = connKey(conn.protocol, conn.caddr, conn.cport, conn.vaddr, conn.vport);
    if (this.byClient.get(key) !== conn) return;
    this.byClient.delete(key);
    this.byReal.delete(connKey(conn.protocol, conn.daddr, conn.dport, conn.caddr, conn.cport));
    this.count(conn, -1);
    if (conn.control !== undefined) conn.control.controlled--;
  }

  private live(map: Map<string, IpvsConn>, key: string, now: number): IpvsConn | undefined {
    const c = map.get(key);
    if (c === undefined || c.expires > now || (c.template && c.controlled > 0)) return c;
    this.expire(c);
    return undefined;
  }

  private requireService(protocol: IpvsProtocol, address: string, port: number): VirtualServer {
    const svc = this.getService(protocol, address, port);
    if (svc === undefined) throw new KemuError('ERR_IPVS_NOT_FOUND', `no virtual service ${protocol} ${address}:${port}`);
    return svc;
  }
}

/** "10.96.0.1:443" of a service or real server. */
export function endpointText(address: number, port: number): string {
  return `${formatIpv4(address)}:${port}`;
}
