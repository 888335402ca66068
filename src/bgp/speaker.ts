/**
 * A BGP speaker as calico-node runs one per node (BIRD there): FSMs per configured peer, one RIB,
 * a listening socket, local prefixes announced (calico's affine IPAM blocks), learned routes
 * reported to the node's routing table. Real TCP (node:net) for now; `accept()` and the Connector
 * let kemu's emulated TCP stack carry the same sessions later.
 */
import * as net from 'node:net';
import { CeaseSubcode, type CodecContext, ErrorCode, encodeNotification, encodeUpdates, formatAsPath, parsePrefix, prefixKey, treatAsWithdraw } from './codec/index.js';
import { type Connector, PeerSession, type Transport } from './fsm/index.js';
import { NetTransport, netConnector } from './net-transport.js';
import { type OutUpdate, Rib, type RibResult, type RouteChange } from './rib/index.js';
import { formatIpv4, ipv4 } from '../net/addr.js';
import { type Clock, RealClock } from '../util/clock.js';
import { KemuError } from '../util/errors.js';

export type PeerType = 'node-to-node mesh' | 'global' | 'node specific';

export interface PeerConfig {
  address: string;
  /** Default 179. */
  port?: number;
  asn: number;
  /** Wait for the peer to connect (calico: the node with the lower IP is passive in each mesh pair). */
  passive?: boolean;
  /** RFC 4456 client of this speaker (calico: nodes under a route reflector). */
  routeReflectorClient?: boolean;
  /** As calicoctl node status labels it. Default: node-to-node mesh. */
  type?: PeerType;
  /**
   * Source address of our connections to this peer (BIRD's `source address`); default the
   * speaker's listenAddress. A router with one interface per rack talks to each rack from its own.
   */
  localAddress?: string;
  /**
   * NEXT_HOP given to every route learned from this peer. A peer behind an address translation
   * (kemu's BGP edge: gobgpd at 127.0.0.1 appears as 198.51.100.1) announces a next hop that means
   * nothing inside the emulation; an ALG-like rewrite to the address the speaker sees makes the
   * routes usable, as if the peer were a router at that address.
   */
  importNextHop?: string;
}

export interface SpeakerConfig {
  asn: number;
  /** BGP Identifier; calico uses the node's IPv4 address. */
  routerId: string;
  /** Default 127.0.0.1 (kemu listens on loopback unless asked); also the source of outgoing connections. */
  listenAddress?: string;
  /** Default 179; 0 picks a free port (see listen()). */
  listenPort?: number;
  /** Seconds; calico/BIRD 240 (keepalive then 80). */
  holdTime?: number;
  keepaliveTime?: number;
  /** Calico's BIRD template: connect retry time 5 s, error wait time 5..30 s. */
  connectRetryMs?: number;
  errorWaitMs?: [number, number];
  /** RFC 4456 CLUSTER_ID when reflecting (calico: routeReflectorClusterID); default the router ID. */
  clusterId?: string;
  /**
   * The address announced as NEXT_HOP for our own routes and on eBGP (next-hop-self). Default: the
   * session's local address, which on the emulated network is the node's address.
   */
  nextHop?: string;
  /** IGP distance to a next hop; undefined = unreachable. Default: all reachable at cost 0. */
  igpCost?: (nextHop: string) => number | undefined;
  /** Changes for the node's routing table, in order. */
  onRoutes?: (changes: RouteChange[]) => void;
  log?: (line: string) => void;
  clock?: Clock;
  connector?: Connector;
}

/** A row of `calicoctl node status` / `birdc show protocols`. */
export interface PeerStatus {
  /** BIRD protocol name as calico's template names it, e.g. Mesh_172_18_0_3. */
  name: string;
  peerAddress: string;
  peerType: PeerType;
  /** BIRD protocol state: up (Established), start (trying), down (stopped). */
  state: 'up' | 'start' | 'down';
  /** HH:MM:SS (UTC) of the last state change. */
  since: string;
  /** "Established", or the FSM state and last error, e.g. "Active Socket: connect ECONNREFUSED". */
  info: string;
}

