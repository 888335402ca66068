import { expect } from 'chai';
import type { Node, Pod, Taint, Toleration } from '../../../src/api/types.js';
import { NodeLifecycleController } from '../../../src/controllers/nodelifecycle/controller.js';
import { Kubelet } from '../../../src/node/kubelet.js';
import { rfc3339 } from '../../../src/util/time.js';
import { advance, eventsFor, getOrUndefined, harness, settle, waitFor, type Harness } from './support.js';

const KUBELET_TIMING = { leaseDurationSeconds: 40, leaseRenewIntervalMs: 10_000, nodeStatusReportFrequencyMs: 300_000 };
const UNREACHABLE = 'node.kubernetes.io/unreachable';

describe('nodelifecycle NodeLifecycleController (real API, FakeClock)', function () {
  this.timeout(60_000);
  let h: Harness;
  let ctl: NodeLifecycleController | undefined;
  let kubelets: Kubelet[];

  beforeEach(async () => {
    h = await harness('node-controller');
    kubelets = [];
  });
  afterEach(async () => {
    try {
      for (const k of kubelets) k.stop();
      await ctl?.stop();
      ctl = undefined;
      expect(h.errors.map((e) => e.message)).to.deep.equal([]);
    } finally {
      await h.close();
    }
  });

  const kubelet = async (name: string, zone?: string): Promise<Kubelet> => {
    const k = new Kubelet(h.client, h.clock, { name, role: 'worker', internalIP: '172.18.0.10', labels: {}, taints: [], zone }, KUBELET_TIMING);
    kubelets.push(k);
    await k.start();
    return k;
  };
  const startController = async (): Promise<NodeLifecycleController> => {
    ctl = new NodeLifecycleController({
      client: h.client,
      factory: h.factory,
      clock: h.clock,
      nodeMonitorPeriodMs: 5_000,
      nodeMonitorGracePeriodMs: 40_000,
      nodeStartupGracePeriodMs: 60_000,
      evictionRate: 0.1,
      secondaryEvictionRate: 0.01,
      unhealthyZoneThreshold: 0.55,
      largeClusterThreshold: 50,
      recorder: h.recorder,
      onError: (err) => h.errors.push(err),
    });
    await ctl.start();
    await settle();
    return ctl;
  };
  const runningPod = async (name: string, nodeName: string, tolerations?: Toleration[]): Promise<Pod> => {
    const created = await h.client.create<Pod>('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { nodeName, containers: [{ name: 'app', image: 'registry.k8s.io/e2e-test-images/agnhost:2.47' }], ...(tolerations ? { tolerations } : {}) },
    });
    const now = rfc3339(h.clock.now());
    return h.client.update<Pod>(
      'pods',
      { ...created, status: { ...created.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now, lastProbeTime: null }] } },
      'status',
    );
  };
  const node = (name: string) => h.client.get<Node>('nodes', undefined, name);
  const ready = async (name: string) => (await node(name)).status?.conditions?.find((c) => c.type === 'Ready');
  const taint = async (name: string, key: string, effect: Taint['effect']) => (await node(name)).spec.taints?.find((t) => t.key === key && t.effect === effect);
  const pod = (name: string) => getOrUndefined<Pod>(h.client, 'pods', 'default', name);

  it('a node whose Lease stops goes Unknown after the grace period, is tainted, and its pods are evicted by their tolerations', async () => {
    const a = await kubelet('a');
    await kubelet('b');
    await kubelet('c');
    await runningPod('web', 'a'); // default 300 s tolerations from admission
    await runningPod('quick', 'a', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }]);
    await runningPod('other', 'b');
    await startController();
    await advance(h.clock, 10_000);
    expect((await eventsFor(h.client, 'a')).map((e) => [e.reason, e.message])).to.deep.include(['RegisteredNode', 'Node a event: Registered Node a in Controller']);

    a.stop(); // its last renewal was just now
    await advance(h.clock, 30_000);
    expect((await ready('a'))?.status, 'still inside the grace period').to.equal('True');
    await advance(h.clock, 30_000);
    const conds = (await node('a')).status!.conditions!;
    for (const t of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(conds.find((c) => c.type === t)).to.include({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    }
    expect((await ready('b'))?.status).to.equal('True');
    const ev = (await eventsFor(h.client, 'a')).find((e) => e.reason === 'NodeNotReady')!;
    expect(ev).to.include({ type: 'Normal', message: 'Node a status is now: NodeNotReady' });
    expect((await pod('web'))!.status!.conditions!.find((c) => c.type === 'Ready')!.status).to.equal('False');
    expect((await pod('other'))!.status!.conditions!.find((c) => c.type === 'Ready')!.status).to.equal('True');

    const noExecute = await waitFor(() => taint('a', UNREACHABLE, 'NoExecute'), 'unreachable:NoExecute taint');
    expect(await taint('a', UNREACHABLE, 'NoSchedule')).to.not.equal(undefined);
    const added = Date.parse(noExecute.timeAdded!);
    expect(h.clock.now() - added).to.be.lessThan(6_000);

    await advance(h.clock, added + 25_000 - h.clock.now());
    expect((await pod('quick'))!.metadata.deletionTimestamp, 'quick tolerates 30 s').to.equal(undefined);
    await advance(h.clock, 10_000);
    const quick = (await pod('quick'))!;
    expect(quick.metadata.deletionTimestamp, 'quick evicted after 30 s').to.be.a('string');
    expect(quick.status!.conditions!.find((c) => c.type === 'DisruptionTarget')).to.include({ reason: 'DeletionByTaintManager' });

    await advance(h.clock, added + 295_000 - h.clock.now());
    expect((await pod('web'))!.metadata.deletionTimestamp, 'web tolerates 300 s').to.equal(undefined);
    await advance(h.clock, 10_000);
    // Its kubelet is gone, so the pod stays Terminating, as in Kubernetes.
    expect((await pod('web'))!.metadata.deletionTimestamp, 'web evicted after 300 s').to.be.a('string');
    expect((await pod('other'))!.metadata.deletionTimestamp).to.equal(undefined);
    expect(await taint('b', UNREACHABLE, 'NoExecute')).to.equal(undefined);

    // The kubelet comes back: Ready again, the taints go.
    await kubelet('a');
    await advance(h.clock, 10_000);
    expect((await ready('a'))?.status).to.equal('True');
    expect((await node('a')).spec.taints ?? []).to.deep.equal([]);
  });

  it('taints nodes of a zone one by one at --node-eviction-rate', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `n${i}`);
    const ks = await Promise.all(names.map((n) => kubelet(n, 'z1')));
    await startController();
    await advance(h.clock, 10_000);
    for (const k of ks.slice(0, 3)) k.stop(); // 3 of 8 down: the zone stays Normal
    await advance(h.clock, 90_000);
    expect(ctl!.zoneState('z1')).to.equal('Normal');
    const times = (await Promise.all(names.slice(0, 3).map((n) => taint(n, UNREACHABLE, 'NoExecute')))).map((t) => Date.parse(t!.timeAdded!));
    times.sort((x, y) => x - y);
    expect(times[1]! - times[0]!).to.be.within(10_000, 11_000);
    expect(times[2]! - times[1]!).to.be.within(10_000, 11_000);
    for (const n of names.slice(3)) expect(await taint(n, UNREACHABLE, 'NoExecute')).to.equal(undefined);
  });

  it('when every node is down (master disruption mode) nothing is tainted NoExecute or evicted', async () => {
    const ks = [await kubelet('a'), await kubelet('b')];
    await runningPod('web', 'a');
    await startController();
    await advance(h.clock, 10_000);
    for (const k of ks) k.stop();
    await advance(h.clock, 120_000);
    expect((await ready('a'))?.status).to.equal('Unknown');
    expect((await ready('b'))?.status).to.equal('Unknown');
    expect(ctl!.zoneState('')).to.equal('FullDisruption');
    expect(await taint('a', UNREACHABLE, 'NoExecute')).to.equal(undefined);
    expect(await taint('a', UNREACHABLE, 'NoSchedule')).to.not.equal(undefined); // scheduling still avoids it
    await advance(h.clock, 300_000);
    expect((await pod('web'))!.metadata.deletionTimestamp).to.equal(undefined);

    // b answers again: the mode ends and a, still Unknown, is tainted at the normal rate.
    await kubelet('b');
    await advance(h.clock, 20_000);
    expect(ctl!.zoneState('')).to.equal('Normal');
    expect(await taint('a', UNREACHABLE, 'NoExecute')).to.not.equal(undefined);
    expect(await taint('b', UNREACHABLE, 'NoExecute')).to.equal(undefined);
  });

  it('evicts pods at once for a NoExecute taint they do not tolerate, later for one they tolerate for N s', async () => {
    await kubelet('a');
    await runningPod('plain', 'a');
    await runningPod('patient', 'a', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]);
    await startController();
    const n = await node('a');
    await h.client.update('nodes', { ...n, spec: { ...n.spec, taints: [{ key: 'maintenance', effect: 'NoExecute', timeAdded: rfc3339(h.clock.now()) }] } });
    await waitFor(async () => (await pod('plain'))?.metadata.deletionTimestamp, 'plain evicted at once');
    expect((await pod('patient'))!.metadata.deletionTimestamp).to.equal(undefined);
    await advance(h.clock, 55_000);
    expect((await pod('patient'))!.metadata.deletionTimestamp).to.equal(undefined);
    await advance(h.clock, 10_000);
    expect((await pod('patient'))!.metadata.deletionTimestamp).to.be.a('string');
    const ev = (await eventsFor(h.client, 'plain')).find((e) => e.reason === 'TaintManagerEviction');
    expect(ev?.message).to.equal('Marking for deletion Pod default/plain');
  });

  it('deletes the pods of a deleted Node with grace 0, and orphans of a never-seen node after the quarantine', async () => {
    await h.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'gone' }, spec: {} });
    await runningPod('p1', 'gone');
    await runningPod('p2', 'ghost');
    await startController();
    await advance(h.clock, 5_000);
    await h.client.delete('nodes', undefined, 'gone');
    await waitFor(async () => !(await pod('p1')), 'p1 removed');
    await advance(h.clock, 5_000);
    expect((await eventsFor(h.client, 'gone')).map((e) => e.reason)).to.include('RemovingNode');
    expect(await pod('p2'), 'ghost pods wait out the quarantine').to.not.equal(undefined);
    await advance(h.clock, 40_000);
    await waitFor(async () => !(await pod('p2')), 'p2 removed');
  });
});
