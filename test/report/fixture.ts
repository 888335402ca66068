/**
 * Run results for report tests, shaped like real ones from topologies/compare-two-racks.yaml (the
 * figures are those of a real compare, rounded): no cluster needed to test the table, JSON and HTML.
 */
import type { PathClass } from '../../src/topology/scenario-types.js';
import type { RunResult, StepData, StepResult } from '../../src/scenario/types.js';
import type { Encapsulation } from '../../src/scenario/measure/wire.js';
import type { BgpTraffic } from '../../src/scenario/measure/bgp-wire.js';
import { loadTopologyFile } from '../../src/topology/load.js';
import type { Topology } from '../../src/topology/types.js';

export async function compareTopology(): Promise<Topology> {
  const r = await loadTopologyFile(new URL('../../topologies/compare-two-racks.yaml', import.meta.url).pathname);
  if (!r.ok) throw new Error('compare-two-racks.yaml does not load');
  return r.value.topology;
}

const place = (node: string, ip: string, subnet = node === 'worker-a1' ? 'rack-a' : 'rack-b') => ({ target: `pod/${node}`, ip, node, subnet });

interface ModeFigures {
  mode: string;
  overhead: number;
  encap: Encapsulation;
  mtu: number;
  /** Cross-subnet pairs fail (host-gw, calico bgp). */
  crossSubnetFails?: boolean;
  /** calico cross-subnet: no encapsulation within a rack. */
  crossNodeOverhead?: number;
  steadyMbps: number;
  notBuilt?: string[];
  bgp?: boolean;
}

let index = 0;
function step(kind: StepResult['step'], label: string, data: StepData, status: StepResult['status'] = 'ok', background = false): StepResult {
  return { index: index++, step: kind, label, where: `compare-two-racks.yaml:${30 + index}:7`, status, summary: `${label} summary`, startedMs: index * 100, durationMs: 100, background, data };
}