export interface LearnedRoute {
  prefix: string;
  nextHop: string;
  asPath: string;
  peer: string;
}

interface PeerEntry {
  config: PeerConfig;
  session: PeerSession;
  as4: boolean;
}

const NAME_PREFIX: Record<PeerType, string> = { 'node-to-node mesh': 'Mesh', global: 'Global', 'node specific': 'Node' };

export class BgpSpeaker {
  readonly rib: Rib;
  private readonly peers = new Map<string, PeerEntry>();
  private readonly clock: Clock;
  private server: net.Server | undefined;
  private closed = false;

  constructor(readonly config: SpeakerConfig) {
    this.clock = config.clock ?? new RealClock();
    const igp = config.igpCost;
    this.rib = new Rib({
      asn: config.asn, routerId: ipv4(config.routerId),
      ...(config.clusterId ? { clusterId: ipv4(config.clusterId) } : {}),
      ...(igp ? { igpCost: (nh: number) => igp(formatIpv4(nh)) } : {}),
    });
  }

  /** Starts listening; resolves with the bound address and port (useful with port 0). */
  async listen(): Promise<{ address: string; port: number }> {
    const server = net.createServer((socket) => this.accept(new NetTransport(socket)));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.listenPort ?? 179, this.config.listenAddress ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as net.AddressInfo;
    return { address: addr.address, port: addr.port };
  }

  /** An incoming connection (from the listener, or from an emulated TCP stack). */
  accept(t: Transport): void {
    const entry = this.peers.get(t.remoteAddress);
    if (!entry || this.closed) {
      // Not a configured peer: refuse as BIRD does, with Cease / Connection Rejected.
      t.setHandlers({ data: () => {}, closed: () => {} });
      t.write(encodeNotification({ code: ErrorCode.CEASE, subcode: CeaseSubcode.CONNECTION_REJECTED, data: new Uint8Array(0) }));
      t.close();
      return;
    }
    entry.session.accept(t);
  }

  addPeer(peer: PeerConfig): void {
    if (this.peers.has(peer.address)) throw new KemuError('ERR_BGP_CONFIG', `peer ${peer.address} is already configured`);
    const local = peer.localAddress ?? (this.config.listenAddress && this.config.listenAddress !== '0.0.0.0' ? this.config.listenAddress : undefined);
    const entry: PeerEntry = { config: peer, as4: true, session: undefined as unknown as PeerSession };
    entry.session = new PeerSession({
      localAs: this.config.asn, localId: ipv4(this.config.routerId), peerAs: peer.asn, peerAddress: peer.address,
      peerPort: peer.port ?? 179, ...(local ? { localAddress: local } : {}), passive: peer.passive ?? false,
      ...pick(this.config, ['holdTime', 'keepaliveTime', 'connectRetryMs', 'errorWaitMs']),
    }, this.clock, this.config.connector ?? netConnector, {
      established: (s) => {
        entry.as4 = s.as4;
        this.log(`${peer.address}: Established (hold ${s.holdTime} s, ${s.as4 ? '4' : '2'}-octet AS)`);
        this.apply(this.rib.peerUp({
          key: peer.address, address: ipv4(peer.address), asn: peer.asn, routerId: s.peerOpen.bgpId,
          localAddress: ipv4(this.config.nextHop ?? s.localAddress), rrClient: peer.routeReflectorClient ?? false,
        }));
      },
      update: (u) => {
        for (const e of u.errors) this.log(`${peer.address}: ${e.action}: ${e.reason}`);
        if (peer.importNextHop !== undefined && u.nlri.length > 0) u = { ...u, attributes: { ...u.attributes, nextHop: ipv4(peer.importNextHop) } };
        this.apply(this.rib.update(peer.address, u, treatAsWithdraw(u)));
      },
      routeRefresh: () => this.send(peer.address, { routes: [], out: new Map([[peer.address, this.rib.refresh(peer.address)]]) }),
      down: (reason) => {
        this.log(`${peer.address}: down: ${reason}`);
        this.apply(this.rib.peerDown(peer.address));
      },
      stateChange: (from, to, event) => this.log(`${peer.address}: ${from} -> ${to} on ${event}`),
      notification: (dir, n) => this.log(`${peer.address}: NOTIFICATION ${dir} ${n.code}/${n.subcode}`),
    });
    this.peers.set(peer.address, entry);
    if (!this.closed) entry.session.start();
  }

