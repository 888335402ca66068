/**
 * FlannelAgent's control-plane side: a node without podCIDR stays without network and says why,
 * then comes up when nodeipam gives it one; what others change (annotations, NetworkUnavailable,
 * iptables rules) is repaired; nodes flannel does not manage, or of another backend, are ignored.
 */
import { expect } from 'chai';
import { ANNOTATIONS, FLANNEL_POSTRTG, LeaseHub, type SubnetEnv, formatSubnetEnv } from '../../../src/cni/flannel/index.js';
import { save } from '../../../src/dataplane/netfilter/index.js';
import { formatRoute } from '../../../src/dataplane/stack/index.js';
import { buildNode } from '../../../src/node/registration.js';
import { type FlannelLab, flannelLab, oneRack, waitFor } from '../support.js';

const condition = (lab: FlannelLab, node: string) => lab.node(node).status?.conditions?.find((c) => c.type === 'NetworkUnavailable');

describe('cni/flannel: the agent', function () {
  let lab: FlannelLab;
  let envPromise: Promise<SubnetEnv | undefined>;

  before(async () => {
    lab = await flannelLab(oneRack(), { type: 'host-gw' }, { resyncPeriodMs: 100 });
    await lab.join('cp');
  });
  after(async () => lab.close());

  it('a node without podCIDR gets no network, an Event and NetworkUnavailable True saying why', async () => {
    await lab.addNode('w1', null);
    const agent = lab.startAgent('w1');
    envPromise = agent.waitForSubnetEnv();
    await waitFor(() => agent.status().phase === 'WaitingForPodCIDR', 'waiting for podCIDR');
    expect(agent.status().message).to.equal('node "w1" pod cidr not assigned');
    expect(agent.lastError()).to.equal('flannel host-gw on w1: failed to acquire lease: node "w1" pod cidr not assigned');
    expect(agent.mtu).to.equal(undefined);
    expect(agent.subnetEnv()).to.equal(undefined);
    await waitFor(() => condition(lab, 'w1')?.status === 'True', 'NetworkUnavailable True');
    expect(condition(lab, 'w1')).to.deep.include({ reason: 'PodCIDRNotAssigned', message: 'failed to acquire lease: node "w1" pod cidr not assigned' });
    let events: Awaited<ReturnType<FlannelLab['events']>> = [];
    await waitFor(() => {
      void lab.events('w1').then((e) => (events = e));
      return events.some((e) => e.reason === 'PodCIDRNotAssigned');
    }, 'an Event');
    // Nothing programmed, nothing published: flanneld writes its annotations only with a lease.
    expect(lab.net.node('w1').ns.routes.list().some((r) => r.dst >>> 16 === (10 << 8 | 244))).to.equal(false);
    expect(lab.node('w1').metadata.annotations?.[ANNOTATIONS.subnetKubeManaged]).to.equal(undefined);
    // cp does not route to a node that has published nothing.
    expect(lab.net.node('cp').ns.routes.list().some((r) => r.via === 0xac120003)).to.equal(false);
  });

  it('comes up as soon as the podCIDR is assigned (the Node update triggers it)', async () => {
    await lab.api.client.patch('nodes', undefined, 'w1', 'merge', { spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } });
    const agent = lab.agents.get('w1')!;
    await waitFor(() => agent.status().phase === 'Running', 'running');
    await waitFor(() => condition(lab, 'w1')?.status === 'False', 'NetworkUnavailable False');
    expect(condition(lab, 'w1')).to.deep.include({ reason: 'FlannelIsUp', message: 'Flannel is running on this node' });
    expect(await envPromise, 'waitForSubnetEnv resolves once the network runs').to.deep.equal(agent.subnetEnv());
    expect(formatSubnetEnv(agent.subnetEnv()!)).to.equal('FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1500\nFLANNEL_IPMASQ=true\n');
    await waitFor(() => lab.net.node('cp').ns.routes.list().map(formatRoute).includes('10.244.1.0/24 via 172.18.0.3 dev eth0'), 'cp routes to w1');
  });

  it('loads flannel\'s masquerade and forward rules', () => {
    const text = save(lab.net.node('w1').netfilter.ruleset, { tables: ['nat', 'filter'] });
    for (const line of [
      '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
      '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
      '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
      '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
      '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
      '-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
    ]) expect(text, line).to.include(line);
  });

  it('repairs what others change: annotations, the condition (a kubelet status write), the iptables chain', async () => {
    const agent = lab.agents.get('w1')!;
    await lab.api.client.patch('nodes', undefined, 'w1', 'merge', { metadata: { annotations: { [ANNOTATIONS.publicIP]: '1.2.3.4' } } });
    await waitFor(() => lab.node('w1').metadata.annotations?.[ANNOTATIONS.publicIP] === '172.18.0.3', 'public-ip restored');
    // A kubelet that rewrites all conditions drops NetworkUnavailable; the agent puts it back.
    const node = lab.node('w1');
    const conditions = node.status!.conditions!.filter((c) => c.type !== 'NetworkUnavailable');
    await lab.api.client.update('nodes', { ...node, status: { ...node.status, conditions } }, 'status');
    await waitFor(() => condition(lab, 'w1')?.status === 'False', 'condition restored');
    const ruleset = lab.net.node('w1').netfilter.ruleset;
    ruleset.apply('nat', (e) => e.flush(FLANNEL_POSTRTG));
    expect(ruleset.chain('nat', FLANNEL_POSTRTG)!.rules).to.have.length(0);
    await agent.resync();
    expect(ruleset.chain('nat', FLANNEL_POSTRTG)!.rules).to.have.length(6);
    const version = ruleset.version;
    await agent.resync();
    expect(ruleset.version, 'an ensure with nothing to repair rewrites nothing').to.equal(version);
  });

  it('ignores nodes flannel does not manage and nodes of another backend', async () => {
    const w2 = buildNode({ name: 'w2', role: 'worker', internalIP: '172.18.0.4', labels: {}, taints: [] }, Date.now());
    w2.spec = { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] };
    w2.metadata.annotations = { ...w2.metadata.annotations, [ANNOTATIONS.publicIP]: '172.18.0.4', [ANNOTATIONS.backendType]: 'host-gw' };
    await lab.api.client.create('nodes', w2); // no kube-subnet-manager annotation: not flannel's
    const w3 = buildNode({ name: 'w3', role: 'worker', internalIP: '172.18.0.5', labels: {}, taints: [] }, Date.now());
    w3.spec = { podCIDR: '10.244.3.0/24', podCIDRs: ['10.244.3.0/24'] };
    w3.metadata.annotations = {
      ...w3.metadata.annotations, [ANNOTATIONS.subnetKubeManaged]: 'true', [ANNOTATIONS.publicIP]: '172.18.0.5', [ANNOTATIONS.backendType]: 'vxlan',
      [ANNOTATIONS.backendData]: '{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:ff"}',
    };
    await lab.api.client.create('nodes', w3);
    await lab.agents.get('w1')!.resync();
    const routes = lab.net.node('w1').ns.routes.list().map(formatRoute);
    expect(routes.filter((r) => r.startsWith('10.244.2.') || r.startsWith('10.244.3.'))).to.deep.equal([]);
    expect(lab.agents.get('w1')!.logs().some((l) => l.includes('Ignoring non-host-gw subnet: type=vxlan'))).to.equal(true);
    await lab.api.client.delete('nodes', undefined, 'w2');
    await lab.api.client.delete('nodes', undefined, 'w3');
  });

  it('an unknown backend type fails visibly', async () => {
    const other = await flannelLab(oneRack(), { type: 'ipsec' });
    try {
      await other.addNode('w1');
      const agent = other.startAgent('w1');
      await waitFor(() => agent.status().phase === 'Failed', 'failed');
      expect(agent.status().message).to.equal('unknown backend type: ipsec');
      await waitFor(() => condition(other, 'w1')?.status === 'True', 'condition True');
      expect(condition(other, 'w1')!.message).to.equal('Error registering network: unknown backend type: ipsec');
    } finally {
      await other.close();
    }
  });

  it('a Node deleted and registered again with another podCIDR: the agent restarts on the new lease', async () => {
    const agent = lab.agents.get('w1')!;
    await lab.api.client.delete('nodes', undefined, 'w1');
    await waitFor(() => lab.nodes.get(undefined, 'w1') === undefined, 'w1 gone');
    await lab.addNode('w1', '10.244.7.0/24');
    await waitFor(() => agent.status().lease === '10.244.7.0/24' && agent.status().phase === 'Running', 'new lease');
    await waitFor(() => lab.node('w1').metadata.annotations?.[ANNOTATIONS.subnetKubeManaged] === 'true', 'annotations again');
    await waitFor(() => condition(lab, 'w1')?.status === 'False', 'condition again');
    const cpRoutes = (): string[] => lab.net.node('cp').ns.routes.list().map(formatRoute);
    await waitFor(() => cpRoutes().includes('10.244.7.0/24 via 172.18.0.3 dev eth0'), 'cp routes to the new subnet');
    expect(cpRoutes().some((r) => r.startsWith('10.244.1.0/24'))).to.equal(false);
    expect(save(lab.net.node('w1').netfilter.ruleset, { tables: ['nat'] })).to.include('-A FLANNEL-POSTRTG -s 10.244.7.0/24 -d 10.244.0.0/16');
    expect(agent.subnetEnv()!.FLANNEL_SUBNET).to.equal('10.244.7.1/24');
  });

  it('stop() removes the agent from the shared informer\'s fan-out and stops its timers', async () => {
    const hub = LeaseHub.of(lab.nodes);
    const before = hub.subscriptions;
    const agent = lab.agents.get('w1')!;
    await agent.stop();
    expect(agent.status().phase).to.equal('Stopped');
    expect(hub.subscriptions, 'its own-Node subscription and its network\'s lease watch').to.equal(before - 2);
    // No sync runs any more: a drifted chain stays drifted.
    const ruleset = lab.net.node('w1').netfilter.ruleset;
    ruleset.apply('nat', (e) => e.flush(FLANNEL_POSTRTG));
    await new Promise((r) => setTimeout(r, 250)); // 2.5 resync periods
    expect(ruleset.chain('nat', FLANNEL_POSTRTG)!.rules).to.have.length(0);
    // Like flanneld's exit, host-gw routes stay in place.
    expect(lab.net.node('w1').ns.routes.list().map(formatRoute)).to.include('10.244.0.0/24 via 172.18.0.2 dev eth0');
  });
});

