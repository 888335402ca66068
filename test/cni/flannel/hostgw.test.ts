/**
 * flannel host-gw: plain routes via the other nodes' addresses on one L2 segment (no overhead, pod
 * MTU = underlay MTU); across two racks the route to the other rack cannot be installed, and the
 * agent says so (Event, NetworkUnavailable, one line) while traffic to that rack fails.
 */
import { expect } from 'chai';
import { ANNOTATIONS, type FlannelAgent } from '../../../src/cni/flannel/index.js';
import { formatRoute, ping } from '../../../src/dataplane/stack/index.js';
import { decodeEthernet, decodeIpv4, formatMac, ipv4 } from '../../../src/net/index.js';
import { type FlannelLab, capture, flannelLab, oneRack, twoRacks, udpOnce, waitFor } from '../support.js';

describe('cni/flannel: host-gw backend on one rack', function () {
  let lab: FlannelLab;
  let agents: FlannelAgent[];

  before(async () => {
    lab = await flannelLab(oneRack(), { type: 'host-gw' });
    agents = [];
    for (const n of ['cp', 'w1', 'w2']) agents.push(await lab.join(n));
    lab.net.attachPod('w1', 'default/a', '10.244.1.2', '10.244.1.0/24', { mtu: agents[1]!.mtu });
    lab.net.attachPod('w1', 'default/b', '10.244.1.3', '10.244.1.0/24', { mtu: agents[1]!.mtu });
    lab.net.attachPod('w2', 'default/c', '10.244.2.2', '10.244.2.0/24', { mtu: agents[2]!.mtu });
  });
  after(async () => lab.close());

  it('routes each remote subnet via its node, keeps MTU 1500 and publishes backend-data null', () => {
    const routes = lab.net.node('w1').ns.routes.list().map(formatRoute);
    expect(routes).to.include('10.244.0.0/24 via 172.18.0.2 dev eth0');
    expect(routes).to.include('10.244.2.0/24 via 172.18.0.4 dev eth0');
    expect(agents[1]!.mtu).to.equal(1500);
    expect(lab.net.pods.get('default/a')!.eth0.mtu).to.equal(1500);
    const a = lab.node('w1').metadata.annotations!;
    expect([a[ANNOTATIONS.backendType], a[ANNOTATIONS.backendData], a[ANNOTATIONS.publicIP], a[ANNOTATIONS.subnetKubeManaged]])
      .to.deep.equal(['host-gw', 'null', '172.18.0.3', 'true']);
    expect(agents[1]!.status()).to.deep.include({ phase: 'Running', lease: '10.244.1.0/24', mtu: 1500, problems: [] });
  });

  it('pod → pod on the same node and across nodes (TTL 62), ping and UDP', async () => {
    const a = lab.net.pods.get('default/a')!.ns;
    expect((await ping(a, '10.244.1.3', { count: 1 })).ttls).to.deep.equal([64]);
    expect((await ping(a, '10.244.2.2', { count: 2, intervalMs: 1 })).ttls).to.deep.equal([62, 62]);
    expect(await udpOnce(a, lab.net.pods.get('default/c')!.ns, '10.244.2.2', 200)).to.deep.include({ bytes: 200, ttl: 62 });
  });

  it('sends the pod packet itself on eth0, to the node\'s MAC, +0 bytes', async () => {
    const a = lab.net.pods.get('default/a')!.ns;
    const { tx } = await capture(lab.net.node('w1').eth0.dev, () => udpOnce(a, lab.net.pods.get('default/c')!.ns, '10.244.2.2', 1472, { df: true }));
    const ip = tx.map((f) => decodeEthernet(f)).filter((e) => e.ok).map((e) => decodeIpv4(e.value.payload)).find((p) => p.ok && p.value.protocol === 17);
    if (!ip?.ok) return expect.fail('no UDP packet on eth0');
    expect([ip.value.src, ip.value.dst, ip.value.ttl, ip.value.totalLength]).to.deep.equal([ipv4('10.244.1.2'), ipv4('10.244.2.2'), 63, 1500]);
    const frame = decodeEthernet(tx.find((f) => f.length === 1514)!);
    if (!frame.ok) return expect.fail(frame.error.message);
    expect(formatMac(frame.value.dst)).to.equal(formatMac(lab.net.node('w2').eth0.dev.mac));
  });

  it('masquerades pod traffic leaving the pod network, not pod ↔ pod', async () => {
    const a = lab.net.pods.get('default/a')!.ns;
    // To w2's host address (outside the pod network): the source becomes w1's address.
    const toHost = await udpOnce(a, lab.net.node('w2').ns, '172.18.0.4', 10);
    expect(toHost?.srcIp).to.equal(ipv4('172.18.0.3'));
    const toPod = await udpOnce(a, lab.net.pods.get('default/c')!.ns, '10.244.2.2', 10);
    expect(toPod?.srcIp).to.equal(ipv4('10.244.1.2'));
  });
});