export function fixtureRun(f: ModeFigures): RunResult {
  index = 0;
  const wire = (overhead: number) => ({ innerBytes: 84, outerBytes: 84 + overhead, overhead, encapsulation: overhead === 0 ? 'none' as const : f.encap, port: f.encap === 'vxlan' ? 8472 : null });
  const ping = (label: string, path: PathClass, to: string, ok: boolean, overhead: number | null): StepResult => step('ping', label, {
    kind: 'ping', from: place('worker-b1', '10.244.2.2'), to: place(to, '10.244.9.2'), path, sent: 20, received: ok ? 20 : 0,
    latencyMs: ok ? { samples: 20, min: 0.2, p50: path === 'same-node' ? 0.25 : 0.7, p99: 1.9, max: 2, mean: 0.5 } : null,
    errors: ok ? [] : ['20 of 20 requests got no reply within 500 ms'], wire: overhead === null ? null : wire(overhead),
    diagnosis: ok ? [] : ['worker-b1 has no route for 10.244.1.2 but the default one (default via 172.18.1.1 dev eth0)'],
  }, ok ? 'ok' : 'failed');
  const crossNode = f.crossNodeOverhead ?? f.overhead;
  const fails = f.crossSubnetFails === true;
  const cell = (a: string, b: string, path: PathClass, ok: boolean) => ({
    from: place(a, `10.0.0.${a.length}`), to: place(b, `10.0.1.${b.length}`), path, ok, received: ok ? 3 : 0, sent: 3, rttMs: ok ? 0.5 : null,
    reason: ok ? '' : `${a} cannot install "10.244.1.0/24 via 172.18.0.3": gateway 172.18.0.3 is not on-link (on none of ${a}'s subnets) <b>`,
  });
  const steps: StepResult[] = [
    step('wait-ready', 'ready', { kind: 'generic', detail: {} }),
    step('measure', 'state', {
      kind: 'measure', snapshot: {
        atMs: 300, nodes: ['control-plane', 'worker-a1', 'worker-b1', 'worker-b2'].map((node) => ({
          node, routes: 6, neighbours: 3, fdb: f.encap === 'vxlan' ? 3 : 0, natRules: 72, podMtus: node === 'control-plane' ? [] : [f.mtu],
          tunnels: f.overhead === 0 ? [] : [{ name: f.encap === 'vxlan' ? 'flannel.1' : 'tunl0', kind: f.encap === 'udp' ? 'tun' : f.encap, mtu: f.mtu }],
        })),
      },
    }),
    step('reachability', 'matrix', {
      kind: 'reachability',
      pods: [{ name: 'web-a', node: 'worker-a1', ip: '10.0.0.9' }, { name: 'web-b', node: 'worker-b1', ip: '10.0.1.9' }, { name: 'web-c', node: 'worker-b2', ip: '10.0.1.10' }],
      cells: [cell('worker-a1', 'worker-b1', 'cross-subnet', !fails), cell('worker-b1', 'worker-b2', 'cross-node', true)],
    }, fails ? 'failed' : 'ok'),
    ping('same-node', 'same-node', 'worker-b1', true, null),
    ping('cross-node', 'cross-node', 'worker-b2', true, crossNode),
    ping('cross-rack', 'cross-subnet', 'worker-a1', !fails, fails ? null : f.overhead),
    step('dns', 'dns', { kind: 'dns', from: place('worker-b1', '10.244.2.2'), query: 'web.default.svc.cluster.local.', lookups: 10, succeeded: fails ? 0 : 10, answers: fails ? [] : ['10.96.7.7'], latencyMs: fails ? null : { samples: 10, min: 1, p50: 1.5, p99: 3, max: 3, mean: 1.7 }, errors: fails ? { 'timeout: no answer from 10.96.0.10:53 within 500 ms': 10 } : {} }),
    step('tcp', 'bulk', {
      kind: 'tcp', from: place('worker-b1', '10.244.2.2'), to: { ...place('worker-b2', '10.244.3.2'), port: 5201 }, path: 'cross-node', bytes: 2_097_152,
      received: 2_097_152, completed: true, elapsedMs: 1800, goodputMbps: f.steadyMbps - 0.2, steadyGoodputMbps: f.steadyMbps, linkRateMbps: 10,
      window: 45_200, underlayPackets: 2100, retransmits: 0, podMtu: f.mtu, wire: wire(crossNode), error: null,
    }),
    step('http', 'nodeport', {
      kind: 'http', from: { target: 'external', ip: '127.0.0.1', node: null, subnet: null }, to: { ...place('worker-b1', '127.0.1.3'), target: 'nodeport/worker-b1:30080', port: 30080 },
      requests: 30, succeeded: fails ? 20 : 30, latencyMs: { samples: 30, min: 2, p50: 8, p99: 40, max: 41, mean: 10 },
      spread: { expected: ['web-a', 'web-b', 'web-c'], hits: fails ? { 'web-b': 11, 'web-c': 9 } : { 'web-a': 10, 'web-b': 11, 'web-c': 9 }, missing: fails ? ['web-a'] : [] },
      errors: fails ? { 'curl: (56) ECONNRESET': 10 } : {}, log: [],
    }, 'ok'),
    step('node-stop', 'stop', {
      kind: 'node-stop', node: 'worker-b2', endpointsUpdatedMs: 1900, routesWithdrawnMs: f.bgp ? 30 : null, trafficRestoredMs: 2000, observedMs: 2600,
      endpointsOnNode: 2, routesToNode: 3, endpointsByService: { 'default/web': 1900 }, requestsLost: 17, requestsDuring: 52,
    }),
    step('assert', '#13 assert', { kind: 'assert', of: 'nodeport', checks: [{ check: 'all endpoints hit', ok: !fails, detail: '' }] }, fails ? 'failed' : 'ok'),
  ];
  const bgp: BgpTraffic = { messages: f.bgp ? 36 : 0, bytes: f.bgp ? 1404 : 0, byType: f.bgp ? { OPEN: 12, KEEPALIVE: 12, UPDATE: 12 } : {}, setupMessages: f.bgp ? 36 : 0, setupBytes: f.bgp ? 1404 : 0, lastUpdateAt: null };
  return {
    topology: 'compare-two-racks', file: 'topologies/compare-two-racks.yaml', mode: f.mode, cni: f.mode.replace('-', '/'), proxyMode: 'iptables',
    notBuilt: f.notBuilt ?? [], startedAt: '2026-11-22T08:00:00.000Z', durationMs: 9000,
    setup: {
      upMs: 300, cniReadyMs: fails ? null : 110, bgpConvergedMs: f.bgp ? 170 : null, networkReadyMs: fails ? null : f.bgp ? 170 : 110,
      network: { readyMs: fails ? null : 110, unavailable: fails ? [{ node: 'worker-a1', reason: 'FailedToCreateRoute', message: 'Error adding route to 10.244.2.0/24 via 172.18.1.2 dev eth0 (node worker-b1): network is unreachable' }] : [], missing: [] },
      windowMs: 400, apiWatch: { agents: 4, setup: { events: 16, bytes: 36_000 }, total: { events: 21, bytes: 48_000 } },
      bgp: { setup: bgp, total: { ...bgp, messages: bgp.messages * 5, byType: f.bgp ? { OPEN: 12, KEEPALIVE: 156, UPDATE: 12 } : {} } as BgpTraffic },
    },
    network: (steps[1]!.data as Extract<StepData, { kind: 'measure' }>).snapshot,
    steps,
    asserts: { total: 1, passed: fails ? 0 : 1, failed: fails ? 1 : 0 },
    warnings: [], error: null, link: { rateMbps: 10, mtu: 1500, delayMs: 0 },
  };
}

export const FIXTURE_MODES: ModeFigures[] = [
  { mode: 'flannel-vxlan', overhead: 50, encap: 'vxlan', mtu: 1450, steadyMbps: 9.31 },
  { mode: 'flannel-host-gw', overhead: 0, encap: 'none', mtu: 1500, steadyMbps: 9.64, crossSubnetFails: true },
  { mode: 'calico-cross-subnet', overhead: 20, encap: 'ipip', mtu: 1480, crossNodeOverhead: 0, steadyMbps: 9.5, bgp: true, notBuilt: ['kube-proxy mode ipvs'] },
];
