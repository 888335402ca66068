/**
 * `kemu port-forward pod/NAME [LOCAL:]REMOTE ...`: kubectl port-forward for emulated pods. Listens on
 * 127.0.0.1:LOCAL (an ephemeral port for ":REMOTE"); each connection opens a websocket to the
 * running cluster, which connects inside the pod to 127.0.0.1:REMOTE over kemu's TCP. Runs until
 * Ctrl-C, printing kubectl's lines.
 */
import { type Server, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { WebSocket, createWebSocketStream } from 'ws';
import { EXTENSION_PREFIX } from '../lab/extension-api.js';
import { DEFAULT_KUBECONFIG, serverFromKubeconfig } from './kubeconfig.js';

interface PortForwardOptions {
  kubeconfig: string;
  namespace: string;
  address: string;
}

export interface PortMapping {
  local: number;
  remote: number;
}

export function parsePortMapping(spec: string): PortMapping {
  const m = /^(?:(\d*):)?(\d+)$/.exec(spec);
  const local = m?.[1] === undefined ? Number(m?.[2]) : m[1] === '' ? 0 : Number(m[1]);
  const remote = Number(m?.[2]);
  if (m === null || !(local >= 0 && local <= 65535) || !(remote >= 1 && remote <= 65535)) {
    throw new Error(`invalid port mapping "${spec}" (REMOTE, LOCAL:REMOTE or :REMOTE)`);
  }
  return { local, remote };
}

export function registerPortForwardCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('port-forward')
    .description('forward local ports to a pod of the emulation (like kubectl port-forward)')
    .argument('<pod>', 'pod/NAME or NAME')
    .argument('<ports...>', 'LOCAL:REMOTE, REMOTE (same local port) or :REMOTE (any free local port)')
    .option('-n, --namespace <ns>', 'the pod\'s namespace', 'default')
    .option('--address <ip>', 'local address to listen on (loopback only)', '127.0.0.1')
    .option('--kubeconfig <path>', 'kubeconfig written by `kemu up`', DEFAULT_KUBECONFIG)
    .addHelpText('after', '\nExamples:\n  kemu port-forward pod/web-7d4b9c-abcde 8080:8080\n  kemu port-forward web-7d4b9c-abcde :8080 -n shop\n  curl http://127.0.0.1:8080/hostname')
    .action(async (pod: string, ports: string[], opts: PortForwardOptions) => setExit(await portForwardCommand(pod, ports, opts)));
}

export async function portForwardCommand(pod: string, specs: string[], opts: PortForwardOptions): Promise<number> {
  let mappings: PortMapping[];
  try {
    if (!/^127\./.test(opts.address)) throw new Error(`--address must be a loopback address (got ${opts.address})`);
    mappings = specs.map(parsePortMapping);
  } catch (err) {
    process.stderr.write(`kemu: ${(err as Error).message}\n`);
    return 2;
  }
  const name = pod.replace(/^pods?\//, '');
  let server: string;
  try {
    server = await serverFromKubeconfig(opts.kubeconfig);
  } catch (err) {
    process.stderr.write(`kemu: ${(err as Error).message}\n`);
    return 1;
  }
  const wsBase = server.replace(/^http/, 'ws') + `${EXTENSION_PREFIX}/namespaces/${encodeURIComponent(opts.namespace)}/pods/${encodeURIComponent(name)}/portforward`;
  const servers: Server[] = [];
  try {
    for (const m of mappings) servers.push(await forward(opts.address, m, `${wsBase}?port=${m.remote}`));
  } catch (err) {
    for (const s of servers) s.close();
    process.stderr.write(`kemu: ${(err as Error).message}\n`);
    return 1;
  }
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  for (const s of servers) s.close();
  return 0;
}

function forward(address: string, m: PortMapping, url: string): Promise<Server> {
  const server = createServer((local) => {
    process.stdout.write(`Handling connection for ${(server.address() as AddressInfo).port}\n`);
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const remote = createWebSocketStream(ws);
    ws.on('close', (code, reason) => {
      if (code !== 1000 && code !== 1005) process.stderr.write(`E: port-forward to ${m.remote} failed: ${reason.toString() || `websocket closed (${code})`}\n`);
    });
    local.pipe(remote).pipe(local);
    remote.on('error', () => local.destroy());
    local.on('error', () => remote.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(m.local, address, () => {
      process.stdout.write(`Forwarding from ${address}:${(server.address() as AddressInfo).port} -> ${m.remote}\n`);
      resolve(server);
    });
  });
}