describe('cni/flannel: host-gw across two racks', function () {
  let lab: FlannelLab;

  before(async () => {
    lab = await flannelLab(twoRacks(), { type: 'host-gw' });
    for (const n of ['cp', 'w1', 'w2']) {
      await lab.addNode(n);
      lab.startAgent(n);
    }
    lab.net.attachPod('cp', 'default/a', '10.244.0.2', '10.244.0.0/24', { mtu: 1500 });
    lab.net.attachPod('w1', 'default/b', '10.244.1.2', '10.244.1.0/24', { mtu: 1500 });
    lab.net.attachPod('w2', 'default/c', '10.244.2.2', '10.244.2.0/24', { mtu: 1500 });
  });
  after(async () => lab.close());

  it('cannot install the route to the other rack: Degraded, one line, an Event and NetworkUnavailable True', async () => {
    const w1 = lab.agents.get('w1')!;
    await waitFor(() => w1.status().phase === 'Degraded', 'w1 degraded');
    expect(w1.lastError()).to.equal(
      'flannel host-gw on w1: Error adding route to 10.244.2.0/24 via 172.18.1.2 dev eth0 (node w2): network is unreachable');
    expect(w1.lastError()).to.not.include('\n');
    await waitFor(() => lab.node('w1').status?.conditions?.find((c) => c.type === 'NetworkUnavailable')?.status === 'True', 'condition True');
    const c = lab.node('w1').status!.conditions!.find((x) => x.type === 'NetworkUnavailable')!;
    expect(c.reason).to.equal('FailedToCreateRoute');
    expect(c.message).to.include('network is unreachable');
    await waitFor(() => lab.agents.get('w2')!.status().phase === 'Degraded', 'w2 degraded');
    let events: Awaited<ReturnType<FlannelLab['events']>> = [];
    await waitFor(() => {
      void lab.events('w1').then((e) => (events = e));
      return events.some((e) => e.reason === 'FailedToCreateRoute');
    }, 'event on w1');
    const ev = events.find((e) => e.reason === 'FailedToCreateRoute')!;
    expect([ev.type, ev.source?.component, ev.involvedObject.kind]).to.deep.equal(['Warning', 'flanneld', 'Node']);
    // Only the route across the router is missing; the one within the rack is in place.
    expect(lab.net.node('w1').ns.routes.list().map(formatRoute)).to.include('10.244.0.0/24 via 172.18.0.2 dev eth0');
    expect(lab.net.node('w1').ns.routes.list().some((r) => r.dst === ipv4('10.244.2.0'))).to.equal(false);
  });

  it('traffic within the rack flows; traffic to the other rack fails as on real hosts', async () => {
    const b = lab.net.pods.get('default/b')!.ns;
    expect((await ping(b, '10.244.0.2', { count: 1 })).received).to.equal(1);
    const r = await ping(b, '10.244.2.2', { count: 2, intervalMs: 1, timeoutMs: 200 });
    expect(r.received).to.equal(0);
  });

  it('the node whose gateway is reachable reports nothing for it; a problem clears when its node leaves', async () => {
    const w1 = lab.agents.get('w1')!;
    await lab.agents.get('w2')!.stop();
    await lab.api.client.delete('nodes', undefined, 'w2');
    await waitFor(() => w1.status().phase === 'Running', 'w1 running again');
    expect(w1.lastError()).to.equal(undefined);
    await waitFor(() => lab.node('w1').status?.conditions?.find((c) => c.type === 'NetworkUnavailable')?.status === 'False', 'condition False');
  });
});
