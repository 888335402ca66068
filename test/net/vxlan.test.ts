import { expect } from 'chai';
import { formatMac, ipv4, mac } from '../../src/net/addr.js';
import { CodecError } from '../../src/net/errors.js';
import { ETHERTYPE_IPV4, decodeEthernet } from '../../src/net/ethernet.js';
import { decodeIcmp } from '../../src/net/icmp.js';
import { decodeIpv4 } from '../../src/net/ipv4.js';
import { buildEthernetFrame, buildVxlanPacket } from '../../src/net/packet.js';
import { decodeUdp } from '../../src/net/udp.js';
import { FLANNEL_VXLAN_PORT, VXLAN_OVERHEAD, VXLAN_PORT, decodeVxlan, encodeVxlan, vxlanSourcePort } from '../../src/net/vxlan.js';
import { Rng, hex, naiveChecksum, toHex } from './support.js';

// The ping from ipv4.test.ts, inside a pod frame 0a:58:00:f4:01:02 -> 0a:58:00:f4:02:03, VXLAN VNI 1
// (flannel), UDP 54321 -> 8472 with checksum 0, outer 172.18.0.2 -> 172.18.0.3 (IP checksum 184b),
// on an underlay frame 02:00:00:00:00:01 -> 02:00:00:00:00:02.
const INNER_IP = '4500003c1c4640004001058f0af401020af40203' +
  '08004d5a000100016162636465666768696a6b6c6d6e6f7071727374757677616263646566676869';
const INNER_FRAME = '0a5800f40203 0a5800f40102 0800' + INNER_IP;
const VXLAN_FRAME =
  '020000000002 020000000001 0800' +
  '4500 006e 0a0b 0000 4011 184b ac120002 ac120003' +
  'd431 2118 005a 0000' +
  '08000000 00000100' +
  INNER_FRAME;

describe('net/vxlan', () => {
  it('outer IPv4 checksum of the fixture agrees with a naive reference', () => {
    const outer = hex(VXLAN_FRAME).slice(14, 34);
    outer[10] = 0;
    outer[11] = 0;
    expect(naiveChecksum(outer)).to.equal(0x184b);
  });

  it('peels the fixture layer by layer: Ethernet / IPv4 / UDP 8472 / VXLAN VNI 1 / Ethernet / IPv4 / ICMP', () => {
    const frame = hex(VXLAN_FRAME);
    const eth = decodeEthernet(frame);
    if (!eth.ok) throw eth.error;
    expect(eth.value.etherType).to.equal(ETHERTYPE_IPV4);
    const outer = decodeIpv4(eth.value.payload);
    if (!outer.ok) throw outer.error;
    const udp = decodeUdp(outer.value.payload, outer.value);
    if (!udp.ok) throw udp.error;
    expect([udp.value.srcPort, udp.value.dstPort, udp.value.checksum]).to.deep.equal([54321, FLANNEL_VXLAN_PORT, 0]);
    const vx = decodeVxlan(udp.value.payload);
    if (!vx.ok) throw vx.error;
    expect(vx.value.vni).to.equal(1);
    const inner = decodeEthernet(vx.value.payload);
    if (!inner.ok) throw inner.error;
    expect(formatMac(inner.value.src)).to.equal('0a:58:00:f4:01:02');
    const innerIp = decodeIpv4(inner.value.payload);
    if (!innerIp.ok) throw innerIp.error;
    expect(innerIp.value.dst).to.equal(ipv4('10.244.2.3'));
    const icmp = decodeIcmp(innerIp.value.payload);
    expect(icmp.ok && icmp.value.kind).to.equal('echo-request');
    // Why flannel's vxlan MTU is 1450 on a 1500 underlay:
    expect(outer.value.totalLength - innerIp.value.totalLength).to.equal(VXLAN_OVERHEAD);
  });

  it('builds the fixture byte-exact', () => {
    const outerIp = buildVxlanPacket({
      src: ipv4('172.18.0.2'), dst: ipv4('172.18.0.3'), id: 0x0a0b, vni: 1, srcPort: 54321, dstPort: FLANNEL_VXLAN_PORT,
      innerFrame: hex(INNER_FRAME),
    });
    const frame = buildEthernetFrame({ dst: mac('02:00:00:00:00:02'), src: mac('02:00:00:00:00:01'), etherType: ETHERTYPE_IPV4 }, outerIp);
    expect(toHex(frame)).to.equal(VXLAN_FRAME.replace(/ /g, ''));
  });

  it('encodes the 24-bit VNI in bytes 4-6 with the I flag', () => {
    expect(toHex(encodeVxlan(0xabcdef, new Uint8Array(0)))).to.equal('08000000abcdef00');
    expect(() => encodeVxlan(1 << 24, new Uint8Array(0))).to.throw(CodecError).with.property('code', 'ERR_BAD_FIELD');
  });

  it('requires the I flag, ignores reserved bits (RFC 7348)', () => {
    const noI = decodeVxlan(hex('00000000 00000100'));
    expect(!noI.ok && noI.error.code).to.equal('ERR_BAD_FIELD');
    const reserved = decodeVxlan(hex('ffffffff 000001ff'));
    expect(reserved.ok && reserved.value.vni).to.equal(1);
    const short = decodeVxlan(hex('08000000 000001'));
    expect(!short.ok && short.error.code).to.equal('ERR_TRUNCATED');
  });

  it('defaults to port 4789 and a flow-stable source port in 32768..60999', () => {
    const inner = hex(INNER_FRAME);
    const packet = buildVxlanPacket({ src: 1, dst: 2, vni: 42, innerFrame: inner });
    const udp = decodeUdp(packet.subarray(20));
    expect(udp.ok && udp.value.dstPort).to.equal(VXLAN_PORT);
    expect(udp.ok && udp.value.srcPort).to.equal(vxlanSourcePort(inner));
    const ttlChanged = inner.slice();
    ttlChanged[14 + 8] = 5; // inner TTL and checksum differ per hop, the flow does not
    expect(vxlanSourcePort(ttlChanged)).to.equal(vxlanSourcePort(inner));
    const rng = new Rng(70);
    const ports = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const f = inner.slice();
      f.set(rng.bytes(4), 14 + 12);
      const p = vxlanSourcePort(f);
      expect(p).to.be.within(32768, 60999);
      ports.add(p);
    }
    expect(ports.size).to.be.greaterThan(400);
  });

  it('round-trips random VNIs and frames', () => {
    const rng = new Rng(71);
    for (let i = 0; i < 3000; i++) {
      const vni = rng.uint(24);
      const frame = rng.bytes(rng.int(120));
      const r = decodeVxlan(encodeVxlan(vni, frame));
      expect(r.ok && r.value.vni).to.equal(vni);
      expect(r.ok && toHex(r.value.payload)).to.equal(toHex(frame));
    }
  });
});
