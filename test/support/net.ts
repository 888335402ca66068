/** Real sockets for the tests that run real daemons and clients beside kemu. */
import * as net from 'node:net';

/** A TCP port free on `host` a moment ago (the kernel's pick for an ephemeral listener, closed again). */
export async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
