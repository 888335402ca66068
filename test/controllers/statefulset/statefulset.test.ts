import { expect } from 'chai';
import type { Pod, StatefulSet } from '../../../src/api/types.js';
import { startCluster, type Harness } from '../scheduler/harness.js';

function stsManifest(replicas: number, extra: Partial<StatefulSet['spec']> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      replicas,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db:1' }] } },
      ...extra,
    },
  };
}

describe('StatefulSetController', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  const live = async () => (await h.pods()).filter((p) => !p.metadata.deletionTimestamp);
  const names = async () => (await live()).map((p) => p.metadata.name).sort();
  const getSet = () => h.client.get<StatefulSet>('statefulsets', 'default', 'db');

  it('OrderedReady: creates db-(i+1) only once db-0..i are Running and Ready', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }, { name: 'w2' }], controllers: ['scheduler', 'statefulset'] });
    const set = await h.client.create<StatefulSet>('statefulsets', stsManifest(3));
    await h.settle();
    expect(await names()).to.deep.equal(['db-0']);
    await h.settle();
    expect(await names(), 'still waiting for db-0').to.deep.equal(['db-0']);
    await h.runPods();
    await h.settle();
    expect(await names()).to.deep.equal(['db-0', 'db-1']);
    await h.runPods();
    await h.settle();
    expect(await names()).to.deep.equal(['db-0', 'db-1', 'db-2']);
    await h.runPods();
    await h.settle();

    const pod = await h.client.get<Pod>('pods', 'default', 'db-1');
    expect(pod.spec.hostname).to.equal('db-1');
    expect(pod.spec.subdomain).to.equal('db');
    expect(pod.metadata.labels).to.include({ app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-1', 'apps.kubernetes.io/pod-index': '1' });
    expect(pod.metadata.labels?.['controller-revision-hash']).to.match(/^db-[a-z0-9]+$/);
    expect(pod.metadata.ownerReferences).to.deep.equal([
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    const status = (await getSet()).status!;
    expect(status).to.deep.include({ observedGeneration: 1, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, collisionCount: 0 });
    expect(status.currentRevision).to.equal(pod.metadata.labels?.['controller-revision-hash']);
    expect(status.updateRevision).to.equal(status.currentRevision);
    expect((await h.events('SuccessfulCreate')).map((e) => e.message)).to.deep.equal([0, 1, 2].map((i) => `create Pod db-${i} in StatefulSet db successful`));
  });

  it('OrderedReady scale-down removes the highest ordinal first, one at a time', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }], controllers: ['scheduler', 'statefulset'] });
    await h.client.create('statefulsets', stsManifest(3));
    for (let i = 0; i < 4; i++) {
      await h.settle();
      await h.runPods();
    }
    expect(await names()).to.deep.equal(['db-0', 'db-1', 'db-2']);
    await h.client.patch('statefulsets', 'default', 'db', 'merge', { spec: { replicas: 1 } });
    await h.settle();
    expect(await names()).to.deep.equal(['db-0', 'db-1']); // db-2 terminating, db-1 waits for it
    await h.finishTerminating();
    await h.settle();
    expect(await names()).to.deep.equal(['db-0']);
    await h.finishTerminating();
    await h.settle();
    expect((await getSet()).status?.replicas).to.equal(1);
  });

  it('Parallel creates and removes all pods at once', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }], controllers: ['scheduler', 'statefulset'] });
    await h.client.create('statefulsets', stsManifest(3, { podManagementPolicy: 'Parallel' }));
    await h.settle();
    expect(await names()).to.deep.equal(['db-0', 'db-1', 'db-2']);
    await h.client.patch('statefulsets', 'default', 'db', 'merge', { spec: { replicas: 0 } });
    await h.settle();
    expect(await names()).to.deep.equal([]);
  });

  it('recreates a deleted pod under the same name', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }], controllers: ['scheduler', 'statefulset'] });
    await h.client.create('statefulsets', stsManifest(2));
    for (let i = 0; i < 3; i++) {
      await h.settle();
      await h.runPods();
    }
    const before = await h.client.get<Pod>('pods', 'default', 'db-0');
    await h.client.delete('pods', 'default', 'db-0');
    await h.finishTerminating();
    await h.settle();
    const after = await h.client.get<Pod>('pods', 'default', 'db-0');
    expect(after.metadata.uid).to.not.equal(before.metadata.uid);
  });

  it('RollingUpdate replaces pods from the highest ordinal down, each after the previous is ready', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }], controllers: ['scheduler', 'statefulset'] });
    await h.client.create('statefulsets', stsManifest(3));
    for (let i = 0; i < 4; i++) {
      await h.settle();
      await h.runPods();
    }
    const oldRev = (await getSet()).status?.currentRevision;
    await h.client.patch('statefulsets', 'default', 'db', 'merge', { spec: { template: { spec: { containers: [{ name: 'db', image: 'db:2' }] } } } });
    const order: string[] = [];
    for (let i = 0; i < 12; i++) {
      await h.settle();
      for (const p of await h.pods()) if (p.metadata.deletionTimestamp && !order.includes(p.metadata.name!)) order.push(p.metadata.name!);
      await h.finishTerminating();
      await h.settle();
      await h.runPods();
    }
    expect(order).to.deep.equal(['db-2', 'db-1', 'db-0']);
    const pods = await live();
    expect(pods.map((p: Pod) => p.spec.containers[0]!.image)).to.deep.equal(['db:2', 'db:2', 'db:2']);
    const status = (await getSet()).status!;
    expect(status.currentRevision).to.not.equal(oldRev);
    expect(status.currentRevision).to.equal(status.updateRevision);
    expect(status.updatedReplicas).to.equal(3);
  });
});
