/**
 * DNS over the real UDP listener: queries per second and p99 latency of kemu's server (kubeadm's
 * default Corefile over a real API: errors, loadbalance, cache 30 with the cluster domain
 * disabled, kubernetes) answering A for a ClusterIP Service ÷ a raw node:dgram echo server
 * answering the same client, with the same query bytes, in the same run. The client
 * runs in a worker thread (its own event loop, the other core) and keeps a window of queries in
 * flight. Each round measures echo and DNS back to back (order alternating), and the ratios are
 * taken per round, then the median — the machine's load drifts, a pair shares it. Goals: qps
 * ratio ≥ 0.75 and p99 ≤ 1.5× the echo's. Also reported: a headless Service with three endpoints,
 * whose answer loadbalance rotates, so every reply is encoded afresh (against that round's echo).
 */
import dgram from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { InformerFactory } from '../../src/api/client/factory.js';
import { RealClock } from '../../src/util/clock.js';
import { ClusterDns } from '../../src/dns/cluster-dns.js';
import { startTestApi } from '../support/api.js';
import { query } from '../dns/fixture.js';
import { OBJECTS } from '../dns/objects.js';
import type { BenchResult } from './harness.js';

const WINDOW = 32;
const WARMUP_MS = 300;
const MEASURE_MS = 1500;
const ROUNDS = 5;
const QNAME = 'svc1.testns.svc.cluster.local';
const HEADLESS = 'hdls1.testns.svc.cluster.local';

/** The client, as plain JS for an eval'd worker: windowed sends, IDs as slots, lost queries replaced. */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const { performance } = require('node:perf_hooks');
const { port, window, warmupMs, measureMs } = workerData;
const base = Buffer.from(workerData.query);
const sock = dgram.createSocket('udp4');
const sentAt = new Map();
let nextId = 0, measuring = false, stopping = false, count = 0, total = 0;
const lat = [];
function send() {
  const id = nextId = (nextId + 1) & 0xffff;
  const b = Buffer.from(base);
  b.writeUInt16BE(id, 0);
  sentAt.set(id, performance.now());
  sock.send(b, port, '127.0.0.1');
}
sock.on('message', (m) => {
  const id = m.readUInt16BE(0);
  const t = sentAt.get(id);
  if (t === undefined) return;
  sentAt.delete(id);
  total++;
  if (measuring) { count++; lat.push(performance.now() - t); }
  if (!stopping) send();
});
// A lost datagram must not shrink the window for good.
const sweep = setInterval(() => {
  const now = performance.now();
  for (const [id, t] of sentAt) if (now - t > 500) { sentAt.delete(id); if (!stopping) send(); }
}, 50);
sock.bind(0, '127.0.0.1', () => {
  for (let i = 0; i < window; i++) send();
  setTimeout(() => {
    measuring = true;
    const start = performance.now();
    setTimeout(() => {
      measuring = false; stopping = true;
      const secs = (performance.now() - start) / 1000;
      clearInterval(sweep);
      lat.sort((a, b) => a - b);
      const p = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] || 0;
      parentPort.postMessage({ qps: count / secs, p50: p(0.5), p99: p(0.99), total });
      sock.close();
    }, measureMs);
  }, warmupMs);
});
`;

interface Sample {
  qps: number;
  p50: number;
  p99: number;
  /** Server (main event loop) busy time per query, µs: what the server spends, whatever the load. */
  busyUs: number;
}

function runClient(port: number, msg: Buffer): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const w = new Worker(CLIENT, { eval: true, workerData: { port, query: msg, window: WINDOW, warmupMs: WARMUP_MS, measureMs: MEASURE_MS } });
    const elu = performance.eventLoopUtilization();
    w.once('message', (m: Omit<Sample, 'busyUs'> & { total: number }) => {
      const busyMs = performance.eventLoopUtilization(elu).active;
      resolve({ qps: m.qps, p50: m.p50, p99: m.p99, busyUs: (busyMs * 1000) / m.total });
      void w.terminate();
    });
    w.once('error', reject);
  });
}

async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => s.send(m, r.port, r.address));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return { port: s.address().port, close: () => new Promise((r) => s.close(() => r())) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchResult> {
  const api = await startTestApi();
  for (const o of OBJECTS) {
    const resource = o.kind === 'Namespace' ? 'namespaces' : o.kind === 'Service' ? 'services' : o.kind === 'Pod' ? 'pods' : 'endpointslices';
    await api.client.create(resource, o);
  }
  const clock = new RealClock();
  const factory = new InformerFactory(api.client, clock);
  const dnsConfig = { upstreams: [], cacheSeconds: 30, ttl: 30 };
  const dns = new ClusterDns({ factory, clock, dnsDomain: 'cluster.local', dns: dnsConfig });
  const dnsPort = (await dns.start()).udpPort;
  const echo = await echoServer();
  const msg = query(QNAME, 'A');
  const headless = query(HEADLESS, 'A');

  const echoRuns: Sample[] = [];
  const dnsRuns: Sample[] = [];
  const rawRuns: Sample[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) echoRuns.push(await runClient(echo.port, msg));
    dnsRuns.push(await runClient(dnsPort, msg));
    rawRuns.push(await runClient(dnsPort, headless));
    if (r % 2 === 1) echoRuns.push(await runClient(echo.port, msg));
  }
  await echo.close();
  await dns.stop();
  factory.stop();
  await api.close();

  const per = (runs: Sample[], f: (s: Sample, e: Sample) => number) => median(runs.map((s, i) => f(s, echoRuns[i]!)));
  const ratio = per(dnsRuns, (d, e) => d.qps / e.qps);
  const p99Ratio = per(dnsRuns, (d, e) => d.p99 / e.p99);
  const pick = (runs: Sample[], k: keyof Sample) => median(runs.map((s) => s[k]));
  return {
    name: `DNS A queries over UDP, window ${WINDOW}`,
    ratioLabel: 'kemu DNS qps / raw dgram echo qps',
    ratio,
    goal: '≥ 0.75, p99 ≤ 1.5× echo',
    pass: ratio >= 0.75 && p99Ratio <= 1.5,
    details: {
      dns_qps: Math.round(pick(dnsRuns, 'qps')),
      echo_qps: Math.round(pick(echoRuns, 'qps')),
      dns_p50_ms: pick(dnsRuns, 'p50'),
      echo_p50_ms: pick(echoRuns, 'p50'),
      dns_p99_ms: pick(dnsRuns, 'p99'),
      echo_p99_ms: pick(echoRuns, 'p99'),
      p99_ratio: p99Ratio,
      dns_server_us_per_query: pick(dnsRuns, 'busyUs'),
      echo_server_us_per_query: pick(echoRuns, 'busyUs'),
      headless_server_us_per_query: pick(rawRuns, 'busyUs'),
      headless_qps: Math.round(pick(rawRuns, 'qps')),
      headless_ratio: per(rawRuns, (n, e) => n.qps / e.qps),
      headless_p99_ratio: per(rawRuns, (n, e) => n.p99 / e.p99),
    },
  };
}
