/**
 * BGP over kemu's own TCP: the FSM's Transport and Connector on a TcpLayer (src/dataplane/tcp), and
 * a listener on port 179 whose connections are handed to BgpSpeaker.accept. Sessions between nodes
 * therefore run between the node addresses across the emulated underlay: they show in captures as
 * TCP port 179, they cross routers, and they break when a link breaks (the hold timer notices).
 */
import type { Connector, Transport } from '../../bgp/fsm/index.js';
import { StreamTransport, streamConnector } from '../../bgp/stream-transport.js';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import { TcpLayer, type TcpServer, type TcpSocket } from '../../dataplane/tcp/index.js';

export const BGP_PORT = 179;

/** The FSM's Transport over one TcpSocket of kemu's TCP. */
export class TcpTransport extends StreamTransport {
  constructor(socket: TcpSocket) {
    super(socket);
  }
}

/** Opens BGP connections from `ns` (source: the FSM's localAddress, else the route's). */
export function tcpConnector(ns: NetNamespace): Connector {
  return streamConnector((host, port, localAddress) => TcpLayer.of(ns).connect({ host, port, ...(localAddress ? { localAddress } : {}), noDelay: true }));
}

export interface BgpListener {
  readonly address: string;
  readonly port: number;
  close(): void;
}

/**
 * Listens for BGP on `ns` (BIRD's `listen bgp`): every accepted connection becomes a Transport for
 * `accept` (BgpSpeaker.accept, which refuses unknown peers with Cease / Connection Rejected).
 * Address undefined: every local address (a router with one interface per rack).
 */
export function listenBgp(ns: NetNamespace, opts: { address?: string; port?: number }, accept: (t: Transport) => void): BgpListener {
  const server: TcpServer = TcpLayer.of(ns).listen(opts.port ?? BGP_PORT, opts.address === undefined ? {} : { address: opts.address });
  server.on('connection', (socket: TcpSocket) => accept(new TcpTransport(socket)));
  const bound = server.address();
  return { address: bound.address, port: bound.port, close: () => void server.close() };
}
