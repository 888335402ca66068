import { expect } from 'chai';
import type { Lease, Node } from '../../../src/api/types.js';
import { assessNodeHealth, type NodeHealth } from '../../../src/controllers/nodelifecycle/health.js';
import { healthyConditions } from '../../../src/node/registration.js';
import { FakeClock } from '../../../src/util/clock.js';
import { rfc3339, rfc3339Micro } from '../../../src/util/time.js';

const T0 = Date.UTC(2026, 0, 1);
const timing = { gracePeriodMs: 40_000, startupGracePeriodMs: 60_000 };

const nodeAt = (heartbeat: number | undefined): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n', uid: 'u', creationTimestamp: rfc3339(T0) },
  spec: {},
  status: heartbeat === undefined ? {} : { conditions: healthyConditions(heartbeat, T0) },
});
const leaseAt = (renew: number): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'n', namespace: 'kube-node-lease' },
  spec: { renewTime: rfc3339Micro(renew) },
});

/**
 * A timeline: at each second offset the kubelet may renew its Lease; the controller checks every
 * 5 s. Each case says when (offset, s) the node's Ready first reads Unknown, or never.
 */
const timelines: { name: string; renewals: number[]; statusPosted: boolean; until: number; unknownAt: number | null }[] = [
  { name: 'lease renewed every 10 s stays healthy', renewals: range(0, 200, 10), statusPosted: true, until: 200, unknownAt: null },
  { name: 'lease stops at 30 s: Unknown on the first check after 30+40 s', renewals: [0, 10, 20, 30], statusPosted: true, until: 200, unknownAt: 75 },
  { name: 'no lease at all: Ready heartbeat alone counts, grace 40 s from first sight', renewals: [], statusPosted: true, until: 200, unknownAt: 45 },
  { name: 'never posted status, no lease: startup grace 60 s from creation', renewals: [], statusPosted: false, until: 200, unknownAt: 65 },
  { name: 'never posted status but renews its lease: left alone (as Kubernetes)', renewals: range(0, 200, 10), statusPosted: false, until: 200, unknownAt: null },
  { name: 'lease renewed exactly at the grace edge is in time', renewals: [0, 40, 80, 120, 160, 200], statusPosted: true, until: 200, unknownAt: null },
];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i += step) out.push(i);
  return out;
}

describe('nodelifecycle health timeline (pure)', () => {
  for (const c of timelines) {
    it(c.name, () => {
      const clock = new FakeClock(T0);
      let health: NodeHealth | undefined;
      let node = nodeAt(c.statusPosted ? T0 : undefined);
      let lease: Lease | undefined;
      let unknownAt: number | null = null;
      for (let s = 0; s <= c.until; s++) {
        if (c.renewals.includes(s)) lease = leaseAt(clock.now());
        if (s % 5 === 0) {
          const d = assessNodeHealth(health, node, lease, clock.now(), timing);
          health = d.health;
          if (d.conditions) node = { ...node, status: { ...node.status, conditions: d.conditions } };
          if (unknownAt === null && d.currentReady?.status === 'Unknown') unknownAt = s;
        }
        clock.advance(1000);
      }
      expect(unknownAt).to.equal(c.unknownAt);
    });
  }

  it('marks Ready, MemoryPressure, DiskPressure and PIDPressure Unknown with Kubernetes reason and message', () => {
    const node = nodeAt(T0);
    const first = assessNodeHealth(undefined, node, leaseAt(T0), T0, timing);
    const d = assessNodeHealth(first.health, node, leaseAt(T0), T0 + 41_000, timing);
    expect(d.observedReady.status).to.equal('True');
    expect(d.currentReady?.status).to.equal('Unknown');
    const byType = new Map(d.conditions!.map((c) => [c.type, c]));
    for (const t of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(byType.get(t)).to.include({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
      expect(byType.get(t)!.lastTransitionTime).to.equal(rfc3339(T0 + 41_000));
      expect(byType.get(t)!.lastHeartbeatTime).to.equal(rfc3339(T0)); // the last real heartbeat stays
    }
    // Written once: the next pass sees the same Unknown and writes nothing.
    const again = assessNodeHealth(d.health, { ...node, status: { conditions: d.conditions } }, leaseAt(T0), T0 + 46_000, timing);
    expect(again.conditions).to.equal(undefined);
    expect(again.observedReady.status).to.equal('Unknown');
  });

  it('adds NodeStatusNeverUpdated conditions to a node that never posted status', () => {
    const d = assessNodeHealth(undefined, nodeAt(undefined), undefined, T0 + 61_000, timing);
    expect(d.observedReady.status).to.equal('Unknown');
    expect(d.conditions!.map((c) => [c.type, c.reason])).to.deep.equal([
      ['Ready', 'NodeStatusNeverUpdated'],
      ['MemoryPressure', 'NodeStatusNeverUpdated'],
      ['DiskPressure', 'NodeStatusNeverUpdated'],
      ['PIDPressure', 'NodeStatusNeverUpdated'],
    ]);
    expect(d.conditions![0]!.message).to.equal('Kubelet never posted node status.');
  });

  it('a renewed lease after Unknown restarts the grace clock (the kubelet then posts Ready itself)', () => {
    const node = nodeAt(T0);
    let d = assessNodeHealth(undefined, node, leaseAt(T0), T0, timing);
    d = assessNodeHealth(d.health, node, leaseAt(T0), T0 + 45_000, timing);
    const unknown = { ...node, status: { conditions: d.conditions } };
    d = assessNodeHealth(d.health, unknown, leaseAt(T0 + 50_000), T0 + 50_000, timing);
    expect(d.conditions).to.equal(undefined);
    expect(d.health.probeTimestamp).to.equal(T0 + 50_000);
  });
});
