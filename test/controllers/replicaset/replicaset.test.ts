import { expect } from 'chai';
import type { Pod, ReplicaSet } from '../../../src/api/types.js';
import { podManifest } from '../../support/api.js';
import { startCluster, type Harness } from '../scheduler/harness.js';

function rsManifest(name: string, replicas: number, extra: Record<string, unknown> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] } },
      ...extra,
    },
  };
}

describe('ReplicaSetController', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  const live = async () => (await h.pods()).filter((p) => !p.metadata.deletionTimestamp);
  const scale = async (name: string, replicas: number) => {
    const rs = await h.client.get<ReplicaSet>('replicasets', 'default', name);
    await h.client.update('replicasets', { ...rs, spec: { ...rs.spec, replicas } });
  };

  it('creates owned pods from the template, named <rs>-<5 chars>, and reports status', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }, { name: 'w2' }], controllers: ['scheduler', 'replicaset'] });
    const rs = await h.client.create<ReplicaSet>('replicasets', rsManifest('web', 3));
    await h.settle();
    const pods = await h.pods();
    expect(pods).to.have.length(3);
    for (const p of pods) {
      expect(p.metadata.name).to.match(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p.metadata.labels).to.deep.equal({ app: 'web', tier: 'web' });
      expect(p.metadata.ownerReferences).to.deep.equal([
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
    }
    expect((await h.events('SuccessfulCreate')).map((e) => e.message).sort()).to.deep.equal(pods.map((p) => `Created pod: ${p.metadata.name}`).sort());
    let got = await h.client.get<ReplicaSet>('replicasets', 'default', 'web');
    expect(got.status).to.deep.equal({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
    await h.runPods(2);
    await h.settle();
    got = await h.client.get<ReplicaSet>('replicasets', 'default', 'web');
    expect(got.status).to.deep.equal({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
  });

  it('a burst is not doubled: expectations hold back syncs until the creates are seen', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }], controllers: ['replicaset'] });
    await h.client.create('replicasets', rsManifest('big', 40));
    // Extra events while the creates are in flight must not cause extra pods.
    for (let i = 0; i < 5; i++) {
      const rs = await h.client.get<ReplicaSet>('replicasets', 'default', 'big');
      await h.client.update('replicasets', { ...rs, metadata: { ...rs.metadata, annotations: { poke: String(i) } } });
    }
    await h.settle();
    expect(await h.pods()).to.have.length(40);
  });

  it('scales down unscheduled, then pending, then not-ready pods first', async () => {
    h = await startCluster({ nodes: [{ name: 'w1', pods: '3' }], controllers: ['scheduler', 'replicaset'] });
    await h.client.create('replicasets', rsManifest('web', 4));
    await h.settle();
    // 3 scheduled (one stays Pending, one Running not ready, one Running and ready), 1 unscheduled
    const pods = await h.pods();
    const scheduled = pods.filter((p) => p.spec.nodeName);
    expect(scheduled).to.have.length(3);
    await h.runPods(2);
    const running = (await h.pods()).filter((p) => p.status?.phase === 'Running');
    const notReady = running[0]!;
    await h.client.update('pods', { ...notReady, status: { ...notReady.status, conditions: [{ type: 'Ready', status: 'False' }] } }, 'status');
    await h.settle();
    const unscheduled = pods.find((p) => !p.spec.nodeName)!.metadata.name;
    const pending = (await h.pods()).find((p) => p.spec.nodeName && p.status?.phase === 'Pending')!.metadata.name;
    const ready = running[1]!.metadata.name;

    await scale('web', 3);
    await h.settle();
    expect((await live()).map((p) => p.metadata.name)).to.not.include(unscheduled);
    await scale('web', 2);
    await h.settle();
    expect((await live()).map((p) => p.metadata.name)).to.not.include(pending);
    await scale('web', 1);
    await h.settle();
    expect((await live()).map((p) => p.metadata.name)).to.deep.equal([ready]);
    expect((await h.events('SuccessfulDelete')).length).to.equal(3);
  });

  it('replaces deleted and failed (evicted) pods', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }], controllers: ['scheduler', 'replicaset'] });
    await h.client.create('replicasets', rsManifest('web', 2));
    await h.settle();
    await h.runPods();
    const [a, b] = await h.pods();
    await h.client.delete('pods', 'default', a!.metadata.name!);
    await h.client.update('pods', { ...b!, status: { ...b!.status, phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } }, 'status');
    await h.settle();
    const active = (await live()).filter((p) => p.status?.phase !== 'Failed');
    expect(active).to.have.length(2);
    expect(active.map((p) => p.metadata.name)).to.not.include.members([a!.metadata.name, b!.metadata.name]);
    expect((await h.client.get<ReplicaSet>('replicasets', 'default', 'web')).status?.replicas).to.equal(2);
  });

  it('adopts matching orphans and releases pods whose labels stop matching', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }], controllers: ['replicaset'] });
    await h.client.create('pods', podManifest('orphan', { app: 'web', tier: 'web' }));
    await h.client.create('pods', podManifest('stranger', { app: 'other' }));
    const rs = await h.client.create<ReplicaSet>('replicasets', rsManifest('web', 2));
    await h.settle();
    const orphan = await h.client.get<Pod>('pods', 'default', 'orphan');
    expect(orphan.metadata.ownerReferences?.[0]).to.include({ kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true });
    expect((await h.client.get<Pod>('pods', 'default', 'stranger')).metadata.ownerReferences).to.equal(undefined);
    expect(await h.pods()).to.have.length(3); // orphan + 1 created + stranger

    await h.client.patch('pods', 'default', 'orphan', 'merge', { metadata: { labels: { app: 'quarantine' } } });
    await h.settle();
    expect((await h.client.get<Pod>('pods', 'default', 'orphan')).metadata.ownerReferences ?? []).to.deep.equal([]);
    const owned = (await h.pods()).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid));
    expect(owned).to.have.length(2);
  });

  it('availableReplicas waits for minReadySeconds (FakeClock)', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }], controllers: ['scheduler', 'replicaset'] });
    await h.client.create('replicasets', rsManifest('web', 1, { minReadySeconds: 30 }));
    await h.settle();
    await h.runPods();
    await h.settle();
    let rs = await h.client.get<ReplicaSet>('replicasets', 'default', 'web');
    expect([rs.status?.readyReplicas, rs.status?.availableReplicas]).to.deep.equal([1, undefined]);
    h.clock.advance(30_000);
    await h.settle();
    rs = await h.client.get<ReplicaSet>('replicasets', 'default', 'web');
    expect([rs.status?.readyReplicas, rs.status?.availableReplicas]).to.deep.equal([1, 1]);
  });
});
