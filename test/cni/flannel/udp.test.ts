/**
 * flannel udp end to end on the real dgram underlay: flannel0 (TUN, subnet .0/32, MTU 1472), the
 * pod network routed into it, the raw inner IPv4 packet as the payload of UDP 8285 on eth0 (+28
 * bytes, TTL decremented by the proxy on each side), ICMP net unreachable for an unknown subnet.
 */
import { expect } from 'chai';
import { ANNOTATIONS, type FlannelAgent, type UdpProxyStats } from '../../../src/cni/flannel/index.js';
import { type NetNamespace, type UdpSocketError, formatRoute, ping } from '../../../src/dataplane/stack/index.js';
import { decodeEthernet, decodeIpv4, decodeUdp, ipv4 } from '../../../src/net/index.js';
import { udpHandles } from '../../dataplane/lab/support.js';
import { type FlannelLab, capture, flannelLab, oneRack, udpOnce, waitFor } from '../support.js';

/** Sends one datagram from `ns` to dst:9999 and resolves with the ICMP error its socket gets (or undefined). */
function udpError(ns: NetNamespace, dst: string): Promise<UdpSocketError | undefined> {
  const sock = ns.udp.bind(0);
  return new Promise<UdpSocketError | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 500);
    sock.onError((e) => {
      clearTimeout(timer);
      resolve(e);
    });
    sock.send(dst, 9999, new Uint8Array(20));
  }).finally(() => sock.close());
}

