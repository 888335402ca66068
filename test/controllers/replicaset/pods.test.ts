import { expect } from 'chai';
import type { Pod } from '../../../src/api/types.js';
import { deletionOrder, isPodAvailable, podFromTemplate, rankBySharedNode, generateNamePrefix } from '../../../src/controllers/replicaset/pods.js';
import { Expectations } from '../../../src/controllers/replicaset/expectations.js';
import { slowStartBatch } from '../../../src/controllers/replicaset/batch.js';
import { FakeClock } from '../../../src/util/clock.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString().replace('.000Z', 'Z');

function pod(name: string, o: { node?: string; phase?: string; readyAgo?: number; created?: number; restarts?: number; cost?: string; uid?: string } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      uid: o.uid ?? name,
      creationTimestamp: iso(o.created ?? 3_600_000),
      ...(o.cost ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } } : {}),
    },
    spec: { containers: [{ name: 'c' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: (o.phase ?? 'Running') as 'Running',
      conditions: o.readyAgo !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: iso(o.readyAgo) }] : [],
      containerStatuses: [{ restartCount: o.restarts ?? 0 }],
    },
  };
}

describe('replicaset/pods: deletion order (ActivePodsWithRanks)', () => {
  const cases: { name: string; pods: Pod[]; first: string }[] = [
    { name: 'unscheduled before scheduled', pods: [pod('sched', { node: 'n1', phase: 'Pending' }), pod('unsched', { phase: 'Pending' })], first: 'unsched' },
    { name: 'Pending before Running', pods: [pod('run', { node: 'n1' }), pod('pend', { node: 'n1', phase: 'Pending' })], first: 'pend' },
    { name: 'Unknown before Running', pods: [pod('run', { node: 'n1' }), pod('unk', { node: 'n1', phase: 'Unknown' })], first: 'unk' },
    { name: 'not ready before ready', pods: [pod('ready', { node: 'n1', readyAgo: 1000 }), pod('notready', { node: 'n2' })], first: 'notready' },
    { name: 'lower deletion cost first', pods: [pod('dear', { node: 'n1', readyAgo: 1000, cost: '10' }), pod('cheap', { node: 'n2', readyAgo: 1000, cost: '-5' })], first: 'cheap' },
    { name: 'doubled-up node first', pods: [pod('alone', { node: 'n1', readyAgo: 1000 }), pod('dup1', { node: 'n2', readyAgo: 1000 }), pod('dup2', { node: 'n2', readyAgo: 1000, uid: 'zz' })], first: 'dup1' },
    { name: 'ready for less time first (different log2 buckets)', pods: [pod('old', { node: 'n1', readyAgo: 3_600_000 }), pod('young', { node: 'n2', readyAgo: 1_000 })], first: 'young' },
    { name: 'more restarts first', pods: [pod('calm', { node: 'n1', readyAgo: 60_000 }), pod('crashy', { node: 'n2', readyAgo: 60_000, restarts: 5 })], first: 'crashy' },
    { name: 'newer first', pods: [pod('older', { node: 'n1', created: 7_200_000 }), pod('newer', { node: 'n2', created: 1_000 })], first: 'newer' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const sorted = [...c.pods].sort(deletionOrder(rankBySharedNode(c.pods), NOW));
      expect(sorted[0]!.metadata.name).to.equal(c.first);
      const reversed = [...c.pods].reverse().sort(deletionOrder(rankBySharedNode(c.pods), NOW));
      expect(reversed[0]!.metadata.name).to.equal(c.first);
    });
  }
});

describe('replicaset/pods helpers', () => {
  it('isPodAvailable honours minReadySeconds', () => {
    const p = pod('p', { readyAgo: 5_000 });
    expect(isPodAvailable(p, 0, NOW)).to.equal(true);
    expect(isPodAvailable(p, 5, NOW)).to.equal(true);
    expect(isPodAvailable(p, 10, NOW)).to.equal(false);
    expect(isPodAvailable(pod('q'), 0, NOW)).to.equal(false);
  });

  it('podFromTemplate copies labels, annotations and spec and sets the controller reference', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true, blockOwnerDeletion: true };
    const p = podFromTemplate({ metadata: { labels: { app: 'a' }, annotations: { x: 'y' } }, spec: { containers: [{ name: 'c' }] } }, 'ns', ref, { generateName: 'rs-' });
    expect(p.metadata).to.deep.equal({ generateName: 'rs-', namespace: 'ns', labels: { app: 'a' }, annotations: { x: 'y' }, ownerReferences: [ref] });
    expect(p.spec).to.deep.equal({ containers: [{ name: 'c' }] });
    expect(generateNamePrefix('x'.repeat(70))).to.have.length(58);
  });

  it('Expectations: satisfied once every expected create and delete is observed, or after the TTL', () => {
    const clock = new FakeClock();
    const e = new Expectations(clock);
    expect(e.satisfied('k')).to.equal(true);
    e.expectCreations('k', 2);
    e.expectDeletions('k', ['ns/a']);
    e.creationObserved('k');
    e.creationObserved('k');
    expect(e.satisfied('k')).to.equal(false);
    e.deletionObserved('k', 'ns/other');
    expect(e.satisfied('k')).to.equal(false);
    e.deletionObserved('k', 'ns/a');
    expect(e.satisfied('k')).to.equal(true);
    e.expectCreations('k', 1);
    clock.advance(5 * 60_000 + 1);
    expect(e.satisfied('k')).to.equal(true);
  });

  it('slowStartBatch runs 1, 2, 4, ... and stops after a failing batch', async () => {
    const calls: number[] = [];
    const r = await slowStartBatch(10, async (i) => {
      calls.push(i);
      if (i === 2) throw new Error('quota');
      return i;
    });
    expect(calls).to.deep.equal([0, 1, 2]);
    expect(r.done).to.deep.equal([0, 1]);
    expect(r.errors.map((e) => e.message)).to.deep.equal(['quota']);
    expect(r.skipped).to.equal(7);
  });
});