describe('cni/flannel: forty agents on one shared informer', function () {
  it('every host routes to every other subnet, and a leaving node is removed everywhere', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `w${i + 1}`);
    const { loadTopologyText } = await import('../../../src/topology/load.js');
    const text = `apiVersion: kemu.dev/v1alpha1\nkind: Topology\nmetadata: {name: big}\nspec:\n  underlay: {subnets: [{name: dc, cidr: 172.18.0.0/24}]}\n  nodes:\n${names.map((n) => `    - {name: ${n}}`).join('\n')}\n`;
    const r = loadTopologyText(text, 'big.yaml');
    if (!r.ok) throw new Error(r.diagnostics[0]!.message);
    const lab = await flannelLab(r.value.topology, { type: 'vxlan' });
    try {
      for (const n of names) await lab.addNode(n);
      const agents = names.map((n) => lab.startAgent(n));
      const remoteRoutes = (n: string): number => lab.net.node(n).ns.routes.list().filter((x) => x.dev?.name === 'flannel.1').length;
      await waitFor(() => agents.every((a) => a.status().phase === 'Running') && names.every((n) => remoteRoutes(n) === 39), 'full mesh', 10_000);
      await agents[39]!.stop();
      await lab.api.client.delete('nodes', undefined, 'w40');
      await waitFor(() => names.slice(0, 39).every((n) => remoteRoutes(n) === 38), 'w40 gone everywhere');
    } finally {
      await lab.close();
    }
  });
});
