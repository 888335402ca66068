/** Test support for the stack: an in-process Segment, hosts wired onto it, frame capture. */

import { expect } from 'chai';
import {
  type EthernetFrame, FLANNEL_VXLAN_PORT, type Ipv4Packet, decodeEthernet, decodeIpv4, ipv4, isMulticastMac, macEquals,
} from '../../../src/net/index.js';
import { FakeClock } from '../../../src/util/clock.js';
import type { L2Port, Segment } from '../../../src/dataplane/types.js';
import {
  Bridge, EthernetDevice, type NetDevice, NetNamespace, type NetNamespaceOptions, VethPair, VxlanDevice, backlogStats,
} from '../../../src/dataplane/stack/index.js';

/** An L2 broadcast domain in memory: unicast to the attached MAC, broadcast to all others, unknown dropped. */
export class MemorySegment implements Segment {
  readonly ports: MemoryPort[] = [];
  unknownUnicast = 0;
  constructor(readonly name = 'seg') {}

  attach(mac: Uint8Array): Promise<L2Port> {
    return Promise.resolve(this.attachSync(mac));
  }

  attachSync(mac: Uint8Array): MemoryPort {
    const port = new MemoryPort(this, mac.slice());
    this.ports.push(port);
    return port;
  }

  close(): Promise<void> {
    for (const p of this.ports) p.close();
    return Promise.resolve();
  }

  carry(from: MemoryPort, frame: Uint8Array): void {
    if (frame.length < 14) return;
    const dst = frame.subarray(0, 6);
    if (isMulticastMac(dst)) {
      for (const p of this.ports) if (p !== from && !p.closed) p.handler?.(frame.slice()); // each receiver owns its copy
      return;
    }
    const to = this.ports.find((p) => p !== from && !p.closed && macEquals(p.mac, dst));
    if (to === undefined) this.unknownUnicast++;
    else to.handler?.(frame);
  }
}

class MemoryPort implements L2Port {
  handler: ((frame: Uint8Array) => void) | undefined;
  closed = false;
  constructor(private readonly segment: MemorySegment, readonly mac: Uint8Array) {}
  send(frame: Uint8Array): void {
    if (!this.closed) this.segment.carry(this, frame);
  }
  onReceive(handler: (frame: Uint8Array) => void): void {
    this.handler = handler;
  }
  close(): void {
    this.closed = true;
  }
}

export interface TestHost {
  ns: NetNamespace;
  eth0: EthernetDevice;
}

/** A namespace with eth0 on `segment` carrying `cidr` (e.g. '172.18.0.2/24'). */
export function hostOn(segment: MemorySegment, clock: FakeClock, name: string, cidr: string, opts: Partial<NetNamespaceOptions> & { mtu?: number; dev?: string } = {}): TestHost {
  const ns = new NetNamespace({ name, clock, ipForward: true, ...opts });
  const eth0 = new EthernetDevice(opts.dev ?? 'eth0', { mtu: opts.mtu });
  eth0.attach(segment.attachSync(eth0.mac));
  ns.addDevice(eth0);
  ns.addAddress(eth0, cidr);
  return { ns, eth0 };
}

export interface Captured {
  direction: 'rx' | 'tx';
  frame: Uint8Array;
}

/** Records (copies of) every frame a device sends and receives. */
export function capture(dev: NetDevice): Captured[] {
  const frames: Captured[] = [];
  dev.addTap((direction, frame) => frames.push({ direction, frame: frame.slice() }));
  return frames;
}

/** Decodes captured Ethernet frames carrying IPv4. */
export function ipv4Frames(frames: Captured[], direction?: 'rx' | 'tx'): Array<{ eth: EthernetFrame; ip: Ipv4Packet }> {
  const out: Array<{ eth: EthernetFrame; ip: Ipv4Packet }> = [];
  for (const c of frames) {
    if (direction !== undefined && c.direction !== direction) continue;
    const eth = decodeEthernet(c.frame);
    if (!eth.ok || eth.value.etherType !== 0x0800) continue;
    const ip = decodeIpv4(eth.value.payload);
    if (ip.ok) out.push({ eth: eth.value, ip: ip.value });
  }
  return out;
}

