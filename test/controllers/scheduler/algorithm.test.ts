import { expect } from 'chai';
import type { Pod } from '../../../src/api/types.js';
import { NO_NODES_AVAILABLE, schedulePod } from '../../../src/controllers/scheduler/algorithm.js';
import { SchedulerCache } from '../../../src/controllers/scheduler/cache.js';
import { buildNodeInfo } from '../../../src/controllers/scheduler/nodeinfo.js';
import { container, node, ownedBy, pod } from './fixtures.js';

const cpTaint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const };

describe('scheduler/algorithm', () => {
  const cases: { name: string; pod: Pod; nodes: ReturnType<typeof buildNodeInfo>[]; message: string }[] = [
    {
      name: "Kubernetes' FitError format: histogram sorted, then preemption",
      pod: pod('p', { nodeSelector: { disk: 'ssd' } }),
      nodes: [buildNodeInfo(node('cp', { taints: [cpTaint] }), []), buildNodeInfo(node('w1'), []), buildNodeInfo(node('w2'), [])],
      message:
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    },
    {
      name: 'resource failures are resolvable by preemption (no victims found)',
      pod: pod('p', { containers: [container({ cpu: '3' })] }),
      nodes: [buildNodeInfo(node('cp', { taints: [cpTaint] }), []), buildNodeInfo(node('w1', { cpu: '2' }), []), buildNodeInfo(node('w2', { cpu: '2' }), [])],
      message:
        '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    },
    {
      name: 'one node may give several reasons',
      pod: pod('p', { containers: [container({ cpu: '8', memory: '64Gi' })] }),
      nodes: [buildNodeInfo(node('w1'), [])],
      message: '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    },
    {
      name: 'preemptionPolicy Never',
      pod: pod('p', { nodeSelector: { x: 'y' }, preemptionPolicy: 'Never' }),
      nodes: [buildNodeInfo(node('w1'), [])],
      message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: not eligible due to preemptionPolicy=Never.",
    },
    { name: 'no nodes at all', pod: pod('p'), nodes: [], message: NO_NODES_AVAILABLE },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = schedulePod(c.pod, c.nodes);
      expect(r.node).to.equal(undefined);
      expect((r as { message: string }).message).to.equal(c.message);
    });
  }

  it('picks the only feasible node', () => {
    const r = schedulePod(pod('p'), [buildNodeInfo(node('cp', { taints: [cpTaint] }), []), buildNodeInfo(node('w1'), [])]);
    expect(r.node).to.equal('w1');
  });

  it('with assumed pods in the cache, a burst spreads and does not overcommit', () => {
    const cache = new SchedulerCache();
    for (const n of ['w1', 'w2', 'w3']) cache.setNode(node(n, { cpu: '1' }));
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const p = pod(`p${i}`, { containers: [container({ cpu: '400m' })] }, ownedBy('rs'));
      const r = schedulePod(p, cache.nodeInfos());
      if (r.node === undefined) {
        placed.push('-');
        continue;
      }
      cache.assume(p, r.node);
      placed.push(r.node);
    }
    // Three pods spread one per node, the fourth goes where 400m still fits (any node has 600m left).
    expect(placed.slice(0, 3)).to.have.members(['w1', 'w2', 'w3']);
    expect(placed[3]).to.equal('w1');
    // A fifth and sixth fill w2 and w3; the seventh fits nowhere (each node has 200m left).
    for (let i = 4; i < 7; i++) {
      const p = pod(`p${i}`, { containers: [container({ cpu: '400m' })] }, ownedBy('rs'));
      const r = schedulePod(p, cache.nodeInfos());
      if (r.node !== undefined) cache.assume(p, r.node);
      else expect(r.message).to.match(/^0\/3 nodes are available: 3 Insufficient cpu\./);
      placed.push(r.node ?? '-');
    }
    expect(placed.slice(4)).to.deep.equal(['w2', 'w3', '-']);
  });

  it('cache: a confirmed binding replaces the assumption; a forgotten one frees the node', () => {
    const cache = new SchedulerCache();
    cache.setNode(node('w1', { pods: '1' }));
    const p = pod('p');
    cache.assume(p, 'w1');
    expect(cache.isAssumed('default/p')).to.equal(true);
    cache.updatePod(p); // a stale unassigned copy arrives: the assumption holds
    expect(cache.nodeInfos()[0]!.pods).to.have.length(1);
    cache.updatePod({ ...p, spec: { ...p.spec, nodeName: 'w1' } });
    expect(cache.isAssumed('default/p')).to.equal(false);
    expect(cache.nodeInfos()[0]!.pods).to.have.length(1);
    cache.updatePod({ ...p, spec: { ...p.spec, nodeName: 'w1' }, status: { phase: 'Succeeded' } });
    expect(cache.nodeInfos()[0]!.pods).to.have.length(0); // finished pods free the node
    const q = pod('q');
    cache.assume(q, 'w1');
    cache.forget(q);
    expect(cache.nodeInfos()[0]!.pods).to.have.length(0);
  });
});
