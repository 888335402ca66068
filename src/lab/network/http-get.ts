/**
 * An HTTP GET made inside the emulation (`kemu curl`): node's own HTTP client over a TCP connection
 * of kemu's stack in the chosen namespace, so the request crosses the packet plane like a pod's —
 * kube-proxy's DNAT, the CNI's encapsulation, conntrack on the way back.
 */
import { request } from 'node:http';
import type { NetNamespace } from '../../dataplane/stack/index.js';
import { TcpLayer } from '../../dataplane/tcp/index.js';
import { ApiError } from '../../api/errors.js';

export interface HttpGetOptions {
  url: string;
  timeoutMs: number;
  /** Larger bodies are cut here (and `truncated` set). */
  maxBodyBytes: number;
  /** Resolves a host name to an IPv4 address (the source's resolver); IP literals need none. */
  resolve?: (host: string) => Promise<string>;
}

export interface HttpGetResult {
  url: string;
  /** The address and port connected to. */
  remote: string;
  status: number;
  statusText: string;
  headers: Record<string, string | string[]>;
  body: string;
  truncated: boolean;
  elapsedMs: number;
}

/** A failure curl would report: `code` is curl's exit code (6 resolve, 7 connect, 28 timeout, 56 receive). */
export interface HttpGetError {
  error: string;
  code: number;
  errno?: string;
}

export async function httpGetFrom(ns: NetNamespace, opts: HttpGetOptions): Promise<HttpGetResult | HttpGetError> {
  let url: URL;
  try {
    url = new URL(opts.url.includes('://') ? opts.url : `http://${opts.url}`);
  } catch {
    throw new ApiError('BadRequest', `bad URL "${opts.url}"`);
  }
  if (url.protocol !== 'http:') throw new ApiError('BadRequest', `only http:// URLs are supported (got ${url.protocol}//)`);
  const port = url.port === '' ? 80 : Number(url.port);
  let ip = url.hostname;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) {
    if (opts.resolve === undefined) return { error: `Could not resolve host: ${ip}`, code: 6 };
    try {
      ip = await opts.resolve(ip);
    } catch {
      return { error: `Could not resolve host: ${url.hostname}`, code: 6 };
    }
  }
  const started = ns.clock.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: HttpGetResult | HttpGetError): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      resolve(r);
    };
    const timer = ns.clock.setTimeout(() => {
      req.destroy();
      finish({ error: `Operation timed out after ${opts.timeoutMs} milliseconds`, code: 28 });
    }, opts.timeoutMs);
    const req = request({
      method: 'GET',
      host: ip,
      port,
      path: `${url.pathname}${url.search}`,
      headers: { Host: url.host, 'User-Agent': 'kemu-curl', Accept: '*/*' },
      // No `agent` at all: with `agent: false` node makes a one-off Agent that ignores
      // createConnection and dials the real network. The connection must be kemu's.
      // curl sets TCP_NODELAY (since 7.50.2).
      createConnection: () => TcpLayer.of(ns).connect({ host: ip, port, noDelay: true }) as never,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      res.on('data', (chunk: Buffer) => {
        if (size >= opts.maxBodyBytes) {
          truncated = true;
          return;
        }
        chunks.push(chunk.subarray(0, opts.maxBodyBytes - size));
        size += Math.min(chunk.length, opts.maxBodyBytes - size);
        if (size >= opts.maxBodyBytes && chunk.length > 0) truncated = true;
      });
      res.on('end', () => finish({
        url: url.toString(),
        remote: `${ip}:${port}`,
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers: res.headers as Record<string, string | string[]>,
        body: Buffer.concat(chunks).toString('utf8'),
        truncated,
        elapsedMs: ns.clock.now() - started,
      }));
      res.on('error', (err) => finish({ error: `Recv failure: ${err.message}`, code: 56 }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code;
      if (code === 'ECONNREFUSED') finish({ error: `Failed to connect to ${ip} port ${port}: Connection refused`, code: 7, errno: code });
      else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') finish({ error: `Failed to connect to ${ip} port ${port}: No route to host`, code: 7, errno: code });
      else if (code === 'ETIMEDOUT') finish({ error: `Failed to connect to ${ip} port ${port}: Connection timed out`, code: 28, errno: code });
      else if (code === 'ECONNRESET') finish({ error: 'Recv failure: Connection reset by peer', code: 56, errno: code });
      else finish({ error: err.message, code: 56, ...(code ? { errno: code } : {}) });
    });
    req.end();
  });
}
