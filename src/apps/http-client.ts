/**
 * One HTTP GET over a pod's network with a Go http.Client's behaviour and error texts, for the
 * emulated Go clients (agnhost's /dial, the kubelet's httpGet probe) and kemu's load generator.
 * The connection is made by `connect` (a PodNetwork's connectTcp, usually wrapped to be tracked by
 * the owning process); the request runs on node:http.
 */
import http from 'node:http';
import type { Clock } from '../util/clock.js';
import { KemuError } from '../util/errors.js';
import type { StreamSocket } from './types.js';

export interface HttpGetRequest {
  /** An IPv4 address (names are resolved by the caller, as Go's dialer does before connecting). */
  host: string;
  port: number;
  /** Path with query, starting with "/". */
  path: string;
  headers?: Record<string, string>;
  /** The whole exchange's deadline (Go's Client.Timeout). */
  timeoutMs: number;
  /** Stop reading the body after this many bytes (kubelet's prober reads 10 KiB). */
  maxBodyBytes?: number;
  clock: Clock;
  connect(host: string, port: number, opts: { timeoutMs: number }): StreamSocket;
}

export interface HttpGetResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** The URL as Go prints it in errors: Get "http://10.0.0.1:8080/hostname". */
export function goGetPrefix(host: string, port: number, path: string): string {
  return `Get "http://${host}:${port}${path}"`;
}

/** A socket error in Go's words ("dial tcp 10.0.0.2:80: connect: connection refused"). */
export function goNetError(err: unknown, host: string, port: number, socket?: StreamSocket): string {
  const code = (err as { code?: string }).code;
  const dial = `dial tcp ${host}:${port}`;
  const local = socket?.localAddress !== undefined ? `${socket.localAddress}:${socket.localPort}` : '';
  switch (code) {
    case 'ECONNREFUSED': return `${dial}: connect: connection refused`;
    case 'EHOSTUNREACH': return `${dial}: connect: no route to host`;
    case 'ENETUNREACH': return `${dial}: connect: network is unreachable`;
    case 'ETIMEDOUT': return `${dial}: connect: connection timed out`;
    case 'EPIPE': return `write tcp ${local}->${host}:${port}: write: broken pipe`;
    case 'ECONNRESET':
      return (err as Error).message === 'socket hang up' ? 'EOF' : `read tcp ${local}->${host}:${port}: read: connection reset by peer`;
    default: return (err as Error)?.message ?? String(err);
  }
}

/**
 * GETs `path`; rejects with a KemuError whose code is the socket's (ECONNREFUSED...) or
 * ETIMEDOUT for the deadline, and whose message is what Go's client would return.
 */
export function httpGet(o: HttpGetRequest): Promise<HttpGetResponse> {
  return new Promise((resolve, reject) => {
    const prefix = goGetPrefix(o.host, o.port, o.path);
    let socket: StreamSocket | undefined;
    let stage: 'headers' | 'body' = 'headers';
    let settled = false;
    const finish = (err: KemuError | undefined, value?: HttpGetResponse): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      // Without an Agent node sends `Connection: close` and ends the socket itself after the body.
      if (err) socket?.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = o.clock.setTimeout(() => {
      const why = stage === 'headers' ? 'Client.Timeout exceeded while awaiting headers' : 'Client.Timeout or context cancellation while reading body';
      finish(new KemuError('ETIMEDOUT', `${prefix}: context deadline exceeded (${why})`));
      req.destroy();
    }, o.timeoutMs);
    const headers: Record<string, string> = { 'User-Agent': 'Go-http-client/1.1', 'Accept-Encoding': 'gzip', ...o.headers };
    const req = http.request({
      host: o.host,
      port: o.port,
      path: o.path,
      method: 'GET',
      headers,
      // Go's dialer sets TCP_NODELAY on every connection.
      createConnection: () => (socket = o.connect(o.host, o.port, { timeoutMs: o.timeoutMs }).setNoDelay(true)) as never,
    });
    req.on('error', (err) => finish(new KemuError((err as { code?: string }).code ?? 'EIO', `${prefix}: ${goNetError(err, o.host, o.port, socket)}`)));
    req.on('response', (res) => {
      stage = 'body';
      const chunks: Buffer[] = [];
      let size = 0;
      const limit = o.maxBodyBytes ?? Infinity;
      res.on('data', (chunk: Buffer) => {
        if (size >= limit) return;
        chunks.push(chunk.subarray(0, limit - size));
        size += Math.min(chunk.length, limit - size);
      });
      res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (err) => finish(new KemuError('EIO', `${prefix}: ${goNetError(err, o.host, o.port, socket)}`)));
      res.on('aborted', () => finish(new KemuError('EIO', `${prefix}: unexpected EOF`)));
    });
    req.end();
  });
}
