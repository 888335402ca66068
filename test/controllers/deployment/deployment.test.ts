import { expect } from 'chai';
import type { Deployment, Node, Pod, ReplicaSet } from '../../../src/api/types.js';
import { startCluster, type Harness } from '../scheduler/harness.js';

const NODES = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];

function deploymentManifest(replicas: number, strategy: Deployment['spec']['strategy'] = undefined, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      ...(strategy ? { strategy } : {}),
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'agnhost:2.47' }] } },
      ...extra,
    },
  };
}

describe('DeploymentController', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  const live = async () => (await h.pods()).filter((p) => !p.metadata.deletionTimestamp);
  const sets = async () => (await h.client.list<ReplicaSet>('replicasets', { namespace: 'default' })).items;
  const getD = () => h.client.get<Deployment>('deployments', 'default', 'web');
  const patchSpec = (spec: Record<string, unknown>) => h.client.patch('deployments', 'default', 'web', 'merge', { spec });
  const setImage = (image: string) => patchSpec({ template: { spec: { containers: [{ name: 'app', image }] } } });
  /** Plays kubelet until nothing changes: pods start, terminating pods go. */
  const converge = async () => {
    for (let i = 0; i < 50; i++) {
      await h.settle();
      if ((await h.runPods()) + (await h.finishTerminating()) === 0) return;
    }
    throw new Error('did not converge');
  };

  it('a Deployment of 3 creates one ReplicaSet <name>-<hash> and 3 pods spread over the nodes', async () => {
    h = await startCluster({ nodes: NODES, controllers: ['scheduler', 'replicaset', 'deployment'] });
    const created = await h.client.create<Deployment>('deployments', deploymentManifest(3));
    await converge();
    const rss = await sets();
    expect(rss).to.have.length(1);
    const rs = rss[0]!;
    const hash = rs.metadata.labels?.['pod-template-hash'];
    expect(rs.metadata.name).to.equal(`web-${hash}`);
    expect(rs.spec.selector.matchLabels).to.deep.equal({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec.template.metadata?.labels).to.deep.equal({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.ownerReferences?.[0]).to.include({ kind: 'Deployment', name: 'web', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true });
    expect(rs.metadata.annotations).to.deep.equal({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    const pods = await live();
    expect(pods).to.have.length(3);
    expect(pods.map((p) => p.spec.nodeName).sort()).to.deep.equal(['a', 'b', 'c']);
    for (const p of pods) expect(p.metadata.name).to.match(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));

    const d = await getD();
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).to.equal('1');
    const { conditions, ...counts } = d.status!;
    expect(counts).to.deep.equal({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(conditions.map((c: any) => [c.type, c.status, c.reason, c.message])).to.deep.equal([
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rs.metadata.name}" has successfully progressed.`],
    ]);
    expect((await h.events('ScalingReplicaSet')).map((e) => e.message)).to.deep.equal([`Scaled up replica set ${rs.metadata.name} from 0 to 3`]);
  });

  it('scales to 5 and to 1 (kubectl scale), on the same ReplicaSet', async () => {
    h = await startCluster({ nodes: NODES, controllers: ['scheduler', 'replicaset', 'deployment'] });
    await h.client.create('deployments', deploymentManifest(3));
    await converge();
    await h.client.patch('deployments', 'default', 'web', 'merge', { spec: { replicas: 5 } }, 'scale');
    await converge();
    let pods = await live();
    expect(pods).to.have.length(5);
    const perNode = ['a', 'b', 'c'].map((n) => pods.filter((p) => p.spec.nodeName === n).length);
    expect(Math.max(...perNode) - Math.min(...perNode)).to.be.at.most(1);
    let [rs] = await sets();
    expect(rs!.spec.replicas).to.equal(5);
    expect(rs!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas']).to.equal('5');
    expect((await getD()).status?.availableReplicas).to.equal(5);

    await patchSpec({ replicas: 1 });
    await converge();
    pods = await live();
    expect(pods).to.have.length(1);
    expect(await sets()).to.have.length(1);
    [rs] = await sets();
    expect(rs!.spec.replicas).to.equal(1);
    const d = await getD();
    expect([d.status?.replicas, d.status?.availableReplicas, d.status?.updatedReplicas]).to.deep.equal([1, 1, 1]);
    const msgs = (await h.events('ScalingReplicaSet')).map((e) => e.message);
    expect(msgs).to.include(`Scaled up replica set ${rs!.metadata.name} to 5 from 3`);
    expect(msgs).to.include(`Scaled down replica set ${rs!.metadata.name} to 1 from 5`);
  });

  for (const [replicas, maxSurge, maxUnavailable, surge, unavailable] of [
    [4, 1, 1, 1, 1],
    [3, '25%', '25%', 1, 0],
    [4, 0, 2, 0, 2],
  ] as const) {
    it(`a template change rolls out within maxSurge=${maxSurge} maxUnavailable=${maxUnavailable} (replicas ${replicas}), checked at every step`, async () => {
      h = await startCluster({ nodes: NODES, controllers: ['scheduler', 'replicaset', 'deployment'] });
      await h.client.create('deployments', deploymentManifest(replicas, { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } }));
      await converge();
      const [oldRS] = await sets();

      // Every ReplicaSet write is observed: the sum of spec.replicas never exceeds replicas + surge.
      const specs = new Map<string, number>();
      const violations: string[] = [];
      const watch = h.client.watch<ReplicaSet>('replicasets', { namespace: 'default' }, {
        onEvent: (ev) => {
          specs.set(ev.object.metadata.name!, ev.type === 'DELETED' ? 0 : ev.object.spec.replicas ?? 0);
          const total = [...specs.values()].reduce((a, b) => a + b, 0);
          if (total > replicas + surge) violations.push(`spec total ${total}`);
        },
      });
      try {
        await setImage('agnhost:2.48');
        let steps = 0;
        for (; steps < 40; steps++) {
          await h.settle();
          const pods = await live();
          const available = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
          expect(pods.length, `step ${steps}: pods`).to.be.at.most(replicas + surge);
          expect(available.length, `step ${steps}: available`).to.be.at.least(replicas - unavailable);
          const d = await getD();
          if (d.status?.updatedReplicas === replicas && d.status?.availableReplicas === replicas && d.status?.replicas === replicas) break;
          // One kubelet step: one new pod becomes ready, terminated pods go away.
          await h.runPods(1);
          await h.finishTerminating();
        }
        expect(steps, "rollout finished").to.be.lessThan(40);
        expect(violations).to.deep.equal([]);
      } finally {
        watch.stop();
      }
      const rss = await sets();
      expect(rss).to.have.length(2);
      const newRS = rss.find((r) => r.metadata.uid !== oldRS!.metadata.uid)!;
      expect(newRS.metadata.annotations?.['deployment.kubernetes.io/revision']).to.equal('2');
      expect(newRS.spec.replicas).to.equal(replicas);
      expect(rss.find((r) => r.metadata.uid === oldRS!.metadata.uid)!.spec.replicas).to.equal(0);
      const pods = await live();
      expect(pods.every((p) => p.spec.containers[0]!.image === 'agnhost:2.48' && p.metadata.labels?.['pod-template-hash'] === newRS.metadata.labels?.['pod-template-hash'])).to.equal(true);
      const d = await getD();
      expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).to.equal('2');
      expect(d.status?.conditions?.find((c: any) => c.type === 'Progressing')?.reason).to.equal('NewReplicaSetAvailable');
    });
  }

  it('Recreate: old pods are all gone before the new ReplicaSet gets any', async () => {
    h = await startCluster({ nodes: NODES, controllers: ['scheduler', 'replicaset', 'deployment'] });
    await h.client.create('deployments', deploymentManifest(3, { type: 'Recreate' }));
    await converge();
    await setImage('agnhost:2.48');
    await h.settle();
    // Old pods are terminating; no new ReplicaSet may run pods yet.
    expect(await live()).to.have.length(0);
    const during = await sets();
    expect(during.reduce((n, r) => n + (r.spec.replicas ?? 0), 0)).to.equal(0);
    await h.finishTerminating();
    await converge();
    const pods = await live();
    expect(pods).to.have.length(3);
    expect(pods.every((p) => p.spec.containers[0]!.image === 'agnhost:2.48')).to.equal(true);
    expect((await getD()).metadata.annotations?.['deployment.kubernetes.io/revision']).to.equal('2');
  });

  it('a deleted pod is replaced; a cordoned node gets none of the new pods', async () => {
    h = await startCluster({ nodes: NODES, controllers: ['scheduler', 'replicaset', 'deployment'] });
    await h.client.create('deployments', deploymentManifest(3));
    await converge();
    const c = await h.client.get<Node>('nodes', undefined, 'c');
    await h.client.update('nodes', { ...c, spec: { ...c.spec, unschedulable: true } });
    const victim = (await live()).find((p) => p.spec.nodeName === 'a')!;
    await h.client.delete('pods', 'default', victim.metadata.name!);
    await patchSpec({ replicas: 6 });
    await converge();
    const pods = await live();
    expect(pods).to.have.length(6);
    expect(pods.map((p) => p.metadata.name)).to.not.include(victim.metadata.name);
    expect(pods.filter((p) => p.spec.nodeName === 'c')).to.have.length(1); // only the pod placed before cordoning
  });

  it('a taint without toleration keeps the pods off the node', async () => {
    h = await startCluster({
      nodes: [{ name: 'cp', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }, { name: 'w1' }],
      controllers: ['scheduler', 'replicaset', 'deployment'],
    });
    await h.client.create('deployments', deploymentManifest(4));
    await converge();
    expect((await live()).map((p) => p.spec.nodeName)).to.deep.equal(['w1', 'w1', 'w1', 'w1']);
  });

  it('reports ProgressDeadlineExceeded when pods never become ready (FakeClock)', async () => {
    h = await startCluster({ nodes: NODES, controllers: ['scheduler', 'replicaset', 'deployment'] });
    await h.client.create('deployments', deploymentManifest(2, undefined, { progressDeadlineSeconds: 60 }));
    await h.settle();
    let cond = (await getD()).status?.conditions?.find((c: any) => c.type === 'Progressing');
    expect(cond?.reason).to.be.oneOf(['NewReplicaSetCreated', 'ReplicaSetUpdated']);
    expect((await getD()).status?.conditions?.find((c: any) => c.type === 'Available')?.status).to.equal('False');
    h.clock.advance(62_000);
    await h.settle();
    cond = (await getD()).status?.conditions?.find((c: any) => c.type === 'Progressing');
    expect([cond?.status, cond?.reason, cond?.message]).to.deep.equal(['False', 'ProgressDeadlineExceeded', `ReplicaSet "${(await sets())[0]!.metadata.name}" has timed out progressing.`]);
  });

  it('keeps revisionHistoryLimit old ReplicaSets', async () => {
    h = await startCluster({ nodes: NODES, controllers: ['scheduler', 'replicaset', 'deployment'] });
    await h.client.create('deployments', deploymentManifest(1, undefined, { revisionHistoryLimit: 1 }));
    await converge();
    for (const image of ['v2', 'v3', 'v4']) {
      await setImage(image);
      await converge();
    }
    const rss = await sets();
    expect(rss.map((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision']).sort()).to.deep.equal(['3', '4']);
  });

  it('pausing stops a rollout; resuming continues it', async () => {
    h = await startCluster({ nodes: NODES, controllers: ['scheduler', 'replicaset', 'deployment'] });
    await h.client.create('deployments', deploymentManifest(2));
    await converge();
    await patchSpec({ paused: true });
    await setImage('v2');
    await converge();
    expect(await sets()).to.have.length(1);
    expect((await getD()).status?.conditions?.find((c: any) => c.type === 'Progressing')).to.include({ status: 'Unknown', reason: 'DeploymentPaused' });
    await patchSpec({ paused: false });
    await converge();
    expect(await sets()).to.have.length(2);
    expect((await live()).every((p: Pod) => p.spec.containers[0]!.image === 'v2')).to.equal(true);
  });
});
