/**
 * The stack's hot path uses non-allocating validators (checkIpv4, checkUdp) and unchecked header
 * writers (writeIpv4Header, writeUdpHeader, writeVxlanHeader, writeEthernetHeader). Each must agree
 * with the public codec it shortcuts: the same acceptance and error code, the same bytes.
 */
import { expect } from 'chai';
import { ipv4 } from '../../src/net/addr.js';
import { encodeEthernet, writeEthernetHeader } from '../../src/net/ethernet.js';
import {
  IPPROTO_UDP, IPV4_FLAG_DF, checkIpv4, decodeIpv4, decodeIpv4Header, encodeIpv4, ipv4CheckCode, writeIpv4Header,
} from '../../src/net/ipv4.js';
import { buildIpv4Udp, buildVxlanPacket } from '../../src/net/packet.js';
import { checkUdp, decodeUdp, encodeUdp, udpCheckCode, writeUdpHeader } from '../../src/net/udp.js';
import { encodeVxlan, vxlanSourcePort, writeVxlanHeader } from '../../src/net/vxlan.js';
import { Rng, mutate, toHex } from './support.js';

/** The closure-based hash vxlanSourcePort used before it was inlined: the outer source port must not change. */
function referenceSourcePort(frame: Uint8Array): number {
  let hash = 0x811c9dc5;
  const mix = (from: number, to: number): void => {
    for (let i = from; i < to; i++) hash = Math.imul(hash ^ frame[i]!, 0x01000193);
  };
  if (frame.length >= 34 && frame[12] === 0x08 && frame[13] === 0x00) {
    mix(23, 24);
    mix(26, 34);
    const l4 = 14 + (frame[14]! & 0x0f) * 4;
    const first = (((frame[20]! & 0x1f) << 8) | frame[21]!) === 0;
    if (first && (frame[23] === 6 || frame[23] === 17) && frame.length >= l4 + 4) mix(l4, l4 + 4);
  } else {
    mix(0, Math.min(frame.length, 14));
  }
  return 32768 + ((hash >>> 0) % (61000 - 32768));
}

