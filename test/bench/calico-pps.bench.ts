/**
 * Pod → pod UDP across two hosts in each calico mode, programmed by CalicoAgents (BGP over kemu TCP,
 * felix's cali-nat-outgoing loaded, so conntrack is on as with flannel) over the dgram underlay:
 * 1400-byte payloads, a window of 64 (the pump of vxlan-pps.bench.ts), and the median 1400-byte echo
 * round trip. Baseline in the same run: two raw node:dgram sockets. calico's pods hang off routed
 * veths (no bridge), so bgp mode is the shortest path kemu has between two hosts.
 * Goals (no regression below what the path costs today): bgp ≥ 0.35, ipip ≥ 0.3, vxlan ≥ 0.3.
 */
import { calicoConfig, calicoLab, oneRack } from '../cni/calico/support.js';
import { type BenchResult } from './harness.js';
import { comparePps } from './pps-by-mode.js';
import { type Path, podPath } from './vxlan-pps.bench.js';

const MODES = ['bgp', 'ipip', 'vxlan'] as const;
const GOALS: Record<(typeof MODES)[number], number> = { bgp: 0.35, ipip: 0.3, vxlan: 0.3 };

async function calicoPath(mode: (typeof MODES)[number]): Promise<Path> {
  const lab = await calicoLab(oneRack(), calicoConfig({ mode }), undefined, { kind: 'dgram' });
  await lab.join('w1', 'w2');
  const a = lab.addPod('w1', 'default/a');
  const b = lab.addPod('w2', 'default/b');
  await lab.meshUp();
  await lab.converged();
  return podPath(a.ns, b.ns, b.ip, () => lab.close()); // the first echo also resolves calico's proxy ARP in the pods
}

export async function run(): Promise<BenchResult> {
  const { pass, details } = await comparePps(MODES, (m) => calicoPath(m), GOALS, 'mode');
  return {
    name: 'calico pod→pod UDP per mode (agents from the API, BGP over kemu TCP, natOutgoing on): 40000 × 1400 B, window 64, two hosts, dgram underlay',
    ratioLabel: 'ipip kemu/raw dgram packets per second',
    ratio: details.ipip_ratio as number,
    goal: 'bgp >= 0.35, ipip >= 0.3, vxlan >= 0.3',
    pass,
    details,
  };
}
