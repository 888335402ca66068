import { expect } from 'chai';
import { ipv4 } from '../../src/net/addr.js';
import { decodeIcmp, ICMP_UNREACH_FRAG_NEEDED } from '../../src/net/icmp.js';
import { decodeIpv4 } from '../../src/net/ipv4.js';
import * as net from '../../src/net/index.js';
import { buildIcmpEcho, buildIcmpError, buildIpv4Udp } from '../../src/net/packet.js';
import { decodeUdp } from '../../src/net/udp.js';
import { hex, toHex } from './support.js';

const PING = '4500003c1c4640004001058f0af401020af40203' +
  '08004d5a000100016162636465666768696a6b6c6d6e6f7071727374757677616263646566676869';

describe('net/packet builders', () => {
  it('buildIcmpEcho produces the ping fixture byte-exact', () => {
    const packet = buildIcmpEcho({
      src: ipv4('10.244.1.2'), dst: ipv4('10.244.2.3'), id: 0x1c46, df: true, echoId: 1, seq: 1,
      payload: Buffer.from('abcdefghijklmnopqrstuvwabcdefghi'),
    });
    expect(toHex(packet)).to.equal(PING);
  });

  it('buildIpv4Udp can omit the UDP checksum', () => {
    const packet = buildIpv4Udp({ src: 1, dst: 2, srcPort: 3, dstPort: 4, payload: hex('ff'), udpChecksum: false, ttl: 1 });
    const ip = decodeIpv4(packet);
    if (!ip.ok) throw ip.error;
    expect(ip.value.ttl).to.equal(1);
    const udp = decodeUdp(ip.value.payload, ip.value);
    expect(udp.ok && udp.value.checksum).to.equal(0);
  });

  it('buildIcmpError answers DF-too-big with code 4 and the MTU', () => {
    const big = buildIpv4Udp({ src: ipv4('10.244.1.2'), dst: ipv4('10.244.2.3'), srcPort: 1, dstPort: 2, payload: new Uint8Array(1472), df: true });
    const tooBig = net.fragmentIpv4(big, 1450);
    expect(!tooBig.ok && tooBig.error.code).to.equal('ERR_FRAG_NEEDED');
    const err = buildIcmpError({ src: ipv4('10.244.1.1'), dst: ipv4('10.244.1.2'), kind: 'dest-unreachable', code: ICMP_UNREACH_FRAG_NEEDED, nextHopMtu: 1450, original: big });
    const ip = decodeIpv4(err);
    if (!ip.ok) throw ip.error;
    const icmp = decodeIcmp(ip.value.payload);
    expect(icmp.ok && icmp.value.kind === 'dest-unreachable' && [icmp.value.code, icmp.value.nextHopMtu, icmp.value.original.length])
      .to.deep.equal([4, 1450, 28]);
  });

  it('index re-exports every module', () => {
    for (const name of [
      'CodecError', 'internetChecksum', 'ipv4', 'decodeEthernet', 'decodeArp', 'decodeIpv4', 'fragmentIpv4', 'Reassembler',
      'decodeIcmp', 'decodeUdp', 'decodeTcp', 'decodeVxlan', 'buildIpv4Udp', 'pcapHeader', 'readU16',
    ]) {
      expect(net, name).to.have.property(name);
    }
  });
});
