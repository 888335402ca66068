import { expect } from 'chai';
import {
  ARP_OP_REQUEST, BROADCAST_MAC, ETHERTYPE_ARP, ETHERTYPE_IPV4, IPPROTO_IPIP, buildEthernetFrame, buildIcmpEcho, buildIcmpError, buildIpv4Tcp,
  buildIpv4Udp, buildVxlanPacket, encodeArp, encodeIpv4, fragmentIpv4, internetChecksum, ipv4, writeU16,
} from '../../../src/net/index.js';
import { EthernetDevice, NetNamespace, backlogStats, createL2PortPair, ping } from '../../../src/dataplane/stack/index.js';
import { Rng } from '../../net/support.js';
import { expectNoInternalErrors, newClock, run } from './support.js';

const FRAMES = 100_000;

describe('dataplane/stack robustness', function () {
  this.timeout(60_000);

  it(`survives ${FRAMES.toLocaleString('en')} random and mutated frames: every one accounted for, ping still answered`, async () => {
    const clock = newClock();
    const [hostPort, wirePort] = createL2PortPair();
    const host = new NetNamespace({ name: 'host', clock, ipForward: true });
    const eth0 = host.addDevice(new EthernetDevice('eth0', { port: hostPort }));
    host.addAddress(eth0, '10.0.0.1/24');
    const peer = new NetNamespace({ name: 'peer', clock });
    const peerEth = peer.addDevice(new EthernetDevice('eth0', { port: wirePort }));
    peer.addAddress(peerEth, '10.0.0.2/24');
    host.routes.add({ dst: 'default', via: '10.0.0.2' });
    // Every next hop is pre-resolved so that nothing the host answers can be dropped on the way out:
    // then each injected frame ends in exactly one receive-side counter.
    for (let i = 0; i < 255; i++) if (i !== 1) host.neighbours.add(eth0, (ipv4('10.0.0.0') + i) >>> 0, peerEth.mac);
    host.udp.bind(7);

    const rng = new Rng(20260101);
    const templates = makeTemplates(eth0.mac, peerEth.mac);
    const escapedBefore = backlogStats.escapedErrors;
    for (let i = 0; i < FRAMES; i++) wirePort.send(fuzzFrame(rng, templates, eth0.mac));

    const c = host.counters;
    const outcomes = c.drops.total + eth0.counters.rxDropped + c.delivered + c.forwarded + c.arpIn + c.fragmentsHeld + c.bridged;
    expect(outcomes).to.equal(FRAMES);
    expect(c.drops.total + eth0.counters.rxDropped).to.be.greaterThan(FRAMES * 0.8);
    expect(eth0.counters.txDropped).to.equal(0);
    expect(backlogStats.escapedErrors).to.equal(escapedBefore);
    expectNoInternalErrors(host);
    // The drops span the layers (Ethernet, ARP, IPv4, reassembly, ICMP, UDP), not only the first check.
    const reasons = [...c.drops.byReason.keys(), ...eth0.counters.drops.byReason.keys()];
    for (const r of ['other-host', 'oversize', 'unknown-ethertype', 'arp-malformed', 'ip-bad-checksum', 'ip-bad-version', 'ip-truncated',
      'martian-source', 'frag-duplicate', 'udp-bad-checksum', 'udp-no-port', 'icmp-bad-checksum', 'ttl-exceeded', 'unknown-protocol']) {
      expect(reasons, r).to.include(r);
    }

    clock.advance(60_000); // let reassembly expire
    const r = await run(clock, ping(peer, '10.0.0.1', { count: 3 }), 3000);
    expect(r.received).to.equal(3);
  });
});

function makeTemplates(hostMac: Uint8Array, peerMac: Uint8Array): Uint8Array[] {
  const host = ipv4('10.0.0.1');
  const peer = ipv4('10.0.0.2');
  const eth = (payload: Uint8Array, etherType = ETHERTYPE_IPV4, dst = hostMac) => buildEthernetFrame({ dst, src: peerMac, etherType }, payload);
  const udp = buildIpv4Udp({ src: peer, dst: host, srcPort: 5000, dstPort: 7, payload: new Uint8Array(100).fill(7) });
  const big = buildIpv4Udp({ src: peer, dst: host, srcPort: 5000, dstPort: 7, payload: new Uint8Array(1200).fill(3) });
  const fragments = fragmentIpv4(big, 500);
  if (!fragments.ok) throw fragments.error;
  return [
    eth(encodeArp({ op: ARP_OP_REQUEST, senderMac: peerMac, senderIp: peer, targetMac: new Uint8Array(6), targetIp: host }), ETHERTYPE_ARP, BROADCAST_MAC as Uint8Array),
    eth(buildIcmpEcho({ src: peer, dst: host, echoId: 1, seq: 1, payload: new Uint8Array(56) })),
    eth(buildIcmpEcho({ src: peer, dst: ipv4('8.8.8.8'), echoId: 1, seq: 1, ttl: 2 })),
    eth(udp),
    eth(buildIpv4Udp({ src: peer, dst: host, srcPort: 5000, dstPort: 9, payload: new Uint8Array(20) })),
    eth(buildIpv4Tcp({ src: peer, dst: host, srcPort: 1, dstPort: 80, seq: 1, ack: 0, flags: 2, window: 1000 })),
    eth(buildIcmpError({ src: peer, dst: host, kind: 'dest-unreachable', code: 3, original: udp })),
    eth(encodeIpv4({ src: peer, dst: host, protocol: IPPROTO_IPIP }, udp)),
    eth(buildVxlanPacket({ src: peer, dst: host, vni: 1, innerFrame: eth(udp), dstPort: 8472 })),
    ...fragments.value.map((f) => eth(f)),
  ];
}

function fuzzFrame(rng: Rng, templates: Uint8Array[], hostMac: Uint8Array): Uint8Array {
  switch (rng.int(4)) {
    case 0: { // random bytes, sometimes addressed to the host or broadcast so they get past the MAC filter
      const frame = rng.bytes(rng.int(1600));
      const who = rng.int(3);
      if (frame.length >= 6 && who < 2) frame.set(who === 0 ? hostMac : (BROADCAST_MAC as Uint8Array), 0);
      if (frame.length >= 14 && rng.bool()) writeU16(frame, 12, rng.bool() ? ETHERTYPE_IPV4 : ETHERTYPE_ARP);
      return frame;
    }
    case 1: { // a valid frame with a few bytes changed
      const frame = rng.pick(templates).slice();
      for (let n = 1 + rng.int(4); n > 0; n--) frame[rng.int(frame.length)] = rng.int(256);
      return frame;
    }
    case 2: { // random IPv4 header fields with a correct header checksum, to reach the deeper layers
      const frame = rng.pick(templates).slice();
      if (frame[12] !== 0x08 || frame[13] !== 0x00) return frame.subarray(0, rng.int(frame.length + 1));
      const field = rng.pick([1, 2, 4, 6, 7, 8, 9, 12, 16, 17, 18, 19, 0]);
      frame[14 + field] = rng.int(256);
      writeU16(frame, 24, 0);
      writeU16(frame, 24, internetChecksum(frame, 14, 14 + Math.min(60, (frame[14]! & 0x0f) * 4)));
      return frame;
    }
    default: // truncated anywhere
      return rng.pick(templates).subarray(0, rng.int(rng.pick(templates).length));
  }
}
