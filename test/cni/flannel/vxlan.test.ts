/**
 * flannel vxlan end to end: API server + in-memory underlay + one agent per node. Pods on three
 * nodes reach each other through flannel.1; the frames on eth0 are VXLAN (UDP 8472, VNI 1, the
 * remote VTEP MAC inside); nodes joining and leaving update every host in flannel's order.
 */
import { expect } from 'chai';
import { ANNOTATIONS, type FlannelAgent } from '../../../src/cni/flannel/index.js';
import { VxlanDevice, formatRoute, ping } from '../../../src/dataplane/stack/index.js';
import { formatBridgeFdb, formatNeighbours } from '../../../src/dataplane/iproute/index.js';
import { decodeEthernet, decodeIpv4, decodeUdp, decodeVxlan, formatMac, ipv4 } from '../../../src/net/index.js';
import { type FlannelLab, capture, flannelLab, oneRack, twoRacks, udpOnce, waitFor } from '../support.js';

describe('cni/flannel: vxlan backend', function () {
  let lab: FlannelLab;
  let agents: FlannelAgent[];

  before(async () => {
    lab = await flannelLab(oneRack(), { type: 'vxlan' }, { resyncPeriodMs: 200 });
    agents = [];
    for (const n of ['cp', 'w1', 'w2']) agents.push(await lab.join(n));
    const mtu = agents[1]!.mtu!;
    lab.net.attachPod('w1', 'default/a', '10.244.1.2', '10.244.1.0/24', { mtu });
    lab.net.attachPod('w1', 'default/b', '10.244.1.3', '10.244.1.0/24', { mtu });
    lab.net.attachPod('w2', 'default/c', '10.244.2.2', '10.244.2.0/24', { mtu: agents[2]!.mtu });
  });
  after(async () => lab.close());

  const vtep = (node: string): VxlanDevice => lab.net.node(node).ns.device('flannel.1') as VxlanDevice;

  it('creates flannel.1 (VNI 1, port 8472, MTU 1450) with the subnet .0/32 and gives pods MTU 1450', () => {
    const dev = vtep('w1');
    expect([dev.vni, dev.dstPort, dev.mtu, dev.up]).to.deep.equal([1, 8472, 1450, true]);
    expect(dev.addresses.map((a) => [a.address, a.prefixLength])).to.deep.equal([[ipv4('10.244.1.0'), 32]]);
    expect(agents[1]!.mtu).to.equal(1450);
    expect(lab.net.pods.get('default/a')!.eth0.mtu).to.equal(1450);
    expect(lab.net.node('w1').cni0!.mtu).to.equal(1450);
    expect(agents[1]!.subnetEnv()).to.deep.equal({
      FLANNEL_NETWORK: '10.244.0.0/16', FLANNEL_SUBNET: '10.244.1.1/24', FLANNEL_MTU: 1450, FLANNEL_IPMASQ: true,
    });
  });

  it('annotates the node as flannel does and clears NetworkUnavailable', async () => {
    await waitFor(() => lab.node('w1').status?.conditions?.some((c) => c.type === 'NetworkUnavailable') === true, 'condition');
    const a = lab.node('w1').metadata.annotations!;
    expect(a[ANNOTATIONS.subnetKubeManaged]).to.equal('true');
    expect(a[ANNOTATIONS.backendType]).to.equal('vxlan');
    expect(a[ANNOTATIONS.publicIP]).to.equal('172.18.0.3');
    expect(a[ANNOTATIONS.backendData]).to.equal(`{"VNI":1,"VtepMAC":"${formatMac(vtep('w1').mac)}"}`);
    const c = lab.node('w1').status!.conditions!.find((x) => x.type === 'NetworkUnavailable')!;
    expect([c.status, c.reason, c.message]).to.deep.equal(['False', 'FlannelIsUp', 'Flannel is running on this node']);
    expect(lab.node('w1').status!.conditions!.some((x) => x.type === 'Ready')).to.equal(true); // merged, not replaced
  });

  it('programs ARP, FDB and an onlink route per remote node', () => {
    const ns = lab.net.node('w1').ns;
    const routes = ns.routes.list().map(formatRoute);
    expect(routes).to.include('10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink');
    expect(routes).to.include('10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink');
    expect(routes.filter((r) => r.includes('flannel.1'))).to.have.length(2);
    expect(formatNeighbours(ns)).to.include(`10.244.2.0 dev flannel.1 lladdr ${formatMac(vtep('w2').mac)} PERMANENT`);
    expect(formatBridgeFdb(ns)).to.include(`${formatMac(vtep('w2').mac)} dev flannel.1 dst 172.18.0.4 self permanent`);
  });

  it('pod → pod on the same node (bridged, TTL 64) and across nodes (TTL 62), ping and UDP', async () => {
    const a = lab.net.pods.get('default/a')!.ns;
    const b = lab.net.pods.get('default/b')!.ns;
    const c = lab.net.pods.get('default/c')!.ns;
    expect((await ping(a, '10.244.1.3', { count: 2, intervalMs: 1 })).ttls).to.deep.equal([64, 64]);
    expect((await ping(a, '10.244.2.2', { count: 2, intervalMs: 1 })).ttls).to.deep.equal([62, 62]);
    expect(await udpOnce(a, b, '10.244.1.3', 100)).to.deep.include({ bytes: 100, ttl: 64 });
    const across = await udpOnce(a, c, '10.244.2.2', 100);
    expect(across).to.deep.include({ bytes: 100, ttl: 62, srcIp: ipv4('10.244.1.2') }); // pod ↔ pod is not masqueraded
  });

  it('puts VXLAN on the wire: outer IPv4/UDP 8472, VNI 1, the remote VTEP MAC, +50 bytes', async () => {
    const a = lab.net.pods.get('default/a')!.ns;
    const c = lab.net.pods.get('default/c')!.ns;
    const { tx } = await capture(lab.net.node('w1').eth0.dev, () => udpOnce(a, c, '10.244.2.2', 1422, { df: true }));
    const frames = tx.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => e.value);
    const outer = frames.map((e) => decodeIpv4(e.payload)).find((ip) => ip.ok && ip.value.protocol === 17);
    expect(outer?.ok).to.equal(true);
    if (!outer?.ok) return;
    const udp = decodeUdp(outer.value.payload, outer.value);
    if (!udp.ok) expect.fail(udp.error.message);
    expect([outer.value.src, outer.value.dst, outer.value.ttl]).to.deep.equal([ipv4('172.18.0.3'), ipv4('172.18.0.4'), 64]);
    expect(udp.value.dstPort).to.equal(8472);
    const vx = decodeVxlan(udp.value.payload);
    if (!vx.ok) expect.fail(vx.error.message);
    expect(vx.value.vni).to.equal(1);
    const innerEth = decodeEthernet(vx.value.payload);
    if (!innerEth.ok) expect.fail(innerEth.error.message);
    expect(formatMac(innerEth.value.dst)).to.equal(formatMac(vtep('w2').mac));
    expect(formatMac(innerEth.value.src)).to.equal(formatMac(vtep('w1').mac));
    const inner = decodeIpv4(innerEth.value.payload);
    if (!inner.ok) expect.fail(inner.error.message);
    expect([inner.value.src, inner.value.dst, inner.value.ttl]).to.deep.equal([ipv4('10.244.1.2'), ipv4('10.244.2.2'), 63]);
    // A full-size pod packet (1450 = the pod MTU) fills the 1500-byte underlay exactly: +50 with the inner Ethernet.
    expect(inner.value.totalLength).to.equal(1450);
    expect(outer.value.totalLength).to.equal(inner.value.totalLength + 50);
  });

  it('a node joining adds its ARP, FDB and route everywhere; leaving removes them in reverse order', async () => {
    const ns = lab.net.node('w1').ns;
    const calls: string[] = [];
    const dev = vtep('w1');
    const spy = <T extends object>(obj: T, name: keyof T & string, label: string): void => {
      const orig = (obj[name] as (...args: unknown[]) => unknown).bind(obj);
      (obj as Record<string, unknown>)[name] = (...args: unknown[]) => {
        calls.push(label);
        return orig(...args);
      };
    };
    spy(ns.neighbours, 'add', 'arp+');
    spy(dev, 'fdbAdd', 'fdb+');
    spy(ns.routes, 'replace', 'route+');
    spy(ns.routes, 'delete', 'route-');
    spy(dev, 'fdbDelete', 'fdb-');
    spy(ns.neighbours, 'delete', 'arp-');

    const w3 = await lab.join('w3');
    await waitFor(() => ns.routes.list().some((r) => formatRoute(r) === '10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink'), 'route to w3');
    expect(calls).to.deep.equal(['arp+', 'fdb+', 'route+']);
    lab.net.attachPod('w3', 'default/d', '10.244.3.2', '10.244.3.0/24', { mtu: w3.mtu });
    expect((await ping(lab.net.pods.get('default/a')!.ns, '10.244.3.2', { count: 1 })).received).to.equal(1);

    calls.length = 0;
    await w3.stop();
    await lab.api.client.delete('nodes', undefined, 'w3');
    await waitFor(() => !ns.routes.list().some((r) => r.dst === ipv4('10.244.3.0')), 'route to w3 removed');
    expect(calls).to.deep.equal(['route-', 'fdb-', 'arp-']);
    expect(formatNeighbours(ns)).to.not.include('10.244.3.0');
    expect(formatBridgeFdb(ns)).to.not.include(formatMac(vtep('w3').mac));
    expect((await ping(lab.net.pods.get('default/a')!.ns, '10.244.3.2', { count: 1, timeoutMs: 200 })).received).to.equal(0);
  });

  it('repairs drift on resync: a deleted route, neighbour or FDB entry comes back', async () => {
    const ns = lab.net.node('w1').ns;
    const dev = vtep('w1');
    ns.routes.delete({ dst: '10.244.2.0/24' });
    ns.neighbours.delete(dev, ipv4('10.244.2.0'));
    dev.fdbDelete(vtep('w2').mac);
    expect((await ping(lab.net.pods.get('default/a')!.ns, '10.244.2.2', { count: 1, timeoutMs: 100 })).received).to.equal(0);
    await waitFor(() => ns.routes.exact(ipv4('10.244.2.0'), 24).length === 1, 'route repaired');
    expect(ns.neighbours.get(dev, ipv4('10.244.2.0'))?.state).to.equal('PERMANENT');
    expect(dev.fdbGet(vtep('w2').mac)).to.equal(ipv4('172.18.0.4'));
    expect((await ping(lab.net.pods.get('default/a')!.ns, '10.244.2.2', { count: 1 })).received).to.equal(1);
  });
});

