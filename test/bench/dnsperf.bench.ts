/**
 * DNS with the issue's own tool: `dnsperf` (Debian package dnsperf) against kemu's real UDP
 * listener (kubeadm's default Corefile over a real API, A of a ClusterIP Service) ÷ dnsperf against a
 * raw node:dgram server in this process that answers each query with its own bytes and the QR bit
 * set (so dnsperf counts it as a response). Same dnsperf settings, runs alternating, median of the
 * per-pair ratios. dnsperf runs as a child process, so the server side has this process to itself.
 * Goal (issue #8): qps ratio ≥ 0.75; dnsperf reports average latency (no p99), shown as a ratio too.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InformerFactory } from '../../src/api/client/factory.js';
import { ClusterDns } from '../../src/dns/cluster-dns.js';
import { RealClock } from '../../src/util/clock.js';
import { OBJECTS } from '../dns/objects.js';
import { startTestApi } from '../support/api.js';
import type { BenchResult } from './harness.js';

const exec = promisify(execFile);
const ROUNDS = 4;
const SECONDS = 3;
const OUTSTANDING = 32;

interface PerfRun { qps: number; avgMs: number; lost: number }

async function dnsperf(port: number, queryFile: string): Promise<PerfRun> {
  const { stdout } = await exec('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queryFile, '-l', String(SECONDS), '-c', '1', '-q', String(OUTSTANDING)], { maxBuffer: 1 << 20 });
  const num = (re: RegExp): number => Number(re.exec(stdout)?.[1] ?? NaN);
  return { qps: num(/Queries per second:\s+([\d.]+)/), avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000, lost: num(/Queries lost:\s+(\d+)/) };
}

async function reflector(): Promise<{ port: number; close(): Promise<void> }> {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => {
    m[2] = m[2]! | 0x80; // QR: a response, the question echoed
    s.send(m, r.port, r.address);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return { port: s.address().port, close: () => new Promise((r) => s.close(() => r())) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchResult> {
  await exec('dnsperf', ['-h']).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new Error('dnsperf is not installed (apt-get install dnsperf)');
  });
  const dir = await mkdtemp(join(tmpdir(), 'kemu-dnsperf-'));
  const queryFile = join(dir, 'queries');
  await writeFile(queryFile, 'svc1.testns.svc.cluster.local A\n');
  const api = await startTestApi();
  for (const o of OBJECTS) {
    const resource = o.kind === 'Namespace' ? 'namespaces' : o.kind === 'Service' ? 'services' : o.kind === 'Pod' ? 'pods' : 'endpointslices';
    await api.client.create(resource, o);
  }
  const clock = new RealClock();
  const dns = new ClusterDns({ factory: new InformerFactory(api.client, clock), clock, dnsDomain: 'cluster.local', dns: { upstreams: [], cacheSeconds: 30, ttl: 30 } });
  const dnsPort = (await dns.start()).udpPort;
  const echo = await reflector();
  const pairs: Array<{ kemu: PerfRun; echo: PerfRun }> = [];
  try {
    await dnsperf(dnsPort, queryFile); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      const first = r % 2 === 0;
      const a = await dnsperf(first ? echo.port : dnsPort, queryFile);
      const b = await dnsperf(first ? dnsPort : echo.port, queryFile);
      pairs.push(first ? { echo: a, kemu: b } : { kemu: a, echo: b });
    }
  } finally {
    await echo.close();
    await dns.stop();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
  const ratio = median(pairs.map((p) => p.kemu.qps / p.echo.qps));
  const latency = median(pairs.map((p) => p.kemu.avgMs / p.echo.avgMs));
  return {
    name: `dnsperf (${OUTSTANDING} outstanding, ${SECONDS} s) A of a ClusterIP Service on the real UDP listener`,
    ratioLabel: 'kemu qps / raw dgram reflector qps (dnsperf both)',
    ratio,
    goal: '≥ 0.75',
    pass: ratio >= 0.75,
    details: {
      kemu_qps: Math.round(median(pairs.map((p) => p.kemu.qps))),
      echo_qps: Math.round(median(pairs.map((p) => p.echo.qps))),
      avg_latency_ratio: Number(latency.toFixed(3)),
      kemu_avg_ms: Number(median(pairs.map((p) => p.kemu.avgMs)).toFixed(3)),
      kemu_lost: pairs.reduce((a, p) => a + p.kemu.lost, 0),
    },
  };
}
