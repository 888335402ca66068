import { expect } from 'chai';
import type { Node } from '../../../src/api/types.js';
import { NodeIpamController } from '../../../src/controllers/nodeipam/allocator.js';
import { CidrSet } from '../../../src/controllers/nodeipam/cidrset.js';
import { eventsFor, harness, settle, waitFor, type Harness } from '../nodelifecycle/support.js';

const node = (name: string, podCIDR?: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
});

describe('nodeipam NodeIpamController (real API)', () => {
  let h: Harness;
  let ctl: NodeIpamController | undefined;

  beforeEach(async () => {
    h = await harness('cidrAllocator');
  });
  afterEach(async () => {
    await ctl?.stop();
    ctl = undefined;
    await h.close();
  });

  const start = async (clusterCIDR: string, serviceCIDR: string, mask = 24): Promise<NodeIpamController> => {
    ctl = new NodeIpamController({ client: h.client, factory: h.factory, clock: h.clock, clusterCIDR, serviceCIDR, nodeCIDRMaskSize: mask, recorder: h.recorder });
    await ctl.start();
    return ctl;
  };
  const podCIDRs = async (): Promise<Map<string, string[]>> => {
    const list = await h.client.list<Node>('nodes');
    return new Map(list.items.map((n) => [n.metadata.name!, n.spec.podCIDRs ?? []]));
  };

  it('gives every node a distinct podCIDR inside the cluster range and keeps pre-assigned ones', async () => {
    await h.client.create('nodes', node('pre', '10.244.0.0/24')); // already holds the first subnet
    await h.client.create('nodes', node('a'));
    await start('10.244.0.0/16', '10.96.0.0/12');
    for (const n of ['b', 'c', 'd']) await h.client.create('nodes', node(n));
    const got = await waitFor(async () => {
      const m = await podCIDRs();
      return [...m.values()].every((c) => c.length === 1) && m.size === 5 ? m : undefined;
    }, 'all nodes to get a podCIDR');
    const all = [...got.values()].map((c) => c[0]!);
    expect(new Set(all).size).to.equal(5);
    expect(got.get('pre')).to.deep.equal(['10.244.0.0/24']);
    const range = new CidrSet('10.244.0.0/16', 24);
    for (const c of all) expect(range.overlaps(c), c).to.equal(true);
    const a = await h.client.get<Node>('nodes', undefined, 'a');
    expect(a.spec.podCIDR).to.equal(a.spec.podCIDRs![0]);
  });

  it('never hands out the part of the cluster range the service range overlaps', async () => {
    await start('10.0.0.0/16', '10.0.0.0/20');
    await h.client.create('nodes', node('a'));
    const cidr = await waitFor(async () => (await podCIDRs()).get('a')?.[0], 'a podCIDR');
    expect(cidr).to.equal('10.0.16.0/24');
  });

  it('on exhaustion leaves the node without a podCIDR, records CIDRNotAvailable, and allocates once a subnet is freed', async () => {
    await start('10.10.0.0/23', '10.96.0.0/12'); // room for two /24s
    for (const n of ['n1', 'n2']) await h.client.create('nodes', node(n));
    await waitFor(async () => [...(await podCIDRs()).values()].filter((c) => c.length).length === 2, 'two allocations');
    await h.client.create('nodes', node('n3'));
    const ev = await waitFor(async () => (await eventsFor(h.client, 'n3')).find((e) => e.reason === 'CIDRNotAvailable'), 'event');
    expect(ev.type).to.equal('Normal');
    expect(ev.message).to.equal('Node n3 status is now: CIDRNotAvailable');
    expect(ev.involvedObject.kind).to.equal('Node');
    expect((await podCIDRs()).get('n3')).to.deep.equal([]);

    // The rest keeps working: freeing n1's subnet lets n3 have it.
    const n1 = (await podCIDRs()).get('n1')![0];
    await h.client.delete('nodes', undefined, 'n1');
    const n3 = await waitFor(async () => (await podCIDRs()).get('n3')?.[0], 'n3 podCIDR after release');
    expect(n3).to.equal(n1);
    expect(ctl!.sets[0]!.allocatedCount()).to.equal(2);
  });

  it('releases the subnet of a deleted node and supports a dual-stack cluster CIDR', async () => {
    ctl = new NodeIpamController({
      client: h.client,
      factory: h.factory,
      clock: h.clock,
      clusterCIDR: '10.244.0.0/16,fd00:10:244::/56',
      nodeCIDRMaskSize: 24,
      recorder: h.recorder,
    });
    await ctl.start();
    await h.client.create('nodes', node('a'));
    const cidrs = await waitFor(async () => {
      const c = (await podCIDRs()).get('a');
      return c?.length ? c : undefined;
    }, 'dual-stack podCIDRs');
    expect(cidrs).to.deep.equal(['10.244.0.0/24', 'fd00:10:244::/64']);
    await h.client.delete('nodes', undefined, 'a');
    await waitFor(() => ctl!.sets.every((s) => s.allocatedCount() === 0), 'release');
    await settle();
  });
});