export function newClock(): FakeClock {
  return new FakeClock();
}

/** Settles a ping (or any Clock-driven promise) by advancing fake time. */
export async function run<T>(clock: FakeClock, promise: Promise<T>, ms = 60_000): Promise<T> {
  clock.advance(ms);
  return promise;
}

/** No exception may have escaped a receive path during a test. */
export function expectNoInternalErrors(...namespaces: NetNamespace[]): void {
  for (const ns of namespaces) expect(ns.counters.internalErrors, `${ns.name}: ${String(ns.lastError)}`).to.equal(0);
  expect(backlogStats.escapedErrors).to.equal(0);
}

export interface TestPod {
  ns: NetNamespace;
  eth0: EthernetDevice;
  hostVeth: EthernetDevice;
}

export interface TestNode extends TestHost {
  cni0: Bridge;
  addPod(name: string, ip: string): TestPod;
}

/**
 * A Kubernetes node as the bridge CNI plugin builds it: eth0 on the underlay, cni0 with the first
 * address of the pod CIDR, and per pod a veth whose host end is a cni0 port.
 */
export function k8sNode(segment: MemorySegment, clock: FakeClock, name: string, nodeCidr: string, podGateway: string, opts: Partial<NetNamespaceOptions> = {}): TestNode {
  const host = hostOn(segment, clock, name, nodeCidr, { ipForward: true, ...opts });
  const cni0 = host.ns.addDevice(new Bridge('cni0'));
  host.ns.addAddress(cni0, podGateway);
  const gateway = podGateway.split('/')[0]!;
  const prefix = podGateway.split('/')[1]!;
  let n = 0;
  return {
    ...host,
    cni0,
    addPod(podName: string, ip: string): TestPod {
      const veth = new VethPair(`veth${n++}`, 'eth0');
      host.ns.addDevice(veth.a);
      cni0.addPort(veth.a);
      const ns = new NetNamespace({ name: podName, clock, ipForward: false });
      ns.addDevice(veth.b);
      ns.addAddress(veth.b, `${ip}/${prefix}`);
      ns.routes.add({ dst: 'default', via: gateway });
      return { ns, eth0: veth.b, hostVeth: veth.a };
    },
  };
}

/** Two flannel-vxlan nodes: flannel.1 with 10.244.N.0/32, permanent neighbour + FDB + `via X.0 onlink` routes. */
export function flannelVxlan(flannelMtu = 1450): {
  clock: FakeClock; underlay: MemorySegment; n1: TestNode; n2: TestNode; v1: VxlanDevice; v2: VxlanDevice;
} {
  const clock = newClock();
  const underlay = new MemorySegment('underlay');
  const n1 = k8sNode(underlay, clock, 'node1', '172.18.0.2/24', '10.244.0.1/24');
  const n2 = k8sNode(underlay, clock, 'node2', '172.18.0.3/24', '10.244.1.1/24');
  const v1 = n1.ns.addDevice(new VxlanDevice('flannel.1', { vni: 1, port: FLANNEL_VXLAN_PORT, local: '172.18.0.2', mtu: flannelMtu }));
  const v2 = n2.ns.addDevice(new VxlanDevice('flannel.1', { vni: 1, port: FLANNEL_VXLAN_PORT, local: '172.18.0.3', mtu: flannelMtu }));
  n1.ns.addAddress(v1, '10.244.0.0/32');
  n2.ns.addAddress(v2, '10.244.1.0/32');
  for (const [here, dev, remoteDev, remoteSubnet, remoteVtepIp, remoteNodeIp] of [
    [n1, v1, v2, '10.244.1.0/24', '10.244.1.0', '172.18.0.3'],
    [n2, v2, v1, '10.244.0.0/24', '10.244.0.0', '172.18.0.2'],
  ] as const) {
    here.ns.neighbours.add(dev, ipv4(remoteVtepIp), remoteDev.mac);
    dev.fdbAdd(remoteDev.mac, remoteNodeIp);
    here.ns.routes.add({ dst: remoteSubnet, via: remoteVtepIp, dev: 'flannel.1', onlink: true });
  }
  return { clock, underlay, n1, n2, v1, v2 };
}
