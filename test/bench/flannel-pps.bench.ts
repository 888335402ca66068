/**
 * Pod → pod UDP across two hosts with each flannel backend, programmed by FlannelAgents from the API
 * (so with flannel's iptables rules loaded, conntrack on), over the dgram underlay: 1400-byte
 * payloads, a window of 64 (the pump of vxlan-pps.bench.ts), and the median 1400-byte echo round
 * trip. Baseline in the same run: two raw node:dgram sockets. Prints the three side by side.
 * Goals (no regression below what the path costs today): host-gw ≥ 0.4, vxlan ≥ 0.3, udp ≥ 0.3 of raw
 * packets/s. flannel's MASQUERADE rules turn connection tracking on for every packet of both hosts,
 * which costs about half: the same vxlan path with empty rule sets reaches ~0.65 (vxlan-pps.bench.ts).
 */
import { flannelLab, oneRack } from '../cni/support.js';
import { type BenchResult } from './harness.js';
import { comparePps } from './pps-by-mode.js';
import { type Path, podPath } from './vxlan-pps.bench.js';

const BACKENDS = ['host-gw', 'vxlan', 'udp'] as const;
const GOALS: Record<(typeof BACKENDS)[number], number> = { 'host-gw': 0.4, vxlan: 0.3, udp: 0.3 };

async function flannelPath(backend: string): Promise<Path> {
  const lab = await flannelLab(oneRack(), { type: backend }, { kind: 'dgram' });
  const [w1, w2] = [await lab.join('w1'), await lab.join('w2')];
  const a = lab.net.attachPod('w1', 'default/a', '10.244.1.2', '10.244.1.0/24', { mtu: w1.mtu });
  const b = lab.net.attachPod('w2', 'default/b', '10.244.2.2', '10.244.2.0/24', { mtu: w2.mtu });
  return podPath(a.ns, b.ns, '10.244.2.2', () => lab.close());
}

export async function run(): Promise<BenchResult> {
  const { pass, details } = await comparePps(BACKENDS, (m) => flannelPath(m), GOALS, 'backend');
  return {
    name: 'flannel pod→pod UDP per backend (agents from the API, iptables on): 40000 × 1400 B, window 64, two hosts, dgram underlay',
    ratioLabel: 'vxlan kemu/raw dgram packets per second',
    ratio: details.vxlan_ratio as number,
    goal: 'host-gw >= 0.4, vxlan >= 0.3, udp >= 0.3',
    pass,
    details,
  };
}