describe('cni/flannel: udp backend (dgram underlay)', function () {
  let lab: FlannelLab;
  let agents: FlannelAgent[];

  const handles = udpHandles();

  before(async () => {
    lab = await flannelLab(oneRack(), { type: 'udp' }, { kind: 'dgram' });
    agents = [];
    for (const n of ['cp', 'w1', 'w2']) agents.push(await lab.join(n));
    lab.net.attachPod('w1', 'default/a', '10.244.1.2', '10.244.1.0/24', { mtu: agents[1]!.mtu });
    lab.net.attachPod('w1', 'default/b', '10.244.1.3', '10.244.1.0/24', { mtu: agents[1]!.mtu });
    lab.net.attachPod('w2', 'default/c', '10.244.2.2', '10.244.2.0/24', { mtu: agents[2]!.mtu });
  });
  after(async () => {
    await lab.close();
    expect(udpHandles(), 'UDP sockets left open').to.equal(handles);
  });

  const stats = (i: number): UdpProxyStats => (agents[i]!.network as unknown as { stats: UdpProxyStats }).stats;

  it('creates flannel0 with the subnet .0/32, MTU 1472, and routes the pod network into it', () => {
    const ns = lab.net.node('w1').ns;
    const tun = ns.device('flannel0')!;
    expect([tun.kind, tun.mtu, tun.up]).to.deep.equal(['tun', 1472, true]);
    expect(tun.addresses.map((a) => [a.address, a.prefixLength])).to.deep.equal([[ipv4('10.244.1.0'), 32]]);
    expect(ns.routes.list().map(formatRoute)).to.include('10.244.0.0/16 dev flannel0');
    expect(agents[1]!.mtu).to.equal(1472);
    expect(lab.net.pods.get('default/a')!.eth0.mtu).to.equal(1472);
    const a = lab.node('w1').metadata.annotations!;
    expect([a[ANNOTATIONS.backendType], a[ANNOTATIONS.backendData], a[ANNOTATIONS.publicIP]]).to.deep.equal(['udp', 'null', '172.18.0.3']);
  });

  it('pod → pod on the same node (TTL 64) and across nodes: four hops, TTL 60', async () => {
    const a = lab.net.pods.get('default/a')!.ns;
    const c = lab.net.pods.get('default/c')!.ns;
    expect((await ping(a, '10.244.1.3', { count: 1 })).ttls).to.deep.equal([64]);
    // kernel forward, proxy, proxy, kernel forward: each takes one from the TTL.
    expect((await ping(a, '10.244.2.2', { count: 2, intervalMs: 1 })).ttls).to.deep.equal([60, 60]);
    expect(await udpOnce(a, c, '10.244.2.2', 300)).to.deep.include({ bytes: 300, ttl: 60, srcIp: ipv4('10.244.1.2') });
    expect(stats(1).encapsulated).to.be.greaterThan(0);
    expect(stats(2).decapsulated).to.be.greaterThan(0);
  });

  it('carries the raw inner IPv4 packet as the UDP 8285 payload: +28 bytes, no extra header', async () => {
    const a = lab.net.pods.get('default/a')!.ns;
    const c = lab.net.pods.get('default/c')!.ns;
    const { tx } = await capture(lab.net.node('w1').eth0.dev, () => udpOnce(a, c, '10.244.2.2', 1444, { df: true }));
    const outer = tx.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => decodeIpv4(e.value.payload))
      .find((ip) => ip.ok && ip.value.protocol === 17 && ip.value.dst === ipv4('172.18.0.4'));
    if (!outer?.ok) return expect.fail('no UDP frame to w2 on eth0');
    const udp = decodeUdp(outer.value.payload, outer.value); // checksum verified
    if (!udp.ok) return expect.fail(udp.error.message);
    expect([udp.value.srcPort, udp.value.dstPort]).to.deep.equal([8285, 8285]);
    expect([outer.value.src, outer.value.ttl]).to.deep.equal([ipv4('172.18.0.3'), 64]);
    const inner = decodeIpv4(udp.value.payload); // the payload is the packet itself, header checksum valid
    if (!inner.ok) return expect.fail(inner.error.message);
    expect([inner.value.src, inner.value.dst]).to.deep.equal([ipv4('10.244.1.2'), ipv4('10.244.2.2')]);
    expect(inner.value.ttl).to.equal(62); // 64, minus w1's forward, minus the proxy
    expect(inner.value.totalLength).to.equal(1472); // a full-size pod packet…
    expect(outer.value.totalLength).to.equal(1500); // …fills the underlay exactly: +28
  });

  it('answers a UDP datagram to no subnet with ICMP net unreachable from flannel0\'s address (TTL 8), never an ICMP one', async () => {
    const a = lab.net.pods.get('default/a')!.ns;
    const { rx, result: err } = await capture(lab.net.pods.get('default/a')!.eth0, () => udpError(a, '10.244.99.9'));
    expect(err).to.deep.include({ from: ipv4('10.244.1.0'), type: 3, code: 0, errno: 'ENETUNREACH' });
    const icmp = rx.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => decodeIpv4(e.value.payload)).find((ip) => ip.ok && ip.value.protocol === 1);
    if (!icmp?.ok) return expect.fail('no ICMP error reached the pod');
    expect([icmp.value.src, icmp.value.ttl]).to.deep.equal([ipv4('10.244.1.0'), 8]);
    expect(stats(1).noRoute).to.be.greaterThan(0);
    // RFC 792 (and proxy_amd64.c): no error about an ICMP packet; the ping just goes unanswered.
    const r = await ping(a, '10.244.99.9', { count: 1, timeoutMs: 200 });
    expect([r.received, r.errors.length]).to.deep.equal([0, 0]);
  });

  it('drops and counts malformed datagrams on port 8285 without harm', async () => {
    const before = stats(1).malformed;
    const sender = lab.net.node('w2').ns.udp.bind(0);
    sender.send('172.18.0.3', 8285, new Uint8Array([1, 2, 3]));
    sender.send('172.18.0.3', 8285, new Uint8Array(40).fill(0x60)); // "IPv6"
    sender.close();
    await waitFor(() => stats(1).malformed === before + 2, 'malformed counted');
    expect((await ping(lab.net.pods.get('default/a')!.ns, '10.244.2.2', { count: 1 })).received).to.equal(1);
  });

  it('a node leaving is removed from the proxy; stopping the agent deletes flannel0', async () => {
    await agents[2]!.stop();
    await lab.api.client.delete('nodes', undefined, 'w2');
    await waitFor(() => (agents[1]!.network as unknown as { proxy: { routes: { size: number } } }).proxy.routes.size === 1, 'w2 forgotten');
    expect(await udpError(lab.net.pods.get('default/a')!.ns, '10.244.2.2')).to.deep.include({ type: 3, code: 0 });
    expect(lab.net.node('w2').ns.device('flannel0')).to.equal(undefined);
    expect(lab.net.node('w2').ns.routes.list().some((x) => x.dev?.name === 'flannel0')).to.equal(false);
  });
});
