import { expect } from 'chai';
import type { Node, Pod } from '../../../src/api/types.js';
import { podManifest } from '../../support/api.js';
import { startCluster, type Harness } from './harness.js';

const CP_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const };

describe('Scheduler', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  const scheduled = async (): Promise<Record<string, string | undefined>> =>
    Object.fromEntries((await h.pods()).map((p) => [p.metadata.name, p.spec.nodeName]));

  it('binds a pod through pods/binding and records Scheduled', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }], controllers: ['scheduler'] });
    await h.client.create('pods', podManifest('web', { app: 'web' }));
    await h.settle();
    const pod = await h.client.get<Pod>('pods', 'default', 'web');
    expect(pod.spec.nodeName).to.equal('w1');
    expect(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).to.equal('True');
    const ev = await h.events('Scheduled');
    expect(ev.map((e) => [e.type, e.message, e.source?.component])).to.deep.equal([['Normal', 'Successfully assigned default/web to w1', 'default-scheduler']]);
  });

  it('an unschedulable pod stays Pending with PodScheduled=False and FailedScheduling, then schedules when a node fits', async () => {
    h = await startCluster({
      nodes: [{ name: 'cp', taints: [CP_TAINT] }, { name: 'w1' }, { name: 'w2' }],
      controllers: ['scheduler'],
    });
    await h.client.create('pods', podManifest('db', {}, { nodeSelector: { disk: 'ssd' } }));
    await h.settle();
    const pod = await h.client.get<Pod>('pods', 'default', 'db');
    const message =
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    expect(pod.spec.nodeName).to.equal(undefined);
    expect(pod.status?.phase).to.equal('Pending');
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(cond).to.include({ status: 'False', reason: 'Unschedulable', message });
    const failed = await h.events('FailedScheduling');
    expect(failed.map((e) => [e.type, e.message])).to.deep.equal([['Warning', message]]);

    // A node that matches arrives: the waiting pod is retried at once.
    const w2 = await h.client.get<Node>('nodes', undefined, 'w2');
    await h.client.update('nodes', { ...w2, metadata: { ...w2.metadata, labels: { ...w2.metadata.labels, disk: 'ssd' } } });
    await h.settle();
    expect((await h.client.get<Pod>('pods', 'default', 'db')).spec.nodeName).to.equal('w2');
  });

  it('keeps pods off nodes with untolerated taints and off NotReady-tainted nodes', async () => {
    h = await startCluster({
      nodes: [
        { name: 'cp', taints: [CP_TAINT] },
        { name: 'gpu', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
        { name: 'sick', ready: false, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] },
        { name: 'w1' },
      ],
      controllers: ['scheduler'],
    });
    for (let i = 0; i < 4; i++) await h.client.create('pods', podManifest(`p${i}`));
    await h.client.create('pods', podManifest('tolerant', {}, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }], nodeSelector: { 'kubernetes.io/hostname': 'gpu' } }));
    await h.settle();
    const where = await scheduled();
    expect(where).to.deep.equal({ p0: 'w1', p1: 'w1', p2: 'w1', p3: 'w1', tolerant: 'gpu' });
  });

  it('a cordoned node gets no new pods; uncordoning lets a waiting pod in', async () => {
    h = await startCluster({ nodes: [{ name: 'w1', unschedulable: true }, { name: 'w2', pods: '1' }], controllers: ['scheduler'] });
    await h.client.create('pods', podManifest('a'));
    await h.client.create('pods', podManifest('b'));
    await h.settle();
    const first = await scheduled();
    expect(Object.values(first).filter((n) => n === 'w2')).to.have.length(1);
    expect(Object.values(first)).to.not.include('w1');
    const waiting = (await h.pods()).find((p) => !p.spec.nodeName)!;
    expect(waiting.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).to.equal(
      '0/2 nodes are available: 1 Too many pods, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
    );
    const w1 = await h.client.get<Node>('nodes', undefined, 'w1');
    await h.client.update('nodes', { ...w1, spec: { ...w1.spec, unschedulable: false } });
    await h.settle();
    expect((await h.client.get<Pod>('pods', 'default', waiting.metadata.name!)).spec.nodeName).to.equal('w1');
  });

  it('a burst of pods does not overcommit a node (assumed bindings)', async () => {
    h = await startCluster({ nodes: [{ name: 'w1', cpu: '1' }, { name: 'w2', cpu: '1' }], controllers: ['scheduler'] });
    const req = { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '300m' } } }] };
    await Promise.all(Array.from({ length: 8 }, (_, i) => h.client.create('pods', podManifest(`p${i}`, {}, req))));
    await h.settle();
    const pods = await h.pods();
    const perNode = (n: string) => pods.filter((p) => p.spec.nodeName === n).length;
    expect([perNode('w1'), perNode('w2')]).to.deep.equal([3, 3]);
    expect(pods.filter((p) => !p.spec.nodeName)).to.have.length(2);
  });

  it('a deleted pod frees room for a waiting one', async () => {
    h = await startCluster({ nodes: [{ name: 'w1', pods: '1' }], controllers: ['scheduler'] });
    await h.client.create('pods', podManifest('first'));
    await h.settle();
    await h.client.create('pods', podManifest('second'));
    await h.settle();
    expect((await scheduled()).second).to.equal(undefined);
    await h.client.delete('pods', 'default', 'first', { gracePeriodSeconds: 0 });
    await h.settle();
    expect((await scheduled()).second).to.equal('w1');
  });

  it('ignores pods for other schedulers', async () => {
    h = await startCluster({ nodes: [{ name: 'w1' }], controllers: ['scheduler'] });
    await h.client.create('pods', podManifest('other', {}, { schedulerName: 'my-scheduler' }));
    await h.settle();
    expect((await scheduled()).other).to.equal(undefined);
    expect(await h.events('FailedScheduling')).to.have.length(0);
  });

  it('retries a waiting pod after five minutes even without cluster events', async () => {
    h = await startCluster({ nodes: [{ name: 'w1', pods: '0' }], controllers: ['scheduler'] });
    await h.client.create('pods', podManifest('p'));
    await h.settle();
    expect((await h.events('FailedScheduling'))[0]?.count).to.equal(1);
    h.clock.advance(5 * 60_000 + 30_000);
    await h.settle();
    expect((await h.events('FailedScheduling'))[0]?.count).to.equal(2);
  });
});
