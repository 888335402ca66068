/**
 * The TCP half of the edge between real clients and the emulation, shared by NodePorts and BGP: a
 * real listener on a node's address of this machine, and the splice of each real connection into a
 * connection of kemu's TCP from the node's gateway namespace (client address derived from the real
 * peer) to NODE_IP:PORT. A refused or reset emulated connection resets the real one too.
 */
import { type Server, type Socket, createServer } from 'node:net';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import { TcpLayer, type TcpSocket } from '../../dataplane/tcp/index.js';
import type { LabNetwork } from '../network/index.js';
import { clientAddressFor, ensureClientAddress } from './client-address.js';

export interface RealTcpListener {
  /** The bound port (the asked one, or the free one picked for 0). */
  port: number;
  /** Stops listening and destroys the open connections. */
  close(): Promise<void>;
}

/** Listens on `host:port` (0: a free port); errors after the bind go to `onError`. */
export function listenRealTcp(host: string, port: number, onConnection: (real: Socket) => void, onError: (err: Error) => void): Promise<RealTcpListener> {
  const connections = new Set<Socket>();
  const server: Server = createServer((real) => {
    connections.add(real);
    real.on('close', () => connections.delete(real));
    onConnection(real);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      server.on('error', onError);
      resolve({
        port: (server.address() as { port: number }).port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          for (const c of connections) c.destroy();
        }),
      });
    });
  });
}

export interface SpliceTarget {
  network: LabNetwork;
  /** The node whose gateway the connection leaves from. */
  node: string;
  /** Its underlay address and the port inside the emulation. */
  ip: string;
  port: number;
  /** TCP_NODELAY on both sides (latency-bound protocols such as BGP). */
  noDelay?: boolean;
  /** Told when the emulated connection fails (refused, reset, timed out). */
  onEmulatedError?: () => void;
  /**
   * Pins the flow before its SYN leaves, knowing its emulated client address and source port (a
   * policy rule choosing the next hop); returns what unpins it once the emulated connection closes.
   */
  pin?: (edge: NetNamespace, client: string, localPort: number) => () => void;
}

/** Splices `real` into the emulation; false when the emulated connection could not even be opened. */
export function spliceIntoEmulation(real: Socket, t: SpliceTarget, onError: (err: Error) => void): boolean {
  const edge = t.network.edgeOf(t.node).ns;
  const client = clientAddressFor(real.remoteAddress ?? '127.0.0.1');
  let emu: TcpSocket;
  let unpin: (() => void) | undefined;
  try {
    ensureClientAddress(edge, client);
    if (t.noDelay) real.setNoDelay(true);
    const tcp = TcpLayer.of(edge);
    const localPort = t.pin === undefined ? undefined : tcp.freeLocalPort(client, t.ip, t.port);
    if (localPort !== undefined) unpin = t.pin!(edge, client, localPort);
    emu = tcp.connect({ host: t.ip, port: t.port, localAddress: client, ...(localPort !== undefined ? { localPort } : {}), ...(t.noDelay ? { noDelay: true } : {}) });
  } catch (err) {
    unpin?.();
    onError(err as Error);
    real.destroy();
    return false;
  }
  if (unpin !== undefined) emu.on('close', unpin);
  real.pipe(emu);
  emu.pipe(real);
  emu.on('error', () => {
    t.onEmulatedError?.();
    if (!real.destroyed) real.resetAndDestroy();
  });
  real.on('error', () => emu.destroy());
  real.on('close', () => emu.destroy());
  return true;
}
