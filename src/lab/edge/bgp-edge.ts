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
import type { LabNetwork } from '../network/index.js';
import { listenRealTcp, spliceIntoEmulation } from './tcp-splice.js';
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
  close(): Promise<void>;
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
    await Promise.all(this.open.splice(0).map((l) => l.close()));
  }

  list(): BgpEdgeListener[] {
    return this.open.map(({ node, address, port }) => ({ node, address, port }));
  }

  private async listen(node: EdgeNode): Promise<Open> {
    // BGP messages are small and latency-bound (OPEN/KEEPALIVE handshake): no Nagle on either side.
    // Refused (no speaker: calico not running there) or reset inside: counted; the daemon gets a reset.
    const target = {
      network: this.o.network, node: node.name, ip: node.internalIP, port: this.o.emulatedPort ?? EMULATED_BGP_PORT, noDelay: true,
      onEmulatedError: () => void this.failures++,
    };
    const l = await listenRealTcp(node.realAddress, this.o.port, (real) => {
      if (!spliceIntoEmulation(real, target, this.o.onError)) this.failures++;
    }, this.o.onError);
    return { node: node.name, address: node.realAddress, port: l.port, close: l.close };
  }
}
