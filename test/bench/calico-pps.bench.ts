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

import type { Path } from './vxlan-pps.bench.js';
const PAYLOAD = new Uint8Array(1400);
const MODES = ['bgp', 'ipip', 'vxlan'] as const;
const GOALS: Record<(typeof MODES)[number], number> = { bgp: 0.35, ipip: 0.3, vxlan: 0.3 };

async function calicoPath(mode: (typeof MODES)[number]): Promise<Path> {
  const lab = await calicoLab(oneRack(), calicoConfig({ mode }), undefined, { kind: 'dgram' });
  await lab.join('w1', 'w2');
  const a = lab.addPod('w1', 'default/a');
  const b = lab.addPod('w2', 'default/b');
  await lab.meshUp();
  await lab.converged();
  const tx = a.ns.udp.bind(0);
  const sink = b.ns.udp.bind(5001);
  const echoServer = b.ns.udp.bind(5002).onMessage((payload, info) => echoServer.send(info.srcIp, info.srcPort, payload));
  let onEcho: (() => void) | undefined;
  tx.onMessage(() => onEcho?.());
  const path: Path = {
    send: () => void tx.send(b.ip, 5001, PAYLOAD),
    onSink: (cb) => void sink.onMessage(cb),
    echo: () => new Promise<void>((r) => {
      onEcho = r;
      tx.send(b.ip, 5002, PAYLOAD);
    }),
    close: () => lab.close(),
  };
  await path.echo(); // ARP on the underlay and proxy ARP in the pods resolved before measuring
  return path;
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
