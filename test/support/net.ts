/** Real sockets for the tests that run real daemons and clients beside kemu. */
import { type Socket, createSocket } from 'node:dgram';
import { get } from 'node:http';
import * as net from 'node:net';

/** A TCP port free on `host` a moment ago (the kernel's pick for an ephemeral listener, closed again). */
export async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A real HTTP GET on a new connection (from `localAddress`, default 127.0.0.1); rejects after `timeoutMs`. */
export function realGet(url: string, opts: { localAddress?: string; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, localAddress: opts.localAddress ?? '127.0.0.1' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(new Error('timeout')));
  });
}

/**
 * One datagram from a new real socket bound to `from` (default 127.0.0.1) to `to:port`, and the
 * first answer as text — undefined after `waitMs`. The socket joins `sockets` for the caller to close.
 */
export async function udpExchange(payload: string, to: string, port: number, sockets: Socket[], opts: { from?: string; waitMs?: number } = {}): Promise<string | undefined> {
  const s = createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, opts.from ?? '127.0.0.1', () => r()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), opts.waitMs ?? 3000);
    s.once('message', (msg) => {
      clearTimeout(timer);
      resolve(msg.toString());
    });
    s.send(payload, port, to);
  });
}