describe('net fast path: validators and unchecked writers agree with the codecs', () => {
  it('checkIpv4 accepts exactly what decodeIpv4 / decodeIpv4Header accept, with the same code', () => {
    const rng = new Rng(41);
    for (let i = 0; i < 20_000; i++) {
      const seed = encodeIpv4({
        src: rng.uint(32), dst: rng.uint(32), protocol: rng.uint(8), options: rng.bytes(4 * rng.int(4)), fragmentOffset: 8 * rng.pick([0, rng.int(8192), 8190 + rng.int(2)]),
      }, rng.bytes(rng.int(80)));
      const input = rng.int(4) === 0 ? seed : mutate(rng, seed);
      for (const [verify, whole] of [[true, true], [false, true], [true, false]] as const) {
        const checked = checkIpv4(input, verify, whole);
        const decoded = (whole ? decodeIpv4 : decodeIpv4Header)(input, { verifyChecksum: verify });
        if (decoded.ok) expect(checked, toHex(input)).to.equal(decoded.value.totalLength);
        else expect(checked < 0 && ipv4CheckCode(checked), toHex(input)).to.equal(decoded.error.code);
      }
    }
  });

  it('checkUdp accepts exactly what decodeUdp accepts (checksum verified or not), at any offset', () => {
    const rng = new Rng(42);
    for (let i = 0; i < 20_000; i++) {
      const src = rng.uint(32);
      const dst = rng.uint(32);
      const seed = encodeUdp({ srcPort: rng.uint(16), dstPort: rng.uint(16) }, rng.bytes(rng.int(120)), rng.bool() ? { src, dst } : null);
      const input = rng.int(4) === 0 ? seed : mutate(rng, seed);
      const host = new Uint8Array(input.length + 7);
      const at = rng.int(8);
      host.set(input, at);
      for (const verify of [true, false]) {
        const checked = checkUdp(host, at, at + input.length, src, dst, verify);
        const decoded = decodeUdp(input, verify ? { src, dst } : undefined);
        if (decoded.ok) expect(checked).to.equal(decoded.value.length);
        else expect(checked < 0 && udpCheckCode(checked)).to.equal(decoded.error.code);
      }
    }
  });

  it('writeIpv4Header + writeUdpHeader build what buildIpv4Udp builds', () => {
    const rng = new Rng(43);
    for (let i = 0; i < 2000; i++) {
      const spec = {
        src: rng.uint(32), dst: rng.uint(32), srcPort: rng.uint(16), dstPort: rng.uint(16), payload: rng.bytes(rng.int(1500)),
        ttl: rng.uint(8), id: rng.uint(16), dscp: rng.uint(6), df: rng.bool(), udpChecksum: rng.bool(),
      };
      const expected = buildIpv4Udp(spec);
      const out = new Uint8Array(expected.length + 3).subarray(3); // an odd byteOffset on purpose
      out.set(spec.payload, 28);
      writeUdpHeader(out, 20, spec.srcPort, spec.dstPort, 8 + spec.payload.length, spec.src, spec.dst, spec.udpChecksum);
      writeIpv4Header(out, 0, out.length, spec.id, spec.df ? IPV4_FLAG_DF : 0, spec.ttl, IPPROTO_UDP, spec.src, spec.dst, spec.dscp << 2);
      expect(toHex(out)).to.equal(toHex(expected));
    }
  });

  it('writeVxlanHeader and writeEthernetHeader write what the encoders write; the source-port hash is unchanged', () => {
    const rng = new Rng(44);
    for (let i = 0; i < 2000; i++) {
      const vni = rng.uint(24);
      const inner = rng.bool() ? buildVxlanPacket({ src: rng.uint(32), dst: rng.uint(32), vni, innerFrame: rng.bytes(40) }) : rng.bytes(rng.int(80));
      const frame = encodeEthernet({ dst: rng.bytes(6), src: rng.bytes(6), etherType: rng.pick([0x0800, 0x0806]) }, inner);
      const vx = new Uint8Array(8 + frame.length);
      vx.set(frame, 8);
      writeVxlanHeader(vx, 0, vni);
      expect(toHex(vx)).to.equal(toHex(encodeVxlan(vni, frame)));
      const eth = new Uint8Array(frame.length);
      eth.set(inner, 14);
      writeEthernetHeader(eth, 0, frame.subarray(0, 6), frame.subarray(6, 12), (frame[12]! << 8) | frame[13]!);
      expect(toHex(eth)).to.equal(toHex(frame));
      // Frames that carry IPv4 (with UDP/TCP ports, fragments, options) and ones that do not.
      const ipFrame = encodeEthernet({ dst: rng.bytes(6), src: rng.bytes(6), etherType: 0x0800 }, mutate(rng, encodeIpv4({
        src: rng.uint(32), dst: rng.uint(32), protocol: rng.pick([6, 17, 1]), fragmentOffset: 8 * rng.int(2), options: rng.bytes(4 * rng.int(2)),
      }, rng.bytes(rng.int(12)))));
      expect(vxlanSourcePort(ipFrame)).to.equal(referenceSourcePort(ipFrame));
      expect(vxlanSourcePort(frame)).to.equal(referenceSourcePort(frame));
    }
    expect(vxlanSourcePort(new Uint8Array(3))).to.equal(referenceSourcePort(new Uint8Array(3)));
  });

  it('writeIpv4Header computes the header checksum without reading the bytes back', () => {
    const buf = new Uint8Array(20).fill(0xaa); // garbage where the checksum goes must not matter
    writeIpv4Header(buf, 0, 0x73, 0, IPV4_FLAG_DF, 64, IPPROTO_UDP, ipv4('192.168.0.1'), ipv4('192.168.0.199'));
    expect(toHex(buf)).to.equal('450000730000400040 11b861c0a80001c0a800c7'.replace(/\s/g, ''));
  });
});
