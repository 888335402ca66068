/**
 * The seams of kemu's emulated workloads: the narrow socket API a pod's processes program against
 * (one network namespace: TCP listen/connect, UDP bind), what a running workload exposes to the
 * kubelet side (which ports it listens on, exit, SIGTERM/SIGKILL), and the context it starts with.
 *
 * The stream type is a node Duplex so node:http can run over it unchanged (server.emit('connection')
 * and http.request({ createConnection })); the packet plane's TCP implements it, and tests use an
 * in-memory fabric.
 */
import type { Duplex } from 'node:stream';
import type { Container, Pod } from '../api/types.js';
import type { Clock } from '../util/clock.js';

/** A connected TCP stream, shaped like the parts of net.Socket that node:http and kemu's apps use. */
export interface StreamSocket extends Duplex {
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
  /** True until the handshake completes ('connect'), as on net.Socket. */
  readonly connecting?: boolean;
  /** Idle timeout: emits 'timeout' (and calls cb) after `ms` without traffic; 0 disables. */
  setTimeout(ms: number, cb?: () => void): this;
  setNoDelay(noDelay?: boolean): this;
  setKeepAlive(enable?: boolean, initialDelayMs?: number): this;
  /** node:http's Agent calls these on pooled sockets; they only matter for real handles. */
  ref(): this;
  unref(): this;
}

export interface TcpListener {
  readonly port: number;
  /** Stops accepting; connections already accepted stay open. */
  close(): void;
}

export interface UdpEndpoint {
  readonly port: number;
  send(data: Uint8Array, port: number, address: string): void;
  close(): void;
}

/** An ICMP error about a datagram this endpoint sent (ECONNREFUSED for port unreachable, EHOSTUNREACH...). */
export interface UdpError {
  code: string;
  address: string;
  port: number;
}

/** One pod's sockets: everything it does on the network goes through its own namespace. */
export interface PodNetwork {
  /** listen(2) on every address of the namespace; port 0 picks an ephemeral one. Throws ERR_ADDRESS_IN_USE. */
  listenTcp(port: number, onConnection: (socket: StreamSocket) => void): TcpListener;
  /**
   * connect(2): returns at once; the socket emits 'connect', or 'error' with `code` ECONNREFUSED,
   * ETIMEDOUT (no answer within timeoutMs), EHOSTUNREACH, ENETUNREACH.
   */
  connectTcp(host: string, port: number, opts?: { timeoutMs?: number }): StreamSocket;
  /** bind(2) a UDP port (0: ephemeral). `onError` receives ICMP errors about datagrams sent from it. */
  bindUdp(
    port: number,
    onMessage: (data: Uint8Array, from: { address: string; port: number }) => void,
    onError?: (error: UdpError) => void,
  ): UdpEndpoint;
}

export interface WorkloadContext {
  pod: Pod;
  podIP: string;
  /** What the process sees as its hostname: spec.hostname, else the pod's name. */
  hostname: string;
  container: Container;
  /** The container's argv after Kubernetes' command/args rules and $(VAR) expansion; argv[0] is the program. */
  args: string[];
  env: Record<string, string>;
  net: PodNetwork;
  clock: Clock;
  /** Name → IPv4 (cluster DNS when wired; by default IP literals only, else a KemuError ENOTFOUND). */
  resolve(host: string): Promise<string>;
  /** Becomes a Warning Event on the pod. */
  warn(reason: string, message: string): void;
  /** One line of the container's log (kubectl logs). */
  log(line: string): void;
}

/** A running emulated process. */
export interface Workload {
  /** "8080/TCP", "8081/UDP": sockets bound right now. */
  readonly listening: ReadonlySet<string>;
  onListeningChange(fn: () => void): () => void;
  /** The exit code once the process has exited (by itself, after SIGTERM, or killed: 137). */
  readonly exitCode: number | undefined;
  /** Called once when the process exits; returns an unsubscribe function. */
  onExit(fn: (code: number) => void): () => void;
  /** SIGTERM. Resolves when the process has exited, which a program that ignores SIGTERM never does. */
  stop(): Promise<void>;
  /** SIGKILL: every socket is destroyed and every timer cancelled at once; exit code 137. */
  kill(): void;
}

export type WorkloadFactory = (ctx: WorkloadContext) => Workload;

export const EXIT_KILLED = 137;
