/**
 * ClusterIP connection rate through kube-proxy's iptables rules, with 10,000 Services loaded ÷ with
 * 10: a pod on n1 opens kemu TCP connections to a ClusterIP whose one endpoint is a pod on n2
 * (flannel-style VXLAN, in-memory underlay, virtual time so only CPU counts), WINDOW at a time,
 * each connect then close; both hosts run an IptablesProxier. The rules' dispatch index should
 * make the number of Services irrelevant to a packet. Rates are per second of this process's CPU
 * time (user + system): the machines are shared and wall time mostly measures the neighbours.
 * Rounds alternate which lab goes first; the ratio is taken per round, then the median.
 * Goal ≥ 0.95. Sizes: KEMU_BENCH_SERVICES.
 */
import { TcpLayer, type TcpSocket } from '../../src/dataplane/tcp/index.js';
import { IptablesProxier } from '../../src/proxy/iptables/proxier.js';
import { SimClock, twoPods } from '../dataplane/tcp/support.js';
import { ep, service, slice } from '../proxy/fixtures.js';
import { type BenchResult, ms } from './harness.js';

/** This process's CPU time so far, in ms. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const MANY = Number(process.env.KEMU_BENCH_SERVICES ?? 10_000);
const FEW = 10;
const CONNECTIONS = 1500;
const WINDOW = 16;
const ROUNDS = 7;
const CLUSTER_IP = '10.96.0.80';
let lastWallRate = 0;

interface Lab {
  services: number;
  connect(n: number): Promise<number>;
  stop(): Promise<void>;
}

async function lab(services: number): Promise<Lab> {
  const clock = new SimClock();
  const { net, a, b } = await twoPods({ clock, kind: 'memory' });
  const proxiers = ['n1', 'n2'].map((name) => new IptablesProxier({
    nodeName: name, nodeIPs: [net.node(name).eth0.address], clusterCIDR: '10.244.0.0/16', ruleset: net.node(name).netfilter.ruleset, clock,
    minSyncPeriodMs: 1000, syncPeriodMs: 3_600_000,
  }));
  for (const p of proxiers) {
    p.onServiceAdd(service('default', 'web', { clusterIP: CLUSTER_IP, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
    p.onEndpointSliceAdd(slice('default', 'web', 'web-1', [ep('10.244.1.2', 'n2')], [{ name: 'http', port: 8080 }]));
    for (let i = 1; i < services; i++) {
      p.onServiceAdd(service('bulk', `svc-${i}`, { clusterIP: `10.97.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
      p.onEndpointSliceAdd(slice('bulk', `svc-${i}`, `svc-${i}-a`, [ep(`10.245.${i >> 8}.${i & 255}`, 'n2')], [{ name: 'http', port: 8080 }]));
    }
    p.start();
    p.onServicesSynced();
    p.onEndpointSlicesSynced();
  }
  await clock.advance(10);
  if (proxiers.some((p) => p.lastSync?.services !== services)) throw new Error('rules not loaded');
  const server = TcpLayer.of(b.ns).listen(8080);
  server.on('connection', (s: TcpSocket) => {
    s.on('error', () => s.destroy());
    s.resume();
  });
  const client = TcpLayer.of(a.ns);
  return {
    services,
    /** n connect+close, WINDOW in flight; connections per wall-clock second. */
    async connect(n: number): Promise<number> {
      let started = 0;
      let done = 0;
      let failed = 0;
      const one = (): void => {
        started++;
        const s = client.connect({ host: CLUSTER_IP, port: 80 });
        s.on('connect', () => s.end());
        s.resume(); // read to the peer's FIN, so the socket closes
        s.on('error', () => failed++);
        s.on('close', () => {
          done++;
          if (started < n) one();
        });
      };
      (globalThis as { gc?: () => void }).gc?.(); // start each run without the other lab's garbage
      const wall = process.hrtime.bigint();
      const cpu = cpuMs();
      for (let i = 0; i < WINDOW; i++) one();
      await clock.run(() => done >= n, 3_600_000);
      const rate = n / ((cpuMs() - cpu) / 1000);
      lastWallRate = n / (ms(wall) / 1000);
      if (failed > 0) throw new Error(`${failed} connections failed`);
      return rate;
    },
    async stop() {
      server.close();
      for (const p of proxiers) p.stop();
      await net.stop();
    },
  };
}

export async function run(): Promise<BenchResult> {
  const few = await lab(FEW);
  const many = await lab(MANY);
  try {
    await few.connect(200); // warm-up: JIT, pools
    await many.connect(200);
    const ratios: number[] = [];
    const rates = { few: [] as number[], many: [] as number[] };
    const wall = { few: [] as number[], many: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [few, many] : [many, few];
      const got = new Map<Lab, number>();
      for (const l of order) {
        got.set(l, await l.connect(CONNECTIONS));
        (l === few ? wall.few : wall.many).push(lastWallRate);
      }
      rates.few.push(got.get(few)!);
      rates.many.push(got.get(many)!);
      ratios.push(got.get(many)! / got.get(few)!);
      if (process.env.KEMU_BENCH_VERBOSE) process.stderr.write(`round ${r}: few ${got.get(few)!.toFixed(0)} many ${got.get(many)!.toFixed(0)} (${order[0] === few ? "few" : "many"} first)\n`);
    }
    const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const ratio = median(ratios);
    return {
      name: `kube-proxy-connect (iptables, ClusterIP connect+close, ${MANY} vs ${FEW} services)`,
      ratioLabel: `conns per CPU-second with ${MANY} ÷ with ${FEW}`,
      ratio,
      goal: '≥ 0.95',
      pass: ratio >= 0.95,
      details: {
        conns_per_cpu_s_few: median(rates.few), conns_per_cpu_s_many: median(rates.many),
        wall_conns_per_s_few: median(wall.few), wall_conns_per_s_many: median(wall.many),
        rounds: ROUNDS, connections: CONNECTIONS, window: WINDOW,
      },
    };
  } finally {
    await few.stop();
    await many.stop();
  }
}
