/**
 * kube-proxy (iptables mode) rule programming at scale: 20 nodes, each an IptablesProxier with its
 * own Ruleset, 10,000 Services of one TCP port with 2 endpoints each. Measured in one run:
 *  - change: p99 over CHANGES EndpointSlice updates of the time from delivering the update to all
 *    20 proxiers (their informer handlers) until all 20 have restored their rules (the runner's
 *    zero-delay timer fired; the min-sync-period wait is not counted: it is policy, not work);
 *  - baseline: one full rebuild of the same 20 nodes (forceFullSync, every chain rewritten), median
 *    of FULLS.
 * Times are this process's CPU time (user + system; the machines are shared, wall time mostly
 * measures the neighbours), each measurement starting after a forced GC so one does not pay for
 * the garbage of the one before. Goal: p99 change ÷ full rebuild ≤ 0.25.
 * Sizes: KEMU_BENCH_NODES, KEMU_BENCH_SERVICES, KEMU_BENCH_CHANGES.
 */
import { Ruleset } from '../../src/dataplane/netfilter/index.js';
import { IptablesProxier } from '../../src/proxy/iptables/proxier.js';
import { FakeClock } from '../../src/util/clock.js';
import { ep, service, slice, withEndpoints } from '../proxy/fixtures.js';
import { type BenchResult, ms } from './harness.js';

/** This process's CPU time so far, in ms. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

const NODES = Number(process.env.KEMU_BENCH_NODES ?? 20);
const SERVICES = Number(process.env.KEMU_BENCH_SERVICES ?? 10_000);
const CHANGES = Number(process.env.KEMU_BENCH_CHANGES ?? 50);
const FULLS = 3;

const ip = (base: number, i: number): string => `10.${base + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

export async function run(): Promise<BenchResult> {
  const clock = new FakeClock();
  const proxiers: IptablesProxier[] = [];
  for (let n = 0; n < NODES; n++) {
    proxiers.push(new IptablesProxier({
      nodeName: `node-${n}`, nodeIPs: [`172.18.${n >> 8}.${(n & 255) + 10}`], clusterCIDR: '10.244.0.0/16', ruleset: new Ruleset(), clock,
      minSyncPeriodMs: 1000, syncPeriodMs: 3_600_000,
    }));
  }
  const slices = [];
  const setupStart = process.hrtime.bigint();
  for (let i = 0; i < SERVICES; i++) {
    const svc = service('bench', `svc-${i}`, { clusterIP: ip(96, i), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    const sl = slice('bench', `svc-${i}`, `svc-${i}-a`, [ep(ip(200, 2 * i), `node-${i % NODES}`), ep(ip(200, 2 * i + 1), `node-${(i + 1) % NODES}`)], [{ name: 'http', port: 8080 }]);
    slices.push(sl);
    for (const p of proxiers) {
      p.onServiceAdd(svc);
      p.onEndpointSliceAdd(sl);
    }
  }
  for (const p of proxiers) {
    p.start();
    p.onServicesSynced();
    p.onEndpointSlicesSynced();
  }
  clock.advance(0);
  const setupMs = ms(setupStart);
  if (proxiers.some((p) => p.lastSync?.services !== SERVICES)) throw new Error('initial sync incomplete');
  clock.advance(1000);

  const fulls: number[] = [];
  for (let f = 0; f < FULLS; f++) {
    gc();
    const start = cpuMs();
    for (const p of proxiers) p.forceFullSync();
    clock.advance(0);
    fulls.push(cpuMs() - start);
    if (proxiers.some((p) => !p.lastSync?.full)) throw new Error('not a full sync');
    clock.advance(1000);
  }
  fulls.sort((a, b) => a - b);
  const full = fulls[Math.floor(FULLS / 2)]!;

  const changes: number[] = [];
  let seed = 12345;
  for (let c = 0; c < CHANGES; c++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const i = seed % SERVICES;
    const old = slices[i]!;
    const next = withEndpoints(old, [ep(ip(200, 2 * i), `node-${i % NODES}`), ep(ip(210, c), `node-${c % NODES}`)]);
    slices[i] = next;
    const runs = proxiers.map((p) => p.runner.runs);
    gc();
    const start = cpuMs();
    for (const p of proxiers) p.onEndpointSliceUpdate(old, next);
    clock.advance(0);
    changes.push(cpuMs() - start);
    if (proxiers.some((p, k) => p.runner.runs !== runs[k]! + 1 || p.lastSync?.full !== false)) throw new Error('expected one partial sync per node');
    clock.advance(1000);
  }
  changes.sort((a, b) => a - b);
  const p99 = changes[Math.min(CHANGES - 1, Math.floor(0.99 * CHANGES))]!;
  const p50 = changes[Math.floor(0.5 * CHANGES)]!;
  const ratio = p99 / full;
  for (const p of proxiers) p.stop();
  return {
    name: `kube-proxy-sync (iptables, ${NODES} nodes × ${SERVICES} services)`,
    ratioLabel: 'p99 change→rules on all nodes ÷ full rebuild of all nodes (CPU time)',
    ratio,
    goal: '≤ 0.25',
    pass: ratio <= 0.25,
    details: {
      p50_ms: p50, p99_ms: p99, full_ms: full, per_node_full_ms: full / NODES, per_node_p99_ms: p99 / NODES,
      lines_per_partial: proxiers[0]!.lastSync!.lines, setup_ms: setupMs,
    },
  };
}
