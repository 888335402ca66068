/**
 * The userspace proxy's sockets (pkg/proxy/userspace/proxysocket.go), on kemu's stack in the host
 * namespace: one per service port, on an ephemeral port that the portal rules REDIRECT/DNAT the
 * service's traffic to.
 *  - TCP: accept, then dial an endpoint chosen by the load balancer with timeouts of 250 ms, 500 ms,
 *    1 s and 2 s — each failed dial moves on to the next endpoint and resets the client's affinity —
 *    and copy bytes both ways. Closing the listener leaves established connections alone.
 *  - UDP: one session per client address, with its own socket to the chosen endpoint; replies go
 *    back from the proxy socket; a session ends after the idle timeout without traffic (or on an
 *    ICMP error from the endpoint).
 * Every timer goes through the namespace's Clock.
 */
import type { NetNamespace, UdpSocket } from '../../dataplane/stack/index.js';
import { TcpLayer, type TcpServer, type TcpSocket } from '../../dataplane/tcp/index.js';
import { formatIpv4 } from '../../net/index.js';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { type LoadBalancerRR, isEndpointError } from './round-robin.js';

/** endpointDialTimeout. */
export const ENDPOINT_DIAL_TIMEOUTS_MS: readonly number[] = [250, 500, 1000, 2000];

export interface ProxySocketContext {
  ns: NetNamespace;
  lb: LoadBalancerRR;
  clock: Clock;
}

export interface ProxyStats {
  accepted: number;
  /** Dials (TCP) or sessions (UDP) that reached an endpoint. */
  connected: number;
  dialFailures: number;
  /** Clients dropped: no endpoint, or every dial failed. */
  failed: number;
}

const newStats = (): ProxyStats => ({ accepted: 0, connected: 0, dialFailures: 0, failed: 0 });

function splitEndpoint(ep: string): { host: string; port: number } {
  const i = ep.lastIndexOf(':');
  return { host: ep.slice(0, i), port: Number(ep.slice(i + 1)) };
}

/** One dial with a timeout: the socket once connected, or the error. */
function dial(ns: NetNamespace, endpoint: string, timeoutMs: number): Promise<TcpSocket> {
  const { host, port } = splitEndpoint(endpoint);
  const socket = TcpLayer.of(ns).connect({ host, port, timeoutMs });
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.removeListener('connect', onConnect);
      socket.destroy();
      reject(err);
    };
    const onConnect = (): void => {
      socket.removeListener('error', onError);
      resolve(socket);
    };
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
}

export class TcpProxySocket {
  readonly stats = newStats();
  readonly port: number;
  private readonly listener: TcpServer;
  private readonly open = new Set<TcpSocket>();

  constructor(private readonly ctx: ProxySocketContext, private readonly svcPort: string) {
    this.listener = TcpLayer.of(ctx.ns).listen(0);
    this.port = this.listener.port;
    this.listener.on('connection', (s: TcpSocket) => void this.accept(s));
  }

  /** tcpProxySocket.Close: no new connections; proxied ones carry on. */
  close(): void {
    this.listener.close();
  }

  /** Also aborts every proxied connection (the proxier shutting down). */
  destroy(): void {
    this.close();
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  /** tryConnect: up to four endpoints, one per dial timeout. */
  async tryConnect(clientIP: string): Promise<TcpSocket | undefined> {
    let reset = false;
    for (const timeoutMs of ENDPOINT_DIAL_TIMEOUTS_MS) {
      const endpoint = this.ctx.lb.nextEndpoint(this.svcPort, clientIP, reset, this.ctx.clock.now());
      if (isEndpointError(endpoint)) return undefined;
      try {
        return await dial(this.ctx.ns, endpoint, timeoutMs);
      } catch {
        this.stats.dialFailures++;
        reset = true;
      }
    }
    return undefined;
  }

  private async accept(inConn: TcpSocket): Promise<void> {
    this.stats.accepted++;
    this.track(inConn);
    inConn.on('error', () => inConn.destroy());
    inConn.pause(); // nothing is read until the backend is there (Go reads only in the copy loops)
    const outConn = await this.tryConnect(inConn.remoteAddress ?? '');
    if (outConn === undefined) {
      this.stats.failed++;
      inConn.destroy();
      return;
    }
    this.stats.connected++;
    this.track(outConn);
    if (inConn.destroyed) {
      outConn.destroy();
      return;
    }
    // proxyTCP: copy both ways; an end on one side ends the other, an error tears both down.
    outConn.on('error', () => inConn.destroy());
    inConn.on('error', () => outConn.destroy());
    inConn.pipe(outConn);
    outConn.pipe(inConn);
    inConn.resume();
  }

  private track(s: TcpSocket): void {
    this.open.add(s);
    s.once('close', () => this.open.delete(s));
  }
}

interface UdpSession {
  backend: UdpSocket;
  endpoint: { host: string; port: number };
  timer: TimerHandle | undefined;
}

export class UdpProxySocket {
  readonly stats = newStats();
  readonly port: number;
  private readonly socket: UdpSocket;
  private readonly sessions = new Map<string, UdpSession>();

  constructor(private readonly ctx: ProxySocketContext, private readonly svcPort: string, private readonly idleTimeoutMs: number) {
    this.socket = ctx.ns.udp.bind(0);
    this.port = this.socket.port;
    this.socket.onMessage((payload, info) => this.fromClient(payload, formatIpv4(info.srcIp), info.srcPort));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** udpProxySocket.Close: the socket and every session go. */
  close(): void {
    for (const key of [...this.sessions.keys()]) this.endSession(key);
    if (!this.socket.closed) this.socket.close();
  }

  destroy(): void {
    this.close();
  }

  private fromClient(payload: Uint8Array, clientIP: string, clientPort: number): void {
    const key = `${clientIP}:${clientPort}`;
    let s = this.sessions.get(key);
    if (s === undefined) {
      this.stats.accepted++;
      const endpoint = this.ctx.lb.nextEndpoint(this.svcPort, clientIP, false, this.ctx.clock.now());
      if (isEndpointError(endpoint)) {
        this.stats.failed++;
        return;
      }
      s = this.openSession(key, clientIP, clientPort, splitEndpoint(endpoint));
      this.stats.connected++;
    }
    s.backend.send(s.endpoint.host, s.endpoint.port, payload);
    this.touch(key, s);
  }

  private openSession(key: string, clientIP: string, clientPort: number, endpoint: { host: string; port: number }): UdpSession {
    const backend = this.ctx.ns.udp.bind(0);
    const s: UdpSession = { backend, endpoint, timer: undefined };
    backend.onMessage((payload, info) => {
      // A "connected" UDP socket hears only its endpoint.
      if (formatIpv4(info.srcIp) !== endpoint.host || info.srcPort !== endpoint.port) return;
      this.touch(key, s);
      if (!this.socket.closed) this.socket.send(clientIP, clientPort, payload);
    });
    backend.onError(() => this.endSession(key)); // ECONNREFUSED on Read ends proxyClient
    this.sessions.set(key, s);
    return s;
  }

  /** SetDeadline(now + timeout) on every read and write. */
  private touch(key: string, s: UdpSession): void {
    s.timer?.cancel();
    s.timer = this.ctx.clock.setTimeout(() => this.endSession(key), this.idleTimeoutMs);
  }

  private endSession(key: string): void {
    const s = this.sessions.get(key);
    if (s === undefined) return;
    this.sessions.delete(key);
    s.timer?.cancel();
    if (!s.backend.closed) s.backend.close();
  }
}
