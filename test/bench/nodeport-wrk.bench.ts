/**
 * Keep-alive HTTP requests/s through a NodePort, measured by wrk (Debian package wrk) against kemu as
 * users run it (`kemu up`, the built code, its own process): wrk → the node's real address 127.x.y.N:30080 → spliced into the emulation from the node's gateway → kube-proxy's DNAT
 * on the node → flannel VXLAN when the endpoint is on another node → an emulated agnhost netexec pod
 * (kemu TCP) and back. Baseline in the same run: wrk → HAProxy in TCP mode (Debian package haproxy)
 * balancing round robin over three node:http servers in this process answering the same body — the
 * same load and the same single-threaded server process, without the emulated network. Three
 * rounds of 3 s each, alternating; the ratio is of the medians.
 * Goal (issue #7): kemu ÷ HAProxy ≥ 0.5.
 */
import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kemuUp } from '../support/kemu-process.js';
import type { BenchResult } from './harness.js';
import { freePort } from '../support/net.js';
import { netexecDeployment, serviceManifest, topologyHeader } from '../support/manifests.js';

const exec = promisify(execFile);
const CONNECTIONS = 16;
const SECONDS = 3;
const ROUNDS = 3;

const TOPOLOGY = topologyHeader('wrk', { speed: 10 }) + netexecDeployment('web', 3, { args: '[netexec, --http-port=8080]', ports: '[{name: http, containerPort: 8080}]' })
  + serviceManifest('web', '[{port: 80, targetPort: http, nodePort: 30080}]', { type: 'NodePort' });

async function wrk(url: string, seconds = SECONDS): Promise<{ rps: number; errors: number }> {
  const { stdout } = await exec('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, url], { maxBuffer: 1 << 20 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1];
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return { rps, errors: Number(errors ?? 0) + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0) };
}

/** HAProxy (mode tcp, roundrobin) in front of three node:http servers of this process; stop() cleans up. */
async function startHaproxy(): Promise<{ url: string; stop(): Promise<void> }> {
  const servers = await Promise.all([0, 1, 2].map(async (i) => {
    const s = http.createServer((_req, res) => res.end(`web-${i}`));
    s.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    return s;
  }));
  const dir = await mkdtemp(join(tmpdir(), 'kemu-haproxy-'));
  const port = await freePort('127.0.0.1');
  const cfg = join(dir, 'haproxy.cfg');
  await writeFile(cfg, [
    'global', '  maxconn 4096', 'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 60s', '  timeout server 60s',
    'frontend fe', `  bind 127.0.0.1:${port}`, '  default_backend be',
    'backend be', '  balance roundrobin',
    ...servers.map((s, i) => `  server s${i} 127.0.0.1:${(s.address() as AddressInfo).port}`),
  ].join('\n') + '\n');
  const proc = spawn('haproxy', ['-f', cfg, '-db'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) { // until it listens
    const ok = await new Promise<boolean>((r) => http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => { res.resume(); r(true); }).on('error', () => r(false)));
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}/hostname`,
    stop: async () => {
      proc.kill('SIGTERM');
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `kemu up` is ready before the Deployment's pods are: waits until the NodePort answers 200. */
async function untilServing(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await new Promise<number>((r) => http.get(url, { agent: false }, (res) => { res.resume(); r(res.statusCode ?? 0); }).on('error', () => r(0)));
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchResult> {
  for (const tool of ['wrk', 'haproxy']) {
    await exec(tool, ['-v']).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new Error(`${tool} is not installed (apt-get install ${tool})`);
    });
  }
  const up = await kemuUp(TOPOLOGY);
  // Rounds alternate baseline and kemu, and the ratio is of the medians: on a shared machine a
  // neighbour's burst then lands on both sides rather than on whichever ran during it.
  const kemu: Array<{ rps: number; errors: number }> = [];
  const base: Array<{ rps: number; errors: number }> = [];
  const haproxy = await startHaproxy();
  try {
    const w1 = (up.status.nodes as Array<{ name: string; address: string }>).find((n) => n.name === 'w1')!;
    await untilServing(`http://${w1.address}:30080/hostname`);
    await wrk(`http://${w1.address}:30080/hostname`, 2); // warm-up (ARP, conntrack, JIT)
    for (let r = 0; r < ROUNDS; r++) {
      base.push(await wrk(haproxy.url));
      kemu.push(await wrk(`http://${w1.address}:30080/hostname`));
    }
  } finally {
    await haproxy.stop();
    await up.stop();
  }
  const kemuRps = median(kemu.map((k) => k.rps));
  const baseRps = median(base.map((b) => b.rps));
  const ratio = kemuRps / baseRps;
  return {
    name: `wrk -c${CONNECTIONS} keep-alive GET through a NodePort on w1 (3 netexec pods on two nodes, flannel VXLAN, iptables)`,
    ratioLabel: 'kemu NodePort requests/s ÷ HAProxy (TCP mode) to 3 local node:http servers',
    ratio,
    goal: '≥ 0.5',
    pass: ratio >= 0.5,
    details: {
      kemu_rps: Math.round(kemuRps), haproxy_rps: Math.round(baseRps),
      kemu_rounds: kemu.map((k) => Math.round(k.rps)).join('/'), haproxy_rounds: base.map((b) => Math.round(b.rps)).join('/'),
      kemu_errors: kemu.reduce((a, k) => a + k.errors, 0), haproxy_errors: base.reduce((a, b) => a + b.errors, 0),
    },
  };
}
