/**
 * The lab's packet plane from a topology, on real UDP sockets: two racks joined by a router (two
 * nodes on rack-a, one on rack-b whose link MTU is 1400), pings across it, PMTU errors, captures.
 */
import { expect } from 'chai';
import { formatRoute, ping } from '../../../src/dataplane/stack/index.js';
import { backlogStats } from '../../../src/dataplane/stack/index.js';
import { LabNetwork } from '../../../src/lab/network/index.js';
import { captureTarget } from '../../../src/lab/network/capture.js';
import { RealClock } from '../../../src/util/clock.js';
import { decodeAll, readPcap, twoRacks, udpHandles } from './support.js';

describe('lab/network: hosts and routers from a topology (dgram underlay)', function () {
  this.timeout(20_000);
  let net: LabNetwork;
  let handlesBefore: number;

  before(async () => {
    handlesBefore = udpHandles();
    net = LabNetwork.fromTopology(twoRacks(), { clock: new RealClock() });
    await net.start();
  });
  after(async () => {
    await net.stop();
    expect(udpHandles(), 'UDP handles left open').to.equal(handlesBefore);
  });

  it('builds one host per node and one router with an interface per subnet', () => {
    expect([...net.nodes.keys()]).to.deep.equal(['cp', 'w1', 'w2']);
    expect([...net.segments.keys()]).to.deep.equal(['rack-a', 'rack-b']);
    const w2 = net.node('w2').ns;
    expect(w2.ipForward).to.equal(true);
    expect(w2.routes.list().map(formatRoute)).to.deep.equal([
      'default via 172.18.1.1 dev eth0',
      '172.18.1.0/24 dev eth0 proto kernel scope link src 172.18.1.2',
    ]);
    expect(w2.device('eth0')!.mtu).to.equal(1400);
    const tor = net.routers.get('tor')!;
    expect(tor.links.map((l) => [l.dev.name, l.subnet.name, `${l.address}/${l.prefixLength}`, l.dev.mtu])).to.deep.equal([
      ['eth0', 'rack-a', '172.18.0.1/24', 1500],
      ['eth1', 'rack-b', '172.18.1.1/24', 1400],
    ]);
    expect(tor.ns.ipForward).to.equal(true);
    expect(tor.links.every((l) => l.port !== undefined)).to.equal(true);
  });

  it('pings across the router; the reply TTL is 63 (64 minus the router hop)', async () => {
    const r = await ping(net.node('w1').ns, '172.18.1.2', { count: 3, intervalMs: 5 });
    expect(r.received).to.equal(3);
    expect(r.ttls).to.deep.equal([63, 63, 63]);
    expect(r.replies.every((x) => x.from === '172.18.1.2' && x.bytes === 64)).to.equal(true);
    // Same rack: no router, TTL untouched.
    const same = await ping(net.node('w1').ns, '172.18.0.2', { count: 1 });
    expect(same.ttls).to.deep.equal([64]);
  });

  it('a 1500-byte DF packet toward the 1400-MTU rack gets ICMP frag-needed with next-hop MTU 1400', async () => {
    const r = await ping(net.node('w1').ns, '172.18.1.2', { count: 1, size: 1472, df: true });
    expect(r.received).to.equal(0);
    expect(r.errors).to.have.length(1);
    expect(r.errors[0]).to.include({ from: '172.18.0.1', type: 3, code: 4, nextHopMtu: 1400 });
    expect(r.errors[0]!.message).to.equal('Frag needed and DF set (mtu = 1400)');
    expect(net.routers.get('tor')!.ns.counters.drops.get('frag-needed')).to.be.greaterThan(0);
    // Without DF the router fragments and the ping gets through.
    const frag = await ping(net.node('w1').ns, '172.18.1.2', { count: 1, size: 1472 });
    expect(frag.received).to.equal(1);
  });

  it('captures of an interface decode with src/net: no malformed frames, Ethernet link type', async () => {
    const capW1 = captureTarget(net, { target: 'node/w1', durationMs: 400 });
    const capTor = captureTarget(net, { target: 'router/tor:rack-b', durationMs: 400 });
    // 1428-byte datagrams: whole on rack-a (MTU 1500), two fragments each on rack-b (MTU 1400).
    const r = await ping(net.node('w1').ns, '172.18.1.2', { count: 4, intervalMs: 20, size: 1400 });
    expect(r.received).to.equal(4);
    const [w1, tor] = await Promise.all([capW1, capTor]);
    expect([w1.iface, tor.iface, tor.namespace, w1.linkType]).to.deep.equal(['eth0', 'eth1', 'tor', 'ethernet']);
    const w1Pcap = readPcap(w1.pcap);
    expect(w1Pcap.linkType).to.equal(1);
    const w1Lines = decodeAll(w1Pcap);
    expect(w1Lines.filter((l) => l === 'icmp echo-request')).to.have.length(4);
    expect(w1Lines.filter((l) => l.startsWith('fragment'))).to.have.length(8); // w2's replies, fragmented by w2
    const torLines = decodeAll(readPcap(tor.pcap));
    expect(torLines.filter((l) => l.startsWith('fragment'))).to.have.length(16);
    expect(readPcap(tor.pcap).records.every((rec) => rec.data.length <= 1414)).to.equal(true);
    const stamps = w1Pcap.records.map((x) => x.ts);
    expect(stamps).to.deep.equal([...stamps].sort((a, b) => a - b));
    expect(stamps.some((s) => s % 1 !== 0)).to.equal(true); // microsecond timestamps, not whole milliseconds
  });

  it('a capture by count stops at that many frames', async () => {
    const cap = captureTarget(net, { target: '172.18.1.2', count: 2 });
    await ping(net.node('cp').ns, '172.18.1.2', { count: 2, intervalMs: 5 });
    const r = await cap;
    expect([r.namespace, r.iface, r.frames]).to.deep.equal(['w2', 'eth0', 2]);
    expect(decodeAll(readPcap(r.pcap))).to.have.length(2);
  });

  it('no exception escaped the receive paths', () => {
    for (const ns of net.namespaces()) expect(ns.counters.internalErrors, `${ns.name}: ${String(ns.lastError)}`).to.equal(0);
    expect(backlogStats.escapedErrors).to.equal(0);
  });
});
