/** Helpers for the lab packet-plane tests: topologies from YAML, a pcap reader, UDP handle counts. */
import { expect } from 'chai';
import { loadTopologyText } from '../../../src/topology/load.js';
import type { Topology } from '../../../src/topology/types.js';
import { type NetNamespace, VxlanDevice } from '../../../src/dataplane/stack/index.js';
import {
  ETHERTYPE_ARP, ETHERTYPE_IPV4, FLANNEL_VXLAN_PORT, IPPROTO_ICMP, IPPROTO_UDP, LINKTYPE_ETHERNET, LINKTYPE_RAW, PCAP_MAGIC, decodeArp, decodeEthernet, decodeIcmp,
  decodeIpv4, decodeUdp, decodeVxlan, ipv4,
} from '../../../src/net/index.js';

/** Two racks joined by a router; rack-b's link has MTU 1400 (and whatever `rackB` adds). */
export function twoRacks(rackB = 'mtu: 1400', rackA = ''): Topology {
  const text = `apiVersion: kemu.dev/v1alpha1
kind: Topology
metadata: {name: lab}
spec:
  underlay:
    subnets:
      - {name: rack-a, cidr: 172.18.0.0/24${rackA ? `, link: {${rackA}}` : ''}}
      - {name: rack-b, cidr: 172.18.1.0/24, link: {${rackB}}}
    routers:
      - {name: tor, subnets: [rack-a, rack-b]}
  nodes:
    - {name: cp, role: control-plane, subnet: rack-a}
    - {name: w1, subnet: rack-a}
    - {name: w2, subnet: rack-b}
`;
  const r = loadTopologyText(text, 'lab.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.value.topology;
}

export interface PcapFile {
  linkType: number;
  records: { ts: number; data: Uint8Array; origLen: number }[];
}

/** Reads a little-endian classic pcap (what src/net writes). */
export function readPcap(bytes: Uint8Array): PcapFile {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(v.getUint32(0, true)).to.equal(PCAP_MAGIC);
  const linkType = v.getUint32(20, true);
  const records: PcapFile['records'] = [];
  for (let off = 24; off < bytes.length;) {
    const sec = v.getUint32(off, true);
    const usec = v.getUint32(off + 4, true);
    const incl = v.getUint32(off + 8, true);
    const origLen = v.getUint32(off + 12, true);
    records.push({ ts: sec * 1000 + usec / 1000, data: bytes.subarray(off + 16, off + 16 + incl), origLen });
    off += 16 + incl;
    expect(off).to.be.at.most(bytes.length);
  }
  return { linkType, records };
}

/**
 * Decodes every record down to ICMP/UDP (and into VXLAN) with checksums verified; returns one-line
 * summaries, and throws on the first malformed frame.
 */
export function decodeAll(file: PcapFile): string[] {
  const out: string[] = [];
  for (const [i, r] of file.records.entries()) {
    expect(r.data.length, `record ${i} truncated`).to.equal(r.origLen);
    let ipBytes = r.data;
    if (file.linkType === LINKTYPE_ETHERNET) {
      const eth = decodeEthernet(r.data);
      if (!eth.ok) throw new Error(`record ${i}: ${eth.error.message}`);
      if (eth.value.etherType === ETHERTYPE_ARP) {
        const arp = decodeArp(eth.value.payload);
        if (!arp.ok) throw new Error(`record ${i}: ${arp.error.message}`);
        out.push(`arp op ${arp.value.op}`);
        continue;
      }
      expect(eth.value.etherType).to.equal(ETHERTYPE_IPV4);
      ipBytes = eth.value.payload;
    } else {
      expect(file.linkType).to.equal(LINKTYPE_RAW);
    }
    out.push(decodeIp(ipBytes, `record ${i}`));
  }
  return out;
}

function decodeIp(bytes: Uint8Array, where: string): string {
  const ip = decodeIpv4(bytes);
  if (!ip.ok) throw new Error(`${where}: ${ip.error.message}`);
  const p = ip.value;
  // A fragment carries part of a datagram: its L4 checksum covers the whole (tshark reassembles first).
  if (p.moreFragments || p.fragmentOffset !== 0) return `fragment id ${p.id} offset ${p.fragmentOffset}`;
  if (p.protocol === IPPROTO_ICMP) {
    const icmp = decodeIcmp(p.payload);
    if (!icmp.ok) throw new Error(`${where}: ${icmp.error.message}`);
    return `icmp ${icmp.value.kind}`;
  }
  if (p.protocol === IPPROTO_UDP) {
    const udp = decodeUdp(p.payload, p);
    if (!udp.ok) throw new Error(`${where}: ${udp.error.message}`);
    if (udp.value.dstPort === 8472 || udp.value.dstPort === 4789) {
      const vx = decodeVxlan(udp.value.payload);
      if (!vx.ok) throw new Error(`${where}: ${vx.error.message}`);
      const inner = decodeEthernet(vx.value.payload);
      if (!inner.ok) throw new Error(`${where}: inner ${inner.error.message}`);
      return `vxlan vni ${vx.value.vni} [${decodeIp(inner.value.payload, `${where} inner`)}]`;
    }
    return `udp ${udp.value.srcPort} > ${udp.value.dstPort}`;
  }
  return `proto ${p.protocol}`;
}

export function udpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap' || r === 'UDPWRAP').length;
}

/**
 * flannel's vxlan backend by hand, as the bench and the trace tests need it before the CNI exists:
 * flannel.1 (VNI 1, port 8472, MTU 1450) with podCIDR.0/32, and for every other node a permanent
 * neighbour for its VTEP, an FDB entry to its node IP and `PODCIDR via X.0 dev flannel.1 onlink`.
 */
export function programFlannelVxlan(nodes: { ns: NetNamespace; nodeIP: string; podCIDR: string }[]): VxlanDevice[] {
  const devs = nodes.map((n) => {
    const dev = n.ns.addDevice(new VxlanDevice('flannel.1', { vni: 1, port: FLANNEL_VXLAN_PORT, local: n.nodeIP, mtu: 1450 }));
    n.ns.addAddress(dev, `${n.podCIDR.split('/')[0]}/32`);
    return dev;
  });
  nodes.forEach((here, i) => {
    nodes.forEach((there, j) => {
      if (i === j) return;
      const vtep = there.podCIDR.split('/')[0]!;
      here.ns.neighbours.add(devs[i]!, ipv4(vtep), devs[j]!.mac);
      devs[i]!.fdbAdd(devs[j]!.mac, there.nodeIP);
      here.ns.routes.add({ dst: there.podCIDR, via: vtep, dev: 'flannel.1', onlink: true });
    });
  });
  return devs;
}
