/**
 * The scheduling cycle's fast paths (PreFilter state, the untainted-node shortcut, one-pass default
 * scoring) must decide exactly what the plugins decide one by one. Random clusters and pods, the
 * plugin lists copied so the generic loops run, results compared.
 */
import { expect } from 'chai';
import type { Node, Pod, Taint } from '../../../src/api/types.js';
import { DEFAULT_FILTERS, runFilters } from '../../../src/controllers/scheduler/filters.js';
import { buildNodeInfo, type NodeInfo } from '../../../src/controllers/scheduler/nodeinfo.js';
import { DEFAULT_SCORES, scoreNodes, selectBestHost, selectHost } from '../../../src/controllers/scheduler/scores.js';
import { schedulePod } from '../../../src/controllers/scheduler/algorithm.js';
import { SchedulerCache } from '../../../src/controllers/scheduler/cache.js';
import { container, node, ownedBy, pod } from './fixtures.js';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TAINTS: Taint[] = [
  { key: 'soft', effect: 'PreferNoSchedule' },
  { key: 'hard', effect: 'NoSchedule' },
  { key: 'gone', value: 'x', effect: 'NoExecute' },
];

function randomNode(r: () => number, i: number): Node {
  const taints = TAINTS.filter(() => r() < 0.15);
  return node(`n${String(i).padStart(3, '0')}`, {
    labels: r() < 0.5 ? { zone: r() < 0.5 ? 'a' : 'b' } : {},
    taints: taints.length ? taints : undefined,
    unschedulable: r() < 0.05,
    cpu: String(1 + Math.floor(r() * 4)),
    memory: `${1 + Math.floor(r() * 8)}Gi`,
    pods: String(1 + Math.floor(r() * 6)),
  });
}

function randomPod(r: () => number, i: number): Pod {
  const requests = r() < 0.5 ? { cpu: `${100 + Math.floor(r() * 900)}m`, memory: `${64 + Math.floor(r() * 900)}Mi` } : undefined;
  const spec: Partial<Pod['spec']> = { containers: [container(requests, r() < 0.1 ? { ports: [{ containerPort: 80, hostPort: 8080 }] } : {})] };
  if (r() < 0.2) spec.nodeSelector = { zone: r() < 0.5 ? 'a' : 'b' };
  if (r() < 0.2) spec.tolerations = [{ key: 'soft', operator: 'Exists' }, ...(r() < 0.5 ? [{ key: 'hard', operator: 'Exists' as const }] : [])];
  if (r() < 0.2) {
    spec.affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 + Math.floor(r() * 99), preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] } };
  }
  return pod(`p${i}`, spec, ownedBy(`rs-${Math.floor(r() * 3)}`));
}

function randomCluster(r: () => number): NodeInfo[] {
  const nodes = Array.from({ length: 1 + Math.floor(r() * 30) }, (_, i) => randomNode(r, i));
  let k = 0;
  return nodes.map((n) => buildNodeInfo(n, Array.from({ length: Math.floor(r() * 4) }, () => randomPod(r, 1000 + k++))));
}

describe('scheduler: fast paths decide as the plugins do', () => {
  for (let seed = 1; seed <= 60; seed++) {
    it(`random cluster ${seed}`, () => {
      const r = rng(seed);
      const infos = randomCluster(r);
      for (let i = 0; i < 10; i++) {
        const p = randomPod(r, i);
        // Filters: the fast path (DEFAULT_FILTERS itself) against the generic loop (a copy).
        for (const info of infos) expect(runFilters(p, info), info.node.metadata.name).to.deep.equal(runFilters(p, info, [...DEFAULT_FILTERS]));
        // Scores: one-pass defaults against the plugins one by one; the winner likewise.
        const generic = scoreNodes(p, infos, [...DEFAULT_SCORES]);
        expect(scoreNodes(p, infos)).to.deep.equal(generic);
        expect(selectBestHost(p, infos)).to.equal(selectHost(generic));
        // A whole cycle: the chosen node passes every filter and wins among the feasible ones.
        const result = schedulePod(p, infos);
        const feasible = infos.filter((info) => runFilters(p, info, [...DEFAULT_FILTERS]) === undefined);
        if (feasible.length === 0) expect(result.node).to.equal(undefined);
        else if (feasible.length === 1) expect(result.node).to.equal(feasible[0]!.node.metadata.name);
        else expect(result.node).to.equal(selectHost(scoreNodes(p, feasible, [...DEFAULT_SCORES])));
      }
    });
  }
});

describe('scheduler cache: NodeInfos kept up to date incrementally', () => {
  /** The parts of a NodeInfo the plugins read, in a form deep-equal can compare. */
  const view = (i: NodeInfo) => ({
    name: i.name,
    pods: i.pods.map((p) => p.metadata.name).sort(),
    requested: i.requested,
    nonZero: i.nonZeroRequested,
    ports: i.usedPorts.length,
    owners: [...i.ownerCounts].sort(),
    ownerIds: [...i.ownerIdCounts.values()].sort(),
    untainted: i.untainted,
  });

  for (let seed = 1; seed <= 20; seed++) {
    it(`random assume / bind / status / finish / delete sequence ${seed}`, () => {
      const r = rng(seed * 7919);
      const cache = new SchedulerCache();
      const twin = new SchedulerCache(); // same operations, every NodeInfo rebuilt before it is read
      const both = (fn: (c: SchedulerCache) => void) => [cache, twin].forEach(fn);
      const nodes = Array.from({ length: 4 }, (_, i) => randomNode(r, i));
      for (const n of nodes) both((c) => c.setNode(n));
      const live = new Map<string, Pod>();
      for (let step = 0; step < 60; step++) {
        const i = Math.floor(r() * 12);
        const p = randomPod(r, i);
        const on = nodes[Math.floor(r() * nodes.length)]!.metadata.name!;
        const cur = live.get(`default/${p.metadata.name}`);
        const op = r();
        if (op < 0.3) both((c) => c.assume(p, on));
        else if (op < 0.55) both((c) => c.updatePod({ ...p, spec: { ...p.spec, nodeName: cur?.spec.nodeName ?? on } }));
        else if (op < 0.75) {
          if (cur) both((c) => c.updatePod({ ...cur, status: { phase: 'Running' } })); // a status write: same footprint
        } else if (op < 0.85) {
          if (cur) both((c) => c.updatePod({ ...cur, status: { phase: 'Succeeded' } }));
        } else both((c) => c.removePod(p));
        for (const n of nodes) twin.setNode(n);
        expect(cache.nodeInfos().map(view)).to.deep.equal(twin.nodeInfos().map(view));
        live.clear();
        for (const info of cache.nodeInfos()) for (const q of info.pods) live.set(`default/${q.metadata.name}`, q);
      }
    });
  }
});

