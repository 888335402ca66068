/**
 * `kemu port-forward`'s server side: a websocket per forwarded connection, spliced to a TCP
 * connection of kemu's stack opened inside the pod's network namespace to 127.0.0.1:PORT — where
 * kubelet's port-forward connects on a real node (so it works for apps bound to loopback too).
 * Binary websocket messages carry the bytes both ways; a close on either side closes the other.
 */
import type { WebSocket } from 'ws';
import { TcpLayer } from '../../dataplane/tcp/index.js';
import type { LabNetwork } from './network.js';

export function forwardToPod(net: LabNetwork, namespace: string, pod: string, port: number, ws: WebSocket): void {
  const attached = net.pods.get(`${namespace}/${pod}`);
  if (attached === undefined) {
    ws.close(1008, `pod ${namespace}/${pod} has no network namespace (not running?)`);
    return;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    ws.close(1008, `bad port ${port}`);
    return;
  }
  const emu = TcpLayer.of(attached.ns).connect({ host: '127.0.0.1', port });
  let open = true;
  const close = (code: number, reason: string): void => {
    if (!open) return;
    open = false;
    ws.close(code, reason.slice(0, 120));
  };
  emu.on('data', (chunk: Buffer) => {
    ws.send(chunk, { binary: true });
    // Backpressure: stop reading the pod while the websocket's buffer is full.
    if (ws.bufferedAmount > 1 << 20) {
      emu.pause();
      const resume = (): void => (ws.bufferedAmount > 1 << 18 ? void setTimeout(resume, 5) : void emu.resume());
      setTimeout(resume, 5);
    }
  });
  emu.on('end', () => close(1000, 'closed by the pod'));
  emu.on('error', (err: NodeJS.ErrnoException) => close(1011, `${err.code ?? 'error'}: ${err.message}`));
  ws.on('message', (data: Buffer) => emu.write(data));
  ws.on('close', () => {
    open = false;
    emu.end();
  });
  ws.on('error', () => emu.destroy());
}
