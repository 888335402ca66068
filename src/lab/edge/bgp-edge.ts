/**
 * BGP for real daemons. For every node, kemu listens on the node's real address of this machine
 * (127.0.1.N) on one port (179 by default, 0 = one free port per node); a real connection — gobgpd,
 * BIRD, FRR on this machine — is spliced into kemu's TCP from the node's gateway namespace, with
 * the client address derived from the real peer (client-address.ts: 127.0.0.1 → 198.51.100.1), to
 * NODE_IP:179 on the emulated network. The node's speaker therefore sees a peer at 198.51.100.1 and
 * accepts it only if a BGPPeer says so (an unknown peer gets Cease / Connection Rejected, as BIRD
 * answers). The edge is byte-transparent: the BGP messages are the daemon's own; the speaker
 * rewrites the NEXT_HOP of routes from such a peer (peers.ts). Connections go inward only: kemu
 * cannot dial a real daemon, so those peers are passive on kemu's side.
 */
import { type Server, type Socket, createServer } from 'node:net';
import { TcpLayer, type TcpSocket } from '../../dataplane/tcp/index.js';
import type { LabNetwork } from '../network/index.js';
import { clientAddressFor, ensureClientAddress } from './client-address.js';
import type { EdgeNode } from './node-ports.js';

/** BGP's port on the emulated network (where the nodes' speakers listen). */
export const EMULATED_BGP_PORT = 179;
export const DEFAULT_BGP_EDGE_PORT = 179;

export interface BgpEdgeOptions {
  network: LabNetwork;
  nodes: readonly EdgeNode[];
  /** Real port on every node address; 0: a free port per node (see list()). */
  port: number;
  /** Where the speakers listen inside the emulation; 179. */
  emulatedPort?: number;
  onError: (err: Error) => void;
}

export interface BgpEdgeListener {
  node: string;
  address: string;
  port: number;
}

interface Open extends BgpEdgeListener {
  server: Server;
  connections: Set<Socket>;
}

export class BgpEdge {
  private readonly open: Open[] = [];
  /** Connections refused or broken inside the emulation (counted, never thrown). */
  failures = 0;

  constructor(private readonly o: BgpEdgeOptions) {}

  /** Opens a listener per node; a node whose address or port cannot be bound is reported and skipped. */
  async start(): Promise<void> {
    for (const node of this.o.nodes) {
      try {
        this.open.push(await this.listen(node));
      } catch (err) {
        this.o.onError(new Error(`cannot listen for BGP on ${node.realAddress}:${this.o.port} for node ${node.name}: ${(err as Error).message}`));
      }
    }
  }

  async stop(): Promise<void> {
    const all = this.open.splice(0);
    await Promise.all(all.map((l) => new Promise<void>((done) => {
      l.server.close(() => done());
      for (const c of l.connections) c.destroy();
    })));
  }

  list(): BgpEdgeListener[] {
    return this.open.map(({ node, address, port }) => ({ node, address, port }));
  }

  private listen(node: EdgeNode): Promise<Open> {
    const connections = new Set<Socket>();
    const server = createServer((real) => {
      connections.add(real);
      real.on('close', () => connections.delete(real));
      this.bridge(node, real);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: node.realAddress, port: this.o.port }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.o.onError(err));
        const port = (server.address() as { port: number }).port;
        resolve({ node: node.name, address: node.realAddress, port, server, connections });
      });
    });
  }

  private bridge(node: EdgeNode, real: Socket): void {
    const edge = this.o.network.edgeOf(node.name).ns;
    const client = clientAddressFor(real.remoteAddress ?? '127.0.0.1');
    let emu: TcpSocket;
    try {
      ensureClientAddress(edge, client);
      // BGP messages are small and latency-bound (OPEN/KEEPALIVE handshake): no Nagle on either side.
      real.setNoDelay(true);
      emu = TcpLayer.of(edge).connect({ host: node.internalIP, port: this.o.emulatedPort ?? EMULATED_BGP_PORT, localAddress: client, noDelay: true });
    } catch (err) {
      this.failures++;
      this.o.onError(err as Error);
      real.destroy();
      return;
    }
    real.pipe(emu);
    emu.pipe(real);
    // Refused (no speaker: calico not running there) or reset inside: a reset for the real daemon too.
    emu.on('error', () => {
      this.failures++;
      if (!real.destroyed) real.resetAndDestroy();
    });
    real.on('error', () => emu.destroy());
    real.on('close', () => emu.destroy());
  }
}