  /** Stops the session with Cease / Peer De-configured; its routes are withdrawn. */
  removePeer(address: string): void {
    const entry = this.peers.get(address);
    if (!entry) return;
    entry.session.stop(CeaseSubcode.PEER_DECONFIGURED);
    this.peers.delete(address);
  }

  /** Announces a local prefix (an IPAM block) to every peer. */
  announce(prefix: string): void {
    this.apply(this.rib.originate(parsePrefix(prefix)));
  }

  withdraw(prefix: string): void {
    this.apply(this.rib.withdrawLocal(parsePrefix(prefix)));
  }

  /** Best routes learned from peers (the ones the routing table holds). */
  learnedRoutes(): LearnedRoute[] {
    return this.rib.locRib().filter((p) => p.source !== null).map((p) => ({
      prefix: prefixKey(p.prefix), nextHop: formatIpv4(p.attrs.nextHop ?? 0), asPath: formatAsPath(p.attrs.asPath ?? []), peer: p.source!.key,
    })).sort((a, b) => a.prefix.localeCompare(b.prefix));
  }

  status(): PeerStatus[] {
    return [...this.peers.values()].map(({ config, session }) => {
      const type = config.type ?? 'node-to-node mesh';
      const fsm = session.state;
      return {
        name: `${NAME_PREFIX[type]}_${config.address.replace(/\./g, '_')}`,
        peerAddress: config.address,
        peerType: type,
        state: fsm === 'Established' ? 'up' : session.isStopped ? 'down' : 'start',
        since: new Date(session.since).toISOString().slice(11, 19),
        info: fsm === 'Established' ? 'Established' : [fsm, session.lastError].filter(Boolean).join(' '),
      };
    });
  }

  /** Sessions Established and configured, without building status() rows (an agent asks on every sync). */
  sessionCounts(): { up: number; total: number } {
    let up = 0;
    for (const { session } of this.peers.values()) if (session.established !== undefined) up++;
    return { up, total: this.peers.size };
  }

  /** Stops every session (Cease / Administrative Shutdown) and the listener. */
  async close(): Promise<void> {
    this.closed = true;
    for (const { session } of this.peers.values()) session.stop();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private apply(result: RibResult): void {
    if (result.routes.length > 0) this.config.onRoutes?.(result.routes);
    this.send(undefined, result);
  }

  private send(only: string | undefined, result: RibResult): void {
    if (result.out.size === 0) return; // most UPDATEs learned in a mesh are passed on to nobody
    // Peers of one update group usually get the same OutUpdate object: encode it once per AS width.
    const encoded = [new Map<OutUpdate, Uint8Array[]>(), new Map<OutUpdate, Uint8Array[]>()];
    for (const [key, out] of result.out) {
      if (only !== undefined && key !== only) continue;
      const entry = this.peers.get(key);
      const fsm = entry?.session.established;
      if (!entry || !fsm) continue;
      const cache = encoded[entry.as4 ? 1 : 0]!;
      let msgs = cache.get(out);
      if (msgs === undefined) cache.set(out, (msgs = encodeOut(out, { as4: entry.as4 })));
      fsm.send(msgs);
    }
  }

  private log(line: string): void {
    this.config.log?.(line);
  }
}

function encodeOut(out: OutUpdate, ctx: CodecContext): Uint8Array[] {
  const msgs: Uint8Array[] = [];
  if (out.withdrawn.length > 0) msgs.push(...encodeUpdates({ withdrawn: out.withdrawn, attributes: {}, nlri: [] }, ctx));
  for (const a of out.announce) msgs.push(...encodeUpdates({ withdrawn: [], attributes: a.attrs, nlri: a.nlri }, ctx));
  return msgs;
}

function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
