import { expect } from 'chai';
import type { Node, Pod, Taint, Toleration } from '../../../src/api/types.js';
import {
  findUntoleratedTaint,
  matchesNodeSelectorAndAffinity,
  nodeAffinity,
  nodePorts,
  nodeResourcesFit,
  nodeUnschedulable,
  runFilters,
  taintToleration,
  toleratesTaint,
  type Filter,
} from '../../../src/controllers/scheduler/filters.js';
import { buildNodeInfo, podRequests } from '../../../src/controllers/scheduler/nodeinfo.js';
import { container, node, pod } from './fixtures.js';

interface Case {
  name: string;
  filter: Filter;
  pod: Pod;
  node: Node;
  existing?: Pod[];
  /** Expected reasons; [] means the node fits. */
  want: string[];
  unresolvable?: boolean;
}

const cp: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
const required = (...terms: unknown[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });
const hostPort = (port: number, protocol = 'TCP', hostIP?: string) => container(undefined, { ports: [{ containerPort: 80, hostPort: port, protocol: protocol as 'TCP', ...(hostIP ? { hostIP } : {}) }] });

const cases: Case[] = [
  // NodeUnschedulable
  { name: 'schedulable node fits', filter: nodeUnschedulable, pod: pod('p'), node: node('n'), want: [] },
  { name: 'cordoned node is refused', filter: nodeUnschedulable, pod: pod('p'), node: node('n', { unschedulable: true }), want: ['node(s) were unschedulable'], unresolvable: true },
  {
    name: 'cordoned node accepts a pod tolerating node.kubernetes.io/unschedulable:NoSchedule',
    filter: nodeUnschedulable,
    pod: pod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }),
    node: node('n', { unschedulable: true }),
    want: [],
  },
  // TaintToleration
  { name: 'untolerated NoSchedule taint', filter: taintToleration, pod: pod('p'), node: node('n', { taints: [cp] }), want: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'], unresolvable: true },
  { name: 'untolerated NoExecute taint shows its value', filter: taintToleration, pod: pod('p'), node: node('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] }), want: ['node(s) had untolerated taint {dedicated: gpu}'], unresolvable: true },
  { name: 'PreferNoSchedule never filters', filter: taintToleration, pod: pod('p'), node: node('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }), want: [] },
  { name: 'Exists toleration', filter: taintToleration, pod: pod('p', { tolerations: [{ key: cp.key, operator: 'Exists', effect: 'NoSchedule' }] }), node: node('n', { taints: [cp] }), want: [] },
  { name: 'Equal toleration with matching value', filter: taintToleration, pod: pod('p', { tolerations: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), node: node('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), want: [] },
  { name: 'Equal toleration with another value', filter: taintToleration, pod: pod('p', { tolerations: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }), node: node('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), want: ['node(s) had untolerated taint {dedicated: gpu}'], unresolvable: true },
  { name: 'empty key Exists tolerates everything', filter: taintToleration, pod: pod('p', { tolerations: [{ operator: 'Exists' }] }), node: node('n', { taints: [cp, { key: 'x', effect: 'NoExecute' }] }), want: [] },
  { name: 'toleration for another effect does not help', filter: taintToleration, pod: pod('p', { tolerations: [{ key: cp.key, operator: 'Exists', effect: 'NoExecute' }] }), node: node('n', { taints: [cp] }), want: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'], unresolvable: true },
  {
    name: 'a NotReady node (not-ready:NoSchedule taint) is refused despite the default NoExecute tolerations',
    filter: taintToleration,
    pod: pod('p', { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] }),
    node: node('n', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }),
    want: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'],
    unresolvable: true,
  },
  // NodeAffinity / nodeSelector
  { name: 'nodeSelector matches', filter: nodeAffinity, pod: pod('p', { nodeSelector: { disk: 'ssd' } }), node: node('n', { labels: { disk: 'ssd' } }), want: [] },
  { name: 'nodeSelector mismatch', filter: nodeAffinity, pod: pod('p', { nodeSelector: { disk: 'ssd' } }), node: node('n', { labels: { disk: 'hdd' } }), want: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
  { name: 'In', filter: nodeAffinity, pod: pod('p', { affinity: required(expr('zone', 'In', ['a', 'b'])) }), node: node('n', { labels: { zone: 'b' } }), want: [] },
  { name: 'In without the label', filter: nodeAffinity, pod: pod('p', { affinity: required(expr('zone', 'In', ['a'])) }), node: node('n'), want: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
  { name: 'NotIn without the label matches', filter: nodeAffinity, pod: pod('p', { affinity: required(expr('zone', 'NotIn', ['a'])) }), node: node('n'), want: [] },
  { name: 'NotIn with a listed value', filter: nodeAffinity, pod: pod('p', { affinity: required(expr('zone', 'NotIn', ['a'])) }), node: node('n', { labels: { zone: 'a' } }), want: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
  { name: 'Exists', filter: nodeAffinity, pod: pod('p', { affinity: required(expr('gpu', 'Exists')) }), node: node('n', { labels: { gpu: '' } }), want: [] },
  { name: 'DoesNotExist', filter: nodeAffinity, pod: pod('p', { affinity: required(expr('gpu', 'DoesNotExist')) }), node: node('n', { labels: { gpu: '' } }), want: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
  { name: 'Gt', filter: nodeAffinity, pod: pod('p', { affinity: required(expr('cores', 'Gt', ['4'])) }), node: node('n', { labels: { cores: '8' } }), want: [] },
  { name: 'Gt equal is not greater', filter: nodeAffinity, pod: pod('p', { affinity: required(expr('cores', 'Gt', ['8'])) }), node: node('n', { labels: { cores: '8' } }), want: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
  { name: 'Lt', filter: nodeAffinity, pod: pod('p', { affinity: required(expr('cores', 'Lt', ['16'])) }), node: node('n', { labels: { cores: '8' } }), want: [] },
  { name: 'Lt on a non-integer label', filter: nodeAffinity, pod: pod('p', { affinity: required(expr('cores', 'Lt', ['16'])) }), node: node('n', { labels: { cores: 'many' } }), want: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
  { name: 'terms are ORed', filter: nodeAffinity, pod: pod('p', { affinity: required(expr('zone', 'In', ['x']), expr('zone', 'In', ['b'])) }), node: node('n', { labels: { zone: 'b' } }), want: [] },
  { name: 'an empty term matches nothing', filter: nodeAffinity, pod: pod('p', { affinity: required({}) }), node: node('n'), want: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
  { name: 'matchFields metadata.name In', filter: nodeAffinity, pod: pod('p', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }) }), node: node('n'), want: [] },
  { name: 'matchFields metadata.name In another node', filter: nodeAffinity, pod: pod('p', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['m'] }] }) }), node: node('n'), want: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
  { name: 'matchFields NotIn', filter: nodeAffinity, pod: pod('p', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['m'] }] }) }), node: node('n'), want: [] },
  { name: 'nodeSelector and affinity must both hold', filter: nodeAffinity, pod: pod('p', { nodeSelector: { disk: 'ssd' }, affinity: required(expr('zone', 'In', ['a'])) }), node: node('n', { labels: { zone: 'a' } }), want: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true },
  // NodePorts
  { name: 'free host port', filter: nodePorts, pod: pod('p', { containers: [hostPort(8080)] }), node: node('n'), existing: [pod('q', { containers: [hostPort(8081)] })], want: [] },
  { name: 'taken host port', filter: nodePorts, pod: pod('p', { containers: [hostPort(8080)] }), node: node('n'), existing: [pod('q', { containers: [hostPort(8080)] })], want: ["node(s) didn't have free ports for the requested pod ports"] },
  { name: 'same port, other protocol', filter: nodePorts, pod: pod('p', { containers: [hostPort(53, 'UDP')] }), node: node('n'), existing: [pod('q', { containers: [hostPort(53, 'TCP')] })], want: [] },
  { name: 'same port, different host IPs', filter: nodePorts, pod: pod('p', { containers: [hostPort(80, 'TCP', '10.0.0.1')] }), node: node('n'), existing: [pod('q', { containers: [hostPort(80, 'TCP', '10.0.0.2')] })], want: [] },
  { name: 'same port, 0.0.0.0 conflicts with a specific IP', filter: nodePorts, pod: pod('p', { containers: [hostPort(80, 'TCP', '10.0.0.1')] }), node: node('n'), existing: [pod('q', { containers: [hostPort(80)] })], want: ["node(s) didn't have free ports for the requested pod ports"] },
  // NodeResourcesFit
  { name: 'fits', filter: nodeResourcesFit, pod: pod('p', { containers: [container({ cpu: '1', memory: '1Gi' })] }), node: node('n', { cpu: '2' }), existing: [pod('q', { containers: [container({ cpu: '1' })] })], want: [] },
  { name: 'insufficient cpu', filter: nodeResourcesFit, pod: pod('p', { containers: [container({ cpu: '1500m' })] }), node: node('n', { cpu: '2' }), existing: [pod('q', { containers: [container({ cpu: '1' })] })], want: ['Insufficient cpu'] },
  { name: 'insufficient cpu and memory', filter: nodeResourcesFit, pod: pod('p', { containers: [container({ cpu: '8', memory: '16Gi' })] }), node: node('n'), want: ['Insufficient cpu', 'Insufficient memory'] },
  { name: 'too many pods', filter: nodeResourcesFit, pod: pod('p'), node: node('n', { pods: '1' }), existing: [pod('q')], want: ['Too many pods'] },
  { name: 'best-effort pods only count against the pod limit', filter: nodeResourcesFit, pod: pod('p'), node: node('n', { cpu: '0' }), want: [] },
  { name: 'extended resources are checked', filter: nodeResourcesFit, pod: pod('p', { containers: [container({ 'example.com/gpu': '1' })] }), node: node('n'), want: ['Insufficient example.com/gpu'] },
  {
    name: 'init containers need the max, not the sum',
    filter: nodeResourcesFit,
    pod: pod('p', { initContainers: [container({ cpu: '2' })], containers: [container({ cpu: '1' }), container({ cpu: '1' })] }),
    node: node('n', { cpu: '2' }),
    want: [],
  },
];

describe('scheduler/filters', () => {
  for (const c of cases) {
    it(c.name, () => {
      const failure = c.filter(c.pod, buildNodeInfo(c.node, c.existing ?? []));
      expect(failure?.reasons ?? []).to.deep.equal(c.want);
      if (failure) expect(failure.unresolvable).to.equal(c.unresolvable ?? false);
    });
  }

  it('runFilters stops at the first failing plugin, in kube-scheduler order', () => {
    const n = node('n', { unschedulable: true, taints: [cp] });
    expect(runFilters(pod('p', { nodeSelector: { a: 'b' } }), buildNodeInfo(n, []))?.plugin).to.equal('NodeUnschedulable');
    expect(runFilters(pod('p'), buildNodeInfo(node('n', { taints: [cp] }), []))?.plugin).to.equal('TaintToleration');
    expect(runFilters(pod('p'), buildNodeInfo(node('n'), []))).to.equal(undefined);
  });

  it('toleratesTaint follows v1.Toleration.ToleratesTaint', () => {
    const taint: Taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    const table: [Toleration, boolean][] = [
      [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, true],
      [{ key: 'k', value: 'v' }, true], // default operator Equal, empty effect = any
      [{ key: 'k', operator: 'Exists' }, true],
      [{ key: 'k', operator: 'Equal', value: 'w' }, false],
      [{ key: 'other', operator: 'Exists' }, false],
      [{ operator: 'Exists', effect: 'NoSchedule' }, true],
      [{ operator: 'Exists', effect: 'NoExecute' }, false],
    ];
    for (const [t, want] of table) expect(toleratesTaint(t, taint), JSON.stringify(t)).to.equal(want);
    expect(findUntoleratedTaint([taint, { key: 'x', effect: 'NoExecute' }], [{ key: 'k', operator: 'Exists' }], ['NoExecute'])?.key).to.equal('x');
  });

  it('matchesNodeSelectorAndAffinity is true without constraints', () => {
    expect(matchesNodeSelectorAndAffinity(pod('p'), node('n'))).to.equal(true);
  });

  it('podRequests: sidecars add up with containers; overhead is added', () => {
    const p = pod('p', {
      initContainers: [container({ cpu: '100m' }, { restartPolicy: 'Always' }), container({ cpu: '500m' })],
      containers: [container({ cpu: '200m', memory: '1Mi' })],
      overhead: { cpu: '10m' },
    });
    // containers 200m + sidecar 100m = 300m; init 500m + sidecar before it 100m = 600m; max 600m + 10m
    expect(podRequests(p)).to.deep.equal({ cpu: 610, memory: 1048576 });
  });
});
