import { expect } from 'chai';
import type { DaemonSet, Node, Pod } from '../../../src/api/types.js';
import { startCluster, type Harness } from '../scheduler/harness.js';
import { nodeManifest } from '../scheduler/harness.js';

const CP = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const };

function dsManifest(extraSpec: Record<string, unknown> = {}, image = 'agent:1'): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image }], ...extraSpec } },
    },
  };
}

describe('DaemonSetController', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  const live = async () => (await h.pods()).filter((p) => !p.metadata.deletionTimestamp);
  const byNode = async () => (await live()).map((p) => p.spec.nodeName).sort();
  const getDs = () => h.client.get<DaemonSet>('daemonsets', 'default', 'agent');

  it('runs one pod per eligible node, pinned by affinity and bound by the scheduler', async () => {
    h = await startCluster({
      nodes: [{ name: 'cp', taints: [CP] }, { name: 'w1' }, { name: 'w2', unschedulable: true }, { name: 'edge', labels: { role: 'edge' } }],
      controllers: ['scheduler', 'daemonset'],
    });
    const ds = await h.client.create<DaemonSet>('daemonsets', dsManifest());
    await h.settle();
    // cp: untolerated NoSchedule taint; w2: cordoned, but daemon pods tolerate that.
    expect(await byNode()).to.deep.equal(['edge', 'w1', 'w2']);
    for (const p of await live()) {
      expect(p.metadata.generateName).to.equal('agent-');
      expect(p.metadata.ownerReferences?.[0]).to.include({ kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid, controller: true });
      expect(p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).to.deep.equal([
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] },
      ]);
      expect(p.spec.tolerations?.map((t) => t.key)).to.include('node.kubernetes.io/unschedulable');
    }
    await h.runPods();
    await h.settle();
    expect((await getDs()).status).to.deep.equal({
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
      desiredNumberScheduled: 3,
      numberReady: 3,
      observedGeneration: 1,
      updatedNumberScheduled: 3,
      numberAvailable: 3,
    });
  });

  it('honours nodeSelector, follows nodes as they come, go and change labels', async () => {
    h = await startCluster({ nodes: [{ name: 'w1', labels: { role: 'edge' } }, { name: 'w2' }], controllers: ['scheduler', 'daemonset'] });
    await h.client.create('daemonsets', dsManifest({ nodeSelector: { role: 'edge' } }));
    await h.settle();
    expect(await byNode()).to.deep.equal(['w1']);
    await h.client.create('nodes', nodeManifest({ name: 'w3', labels: { role: 'edge' } }));
    await h.settle();
    expect(await byNode()).to.deep.equal(['w1', 'w3']);
    // w1 loses the label: its pod is misscheduled and removed.
    const w1 = await h.client.get<Node>('nodes', undefined, 'w1');
    await h.client.update('nodes', { ...w1, metadata: { ...w1.metadata, labels: { 'kubernetes.io/hostname': 'w1' } } });
    await h.settle();
    expect(await byNode()).to.deep.equal(['w3']);
    await h.finishTerminating();
    await h.settle();
    expect((await getDs()).status).to.include({ desiredNumberScheduled: 1, currentNumberScheduled: 1, numberMisscheduled: 0 });
  });

  it('replaces a failed daemon pod and a deleted one', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }, { name: 'w2' }], controllers: ['scheduler', 'daemonset'] });
    await h.client.create('daemonsets', dsManifest());
    await h.settle();
    await h.runPods();
    const [a, b] = await live();
    await h.client.update('pods', { ...a!, status: { ...a!.status, phase: 'Failed' } }, 'status');
    await h.client.delete('pods', 'default', b!.metadata.name!, { gracePeriodSeconds: 0 });
    await h.settle();
    await h.finishTerminating();
    await h.settle();
    const pods = (await live()).filter((p: Pod) => p.status?.phase !== 'Failed');
    expect(pods.map((p) => p.spec.nodeName).sort()).to.deep.equal(['w1', 'w2']);
    expect(pods.map((p) => p.metadata.name)).to.not.include.members([a!.metadata.name, b!.metadata.name]);
    expect((await h.events('FailedDaemonPod')).length).to.equal(1);
  });

  it('a NoExecute taint removes the daemon pod; a NoSchedule taint keeps it', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }, { name: 'w2' }], controllers: ['scheduler', 'daemonset'] });
    await h.client.create('daemonsets', dsManifest());
    await h.settle();
    for (const [name, effect] of [['w1', 'NoSchedule'], ['w2', 'NoExecute']] as const) {
      const n = await h.client.get<Node>('nodes', undefined, name);
      await h.client.update('nodes', { ...n, spec: { ...n.spec, taints: [{ key: 'maintenance', effect }] } });
    }
    await h.settle();
    expect(await byNode()).to.deep.equal(['w1']);
  });

  it('RollingUpdate replaces old pods at most maxUnavailable at a time', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }, { name: 'w2' }, { name: 'w3' }], controllers: ['scheduler', 'daemonset'] });
    await h.client.create('daemonsets', dsManifest());
    await h.settle();
    await h.runPods();
    await h.settle();
    await h.client.patch('daemonsets', 'default', 'agent', 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } });
    for (let i = 0; i < 10; i++) {
      await h.settle();
      const pods = await live();
      const unavailable = 3 - pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      expect(unavailable, `step ${i}`).to.be.at.most(1);
      await h.finishTerminating();
      await h.settle();
      await h.runPods();
    }
    const pods = await live();
    expect(pods.map((p) => p.spec.containers[0]!.image)).to.deep.equal(['agent:2', 'agent:2', 'agent:2']);
    expect((await getDs()).status).to.include({ updatedNumberScheduled: 3, numberAvailable: 3 });
  });
});
