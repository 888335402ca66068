/**
 * Control-plane convergence at scale: 1,000 nodes, 5,000 Services each selecting a Deployment of 6
 * replicas (30,000 pods). From `Cluster.start()` to every node Ready with a podCIDR, every pod
 * Running and Ready and every Service's EndpointSlices complete. Goals: ≤ 30 s, ≤ 4 MB per node.
 * Baseline in the same run: writing the same final objects straight into a store (no controllers).
 * Also: the time from scaling one Deployment to its EndpointSlices matching (p50/max of 10).
 * The cluster runs with dataPlane 'control-plane': kubelets, controllers and the API, pods in the
 * in-memory runtime, no CNI agents, kube-proxies or emulated programs (those are data-plane costs,
 * measured by the packet-plane benchmarks).
 */
import { Cluster } from '../../src/lab/cluster.js';
import { fromTopology } from '../../src/lab/from-topology.js';
import { loadTopologyText } from '../../src/topology/load.js';
import { MemoryStore } from '../../src/api/store/memory.js';
import { ApiService } from '../../src/api/service/service.js';
import { RealClock } from '../../src/util/clock.js';
import type { EndpointSlice } from '../../src/api/types.js';
import { ms, type BenchResult } from './harness.js';

const NODES = Number(process.env['KEMU_BENCH_NODES'] ?? 1000);
const SERVICES = Number(process.env['KEMU_BENCH_SERVICES'] ?? 5000);
const REPLICAS = 6;

function topologyText(): string {
  const nodes = Array.from({ length: NODES }, (_, i) => `    - {name: node-${i}${i === 0 ? ', role: control-plane' : ''}}`).join('\n');
  const docs = [
    `apiVersion: kemu.dev/v1alpha1
kind: Topology
metadata: {name: scale}
spec:
  networking: {podSubnet: 100.64.0.0/10, serviceSubnet: 10.96.0.0/12, nodeCIDRMaskSize: 24}
  underlay:
    subnets: [{name: dc, cidr: 172.16.0.0/16}]
  nodes:
${nodes}`,
  ];
  for (let i = 0; i < SERVICES; i++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${i}}
spec:
  replicas: ${REPLICAS}
  selector: {matchLabels: {app: app-${i}}}
  template:
    metadata: {labels: {app: app-${i}}}
    spec:
      containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.47, args: [netexec, --http-port=8080], ports: [{name: http, containerPort: 8080}]}]`);
    docs.push(`apiVersion: v1
kind: Service
metadata: {name: app-${i}}
spec:
  selector: {app: app-${i}}
  ports: [{port: 80, targetPort: http}]`);
  }
  return docs.join('\n---\n');
}

function heapMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

/** Writing the converged objects directly: what the controllers' work costs at least. */
function baselineWrites(): number {
  const service = new ApiService({ store: new MemoryStore(), clock: new RealClock(), serviceSubnet: '10.96.0.0/12' });
  service.create('namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const start = process.hrtime.bigint();
  for (let n = 0; n < NODES; n++) service.create('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${n}` }, spec: { podCIDR: `100.${64 + (n >> 8)}.${n & 255}.0/24` } });
  for (let i = 0; i < SERVICES; i++) {
    service.create('services', 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: `app-${i}` }, spec: { selector: { app: `app-${i}` }, ports: [{ port: 80 }] } });
    const ips: string[] = [];
    for (let r = 0; r < REPLICAS; r++) {
      const k = i * REPLICAS + r;
      const ip = `100.${64 + ((k >> 16) & 63)}.${(k >> 8) & 255}.${k & 255}`;
      ips.push(ip);
      service.create('pods', 'default', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `app-${i}-${r}`, labels: { app: `app-${i}` } },
        spec: { nodeName: `node-${k % NODES}`, containers: [{ name: 'c', image: 'x' }] },
      });
    }
    service.create('endpointslices', 'default', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `app-${i}-x`, labels: { 'kubernetes.io/service-name': `app-${i}` } },
      addressType: 'IPv4',
      endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    });
  }
  return ms(start);
}

export async function run(): Promise<BenchResult> {
  const baseline = baselineWrites();
  const heapBefore = heapMB();
  const loadStart = process.hrtime.bigint();
  const loaded = loadTopologyText(topologyText(), 'scale.yaml');
  if (!loaded.ok) throw new Error(`bench topology invalid: ${loaded.diagnostics[0]?.message}`);
  const loadMs = ms(loadStart);
  const cluster = new Cluster(fromTopology(loaded.value, { apiPort: 0 }), new RealClock(), undefined, { readyTimeoutMs: 600_000, dataPlane: 'control-plane' });
  const start = process.hrtime.bigint();
  await cluster.start();
  const convergeMs = ms(start);
  const ready = cluster.lastReadiness?.ready ?? false;
  const heapAfter = heapMB();
  const rssMB = process.memoryUsage().rss / 1e6;

  // Scale one Deployment up and time until its EndpointSlices list every new pod as ready.
  const latencies: number[] = [];
  for (let round = 0; round < 10; round++) {
    const replicas = REPLICAS + (round % 2 === 0 ? 2 : 0);
    const t0 = process.hrtime.bigint();
    await cluster.client.patch('deployments', 'default', 'app-0', 'merge', { spec: { replicas } }, 'scale');
    for (;;) {
      const slices = await cluster.client.list<EndpointSlice>('endpointslices', { namespace: 'default', labelSelector: 'kubernetes.io/service-name=app-0' });
      const n = slices.items.reduce((a, s) => a + s.endpoints.filter((e) => e.conditions?.ready && !e.conditions.terminating).length, 0);
      if (n === replicas) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    latencies.push(ms(t0));
  }
  latencies.sort((a, b) => a - b);
  await cluster.stop();
  const perNodeMB = (heapAfter - heapBefore) / NODES;
  const ratio = convergeMs / baseline;
  return {
    name: `control plane converges: ${NODES} nodes, ${SERVICES * REPLICAS} pods, ${SERVICES} services`,
    ratioLabel: 'converge time / direct store writes of the result',
    ratio,
    goal: '≤ 30 s and ≤ 4 MB per node (absolute goals from the issue)',
    pass: ready && convergeMs <= 30_000 && perNodeMB <= 4,
    details: {
      ready: String(ready),
      converge_s: convergeMs / 1000,
      baseline_writes_s: baseline / 1000,
      topology_load_s: loadMs / 1000,
      heap_mb_per_node: perNodeMB,
      rss_mb: rssMB,
      scale_to_endpoints_p50_ms: latencies[Math.floor(latencies.length / 2)]!,
      scale_to_endpoints_max_ms: latencies[latencies.length - 1]!,
    },
  };
}
