/**
 * The emulated apps' socket API (src/apps PodNetwork) over a namespace of the packet plane: TCP
 * from kemu's stack (src/dataplane/tcp), UDP from the namespace's UDP layer. This is the only place
 * where apps meet the stack, so every byte an app sends is a real segment or datagram on the plane.
 */
import type { PodNetwork, StreamSocket, TcpListener, UdpEndpoint, UdpError } from '../apps/types.js';
import type { NetNamespace } from '../dataplane/stack/index.js';
import { TcpLayer } from '../dataplane/tcp/index.js';
import { formatIpv4 } from '../net/addr.js';

export class NamespaceSockets implements PodNetwork {
  constructor(private readonly ns: NetNamespace) {}

  listenTcp(port: number, onConnection: (socket: StreamSocket) => void): TcpListener {
    const server = TcpLayer.of(this.ns).listen(port);
    server.on('connection', (s) => onConnection(s as unknown as StreamSocket));
    return { port: server.port, close: () => server.close() };
  }

  connectTcp(host: string, port: number, opts?: { timeoutMs?: number }): StreamSocket {
    return TcpLayer.of(this.ns).connect({ host, port, ...(opts?.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) }) as unknown as StreamSocket;
  }

  bindUdp(
    port: number,
    onMessage: (data: Uint8Array, from: { address: string; port: number }) => void,
    onError?: (error: UdpError) => void,
  ): UdpEndpoint {
    const sock = this.ns.udp.bind(port);
    sock.onMessage((payload, info) => onMessage(payload, { address: formatIpv4(info.srcIp), port: info.srcPort }));
    if (onError) sock.onError((e) => onError({ code: e.errno, address: formatIpv4(e.dstIp), port: e.dstPort }));
    return {
      port: sock.port,
      send: (data, toPort, address) => {
        if (!sock.closed) sock.send(address, toPort, data);
      },
      close: () => sock.close(),
    };
  }
}
