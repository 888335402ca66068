/**
 * The benchmarks' fixed path: two hosts on one dgram underlay subnet, a pod on each (10.244.0.2 on
 * n1, 10.244.1.2 on n2, pod MTU 1450) and flannel-style VXLAN between them (static ARP, FDB and
 * routes, programmed as flannel would), built by LabNetwork with the hosts' Netfilter in place.
 */
import { LabNetwork, type PodNet } from '../../src/lab/network/index.js';
import { loadTopologyText } from '../../src/topology/load.js';
import { RealClock } from '../../src/util/clock.js';
import { programFlannelVxlan } from '../dataplane/lab/support.js';

export interface TwoHostVxlan {
  net: LabNetwork;
  /** The pod on n1 (10.244.0.2). */
  a: PodNet;
  /** The pod on n2 (10.244.1.2). */
  b: PodNet;
}

export async function twoHostVxlan(podA = 'default/a', podB = 'default/b'): Promise<TwoHostVxlan> {
  const loaded = loadTopologyText(`apiVersion: kemu.dev/v1alpha1
kind: Topology
metadata: {name: bench}
spec:
  underlay: {subnets: [{name: dc, cidr: 172.18.0.0/24}]}
  nodes: [{name: n1, role: control-plane}, {name: n2}]
`, 'bench.yaml');
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  const net = LabNetwork.fromTopology(loaded.value.topology, { clock: new RealClock() });
  await net.start();
  const a = net.attachPod('n1', podA, '10.244.0.2', '10.244.0.0/24', { mtu: 1450 });
  const b = net.attachPod('n2', podB, '10.244.1.2', '10.244.1.0/24', { mtu: 1450 });
  programFlannelVxlan([
    { ns: net.node('n1').ns, nodeIP: net.node('n1').eth0.address, podCIDR: '10.244.0.0/24' },
    { ns: net.node('n2').ns, nodeIP: net.node('n2').eth0.address, podCIDR: '10.244.1.0/24' },
  ]);
  return { net, a, b };
}