describe('cni/flannel: vxlan with DirectRouting across two racks', function () {
  let lab: FlannelLab;

  before(async () => {
    lab = await flannelLab(twoRacks(), { type: 'vxlan', directRouting: true });
    for (const n of ['cp', 'w1', 'w2']) await lab.join(n);
    for (const [node, i] of [['cp', 0], ['w1', 1], ['w2', 2]] as const) {
      lab.net.attachPod(node, `default/p${i}`, `10.244.${i}.2`, `10.244.${i}.0/24`, { mtu: lab.agents.get(node)!.mtu });
    }
  });
  after(async () => lab.close());

  it('routes same-subnet nodes directly and encapsulates only toward the other rack', () => {
    const routes = lab.net.node('w1').ns.routes.list().map(formatRoute);
    expect(routes).to.include('10.244.0.0/24 via 172.18.0.2 dev eth0');
    expect(routes).to.include('10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink');
    expect(formatNeighbours(lab.net.node('w1').ns)).to.not.include('10.244.0.0 dev flannel.1');
  });

  it('same rack: the pod packet itself on eth0; other rack: VXLAN through the router', async () => {
    const p1 = lab.net.pods.get('default/p1')!.ns;
    const direct = await capture(lab.net.node('w1').eth0.dev, () => udpOnce(p1, lab.net.pods.get('default/p0')!.ns, '10.244.0.2', 100));
    expect(direct.result).to.deep.include({ bytes: 100, ttl: 62 });
    const plain = direct.tx.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => decodeIpv4(e.value.payload)).find((ip) => ip.ok && ip.value.dst === ipv4('10.244.0.2'));
    expect(plain?.ok, 'unencapsulated packet to the cp pod on eth0').to.equal(true);
    const tunnelled = await capture(lab.net.node('w1').eth0.dev, () => udpOnce(p1, lab.net.pods.get('default/p2')!.ns, '10.244.2.2', 100));
    expect(tunnelled.result).to.deep.include({ bytes: 100, ttl: 62 }); // the router decrements the outer TTL only
    const outer = tunnelled.tx.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => decodeIpv4(e.value.payload)).find((ip) => ip.ok && ip.value.dst === ipv4('172.18.1.2'));
    if (!outer?.ok) return expect.fail('no VXLAN packet toward w2');
    const udp = decodeUdp(outer.value.payload, outer.value);
    expect(udp.ok && udp.value.dstPort).to.equal(8472);
  });
});
