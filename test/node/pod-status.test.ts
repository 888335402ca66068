import { expect } from 'chai';
import { buildPodStatus, canonicalJson, containerId, type LocalPodState } from '../../src/node/pod-status.js';
import type { Pod } from '../../src/api/types.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const pod = (status: Pod['status'] = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
  status: { phase: 'Pending', qosClass: 'BestEffort', ...status },
});
const base: LocalPodState = { stage: 'running', sandboxId: 'ab'.repeat(32), ip: '10.244.1.2', hostIP: '172.18.0.3', ready: true, startedAt: T0, restartCount: 0 };
const conds = (s: ReturnType<typeof buildPodStatus>) => s.conditions!.map((c) => [c.type, c.status, c.reason ?? '']);

describe('buildPodStatus', () => {
  it('reports a running, ready pod as the kubelet does', () => {
    const s = buildPodStatus(pod(), base, T0 + 1000);
    expect(s.phase).to.equal('Running');
    expect(conds(s)).to.deep.equal([
      ['PodReadyToStartContainers', 'True', ''],
      ['Initialized', 'True', ''],
      ['Ready', 'True', ''],
      ['ContainersReady', 'True', ''],
      ['PodScheduled', 'True', ''],
    ]);
    expect(s.containerStatuses).to.deep.equal([
      {
        containerID: containerId(base.sandboxId!, 'app'),
        image: 'docker.io/library/nginx:latest',
        imageID: s.containerStatuses![0].imageID,
        lastState: {},
        name: 'app',
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: '2026-01-01T10:00:00Z' } },
      },
    ]);
    expect(s.containerStatuses![0].imageID).to.match(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(s).to.include({ podIP: '10.244.1.2', hostIP: '172.18.0.3', qosClass: 'BestEffort', startTime: '2026-01-01T10:00:01Z' });
  });

  it('names the unready containers and keeps transition times while a status holds', () => {
    const first = buildPodStatus(pod(), { ...base, ready: false }, T0);
    const ready = first.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).to.include({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
    const later = buildPodStatus(pod(first), { ...base, ready: false }, T0 + 60_000);
    expect(later.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime).to.equal('2026-01-01T10:00:00Z');
    const flipped = buildPodStatus(pod(later), base, T0 + 90_000);
    expect(flipped.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime).to.equal('2026-01-01T10:01:30Z');
    expect(flipped.startTime).to.equal('2026-01-01T10:00:00Z');
  });

  it('shows ContainerCreating before the sandbox exists', () => {
    const s = buildPodStatus(pod(), { stage: 'pending', hostIP: '172.18.0.3', ready: false, restartCount: 0 }, T0);
    expect(s.phase).to.equal('Pending');
    expect(s.podIP).to.equal(undefined);
    expect(s.containerStatuses![0].state).to.deep.equal({ waiting: { reason: 'ContainerCreating' } });
    expect(conds(s)[0]).to.deep.equal(['PodReadyToStartContainers', 'False', '']);
  });

  it('ends Succeeded after a clean stop and Failed (137) after a kill', () => {
    const done = buildPodStatus(pod(), { ...base, stage: 'stopped', killed: false, finishedAt: T0 + 5000 }, T0 + 5000);
    expect(done.phase).to.equal('Succeeded');
    expect(done.containerStatuses![0].state.terminated).to.include({ exitCode: 0, reason: 'Completed', finishedAt: '2026-01-01T10:00:05Z' });
    expect(conds(done).slice(1, 4)).to.deep.equal([
      ['Initialized', 'True', 'PodCompleted'],
      ['Ready', 'False', 'PodCompleted'],
      ['ContainersReady', 'False', 'PodCompleted'],
    ]);
    const killed = buildPodStatus(pod(), { ...base, stage: 'stopped', killed: true, finishedAt: T0 + 30_000 }, T0 + 30_000);
    expect(killed.phase).to.equal('Failed');
    expect(killed.containerStatuses![0].state.terminated).to.include({ exitCode: 137, reason: 'Error' });
    expect(conds(killed)[2]).to.deep.equal(['Ready', 'False', 'PodFailed']);
  });

  it('keeps the scheduler\'s PodScheduled condition and conditions others own', () => {
    const scheduled = { type: 'PodScheduled', status: 'True' as const, lastProbeTime: null, lastTransitionTime: '2025-12-31T23:59:59Z' };
    const other = { type: 'DisruptionTarget', status: 'True' as const, reason: 'EvictionByEvictionAPI' };
    const s = buildPodStatus(pod({ conditions: [scheduled, other] }), base, T0);
    expect(s.conditions![0]).to.deep.equal(other);
    expect(s.conditions![5]).to.deep.equal(scheduled);
  });

  it('hands back the status in the API when nothing changed, and a frozen one otherwise', () => {
    const first = buildPodStatus(pod(), base, T0);
    expect(Object.isFrozen(first) && Object.isFrozen(first.conditions![0])).to.equal(true);
    const stored = pod(JSON.parse(JSON.stringify(first)));
    expect(buildPodStatus(stored, base, T0 + 5000)).to.equal(stored.status);
    expect(buildPodStatus(stored, { ...base, ready: false }, T0 + 5000)).not.to.equal(stored.status);
  });
});

describe('canonicalJson', () => {
  /** The definition: JSON.stringify with every object's keys sorted. */
  const reference = (v: unknown) =>
    JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));
  const values: unknown[] = [
    undefined,
    null,
    'a"b',
    3,
    [],
    {},
    { b: 1, a: [{ d: 1, c: undefined }, null, () => 1], c: { z: { y: 1, x: 2 } } },
    { a: 1, b: { c: 2, d: [3, { e: 4, f: 5 }] } },
    { '10': 'x', '9': 'y', b: 'b', a: 'a' },
    { when: new Date(Date.UTC(2026, 0, 1)), n: NaN },
    buildPodStatus(pod(), base, T0),
  ];
  values.forEach((v, i) => {
    it(`prints what sorted-key JSON.stringify prints (#${i})`, () => {
      expect(canonicalJson(v)).to.equal(reference(v));
      expect(canonicalJson(v)).to.equal(canonicalJson(v)); // remembered for frozen values: the same text
    });
  });

  it('gives equal statuses the same text whatever their key order', () => {
    const s = buildPodStatus(pod(), base, T0) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(s).reverse());
    expect(canonicalJson(reordered)).to.equal(canonicalJson(s));
  });
});

