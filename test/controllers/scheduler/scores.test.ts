import { expect } from 'chai';
import type { Node, Pod } from '../../../src/api/types.js';
import { buildNodeInfo } from '../../../src/controllers/scheduler/nodeinfo.js';
import {
  defaultNormalize,
  leastAllocated,
  nodeAffinityScore,
  ownerSpread,
  scoreNodes,
  selectHost,
  taintTolerationScore,
  type ScorePlugin,
} from '../../../src/controllers/scheduler/scores.js';
import { container, node, ownedBy, pod } from './fixtures.js';

interface Case {
  name: string;
  plugin: ScorePlugin;
  pod: Pod;
  nodes: [Node, Pod[]][];
  /** Normalized scores, in node order. */
  want: number[];
}

const a = pod('a', {}, ownedBy('rs-1'));
const b = pod('b', {}, ownedBy('rs-1'));
const other = pod('o', {}, ownedBy('rs-2'));
const preferred = (weight: number, key: string, value: string) => ({ weight, preference: { matchExpressions: [{ key, operator: 'In', values: [value] }] } });

const cases: Case[] = [
  {
    name: 'LeastAllocated: free cpu and memory, averaged',
    plugin: leastAllocated,
    pod: pod('p', { containers: [container({ cpu: '1', memory: '2Gi' })] }),
    nodes: [[node('n1', { cpu: '4', memory: '8Gi' }), []], [node('n2', { cpu: '4', memory: '8Gi' }), [pod('q', { containers: [container({ cpu: '2', memory: '4Gi' })] })]]],
    // n1: cpu (4-1)/4=75, mem (8-2)/8=75 → 75; n2: cpu (4-3)/4=25, mem 25 → 25
    want: [75, 25],
  },
  {
    name: 'LeastAllocated: pods without requests count 100m / 200Mi',
    plugin: leastAllocated,
    pod: pod('p'),
    nodes: [[node('n1', { cpu: '1', memory: '1000Mi' }), []], [node('n2', { cpu: '1', memory: '1000Mi' }), [pod('q')]]],
    // n1: cpu 90, mem 80 → 85; n2: cpu 80, mem 60 → 70
    want: [85, 70],
  },
  {
    name: 'TaintToleration: fewer untolerated PreferNoSchedule taints score higher',
    plugin: taintTolerationScore,
    pod: pod('p', { tolerations: [{ key: 'ok', operator: 'Exists', effect: 'PreferNoSchedule' }] }),
    nodes: [
      [node('n1'), []],
      [node('n2', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }), []],
      [node('n3', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }, { key: 'soft2', effect: 'PreferNoSchedule' }] }), []],
      [node('n4', { taints: [{ key: 'ok', effect: 'PreferNoSchedule' }] }), []],
    ],
    want: [100, 50, 0, 100],
  },
  {
    name: 'NodeAffinity: preferred terms by weight',
    plugin: nodeAffinityScore,
    pod: pod('p', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [preferred(10, 'zone', 'a'), preferred(30, 'disk', 'ssd')] } } }),
    nodes: [[node('n1', { labels: { zone: 'a' } }), []], [node('n2', { labels: { zone: 'a', disk: 'ssd' } }), []], [node('n3'), []]],
    want: [25, 100, 0],
  },
  {
    name: 'OwnerSpread: fewer pods of the same owner score higher; other owners do not count',
    plugin: ownerSpread,
    pod: pod('p', {}, ownedBy('rs-1')),
    nodes: [[node('n1'), [a, b]], [node('n2'), [a]], [node('n3'), [other]]],
    want: [0, 50, 100],
  },
  {
    name: 'OwnerSpread: an unowned pod scores every node the same',
    plugin: ownerSpread,
    pod: pod('p'),
    nodes: [[node('n1'), [a]], [node('n2'), []]],
    want: [100, 100],
  },
];

describe('scheduler/scores', () => {
  for (const c of cases) {
    it(c.name, () => {
      const infos = c.nodes.map(([n, pods]) => buildNodeInfo(n, pods));
      const raw = infos.map((i) => c.plugin.score(c.pod, i));
      expect(c.plugin.normalize ? c.plugin.normalize(raw) : raw).to.deep.equal(c.want);
    });
  }

  it('defaultNormalize: scales to the max; all-zero stays 0, or 100 when reversed', () => {
    expect(defaultNormalize([1, 2, 4], false)).to.deep.equal([25, 50, 100]);
    expect(defaultNormalize([1, 2, 4], true)).to.deep.equal([75, 50, 0]);
    expect(defaultNormalize([0, 0], false)).to.deep.equal([0, 0]);
    expect(defaultNormalize([0, 0], true)).to.deep.equal([100, 100]);
  });

  it('selectHost: highest total wins; ties go to the lowest name', () => {
    expect(selectHost([{ name: 'b', score: 5 }, { name: 'a', score: 3 }])).to.equal('b');
    expect(selectHost([{ name: 'c', score: 5 }, { name: 'b', score: 5 }, { name: 'd', score: 5 }])).to.equal('b');
    expect(selectHost([])).to.equal(undefined);
  });

  it('scoreNodes weighs spreading over free resources', () => {
    const infos = [buildNodeInfo(node('n1'), [a]), buildNodeInfo(node('n2', { cpu: '2', memory: '4Gi' }), [])];
    const scores = scoreNodes(pod('p', {}, ownedBy('rs-1')), infos);
    expect(selectHost(scores)).to.equal('n2');
  });
});
