import { expect } from 'chai';
import type { DaemonSet, Taint, Toleration } from '../../../src/api/types.js';
import { addOrUpdateTolerations, nodeShouldRunDaemonPod, pinToNode, targetNodeName, templatePod } from '../../../src/controllers/daemonset/pods.js';
import { node } from '../scheduler/fixtures.js';

function ds(spec: Record<string, unknown> = {}, tolerations?: Toleration[]): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'kube-system', uid: 'ds-uid', generation: 3 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a' }], ...spec, ...(tolerations ? { tolerations } : {}) } },
    },
  };
}

const cp: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

describe('daemonset/pods: NodeShouldRunDaemonPod', () => {
  const cases: [string, DaemonSet, ReturnType<typeof node>, [boolean, boolean]][] = [
    ['plain node', ds(), node('n'), [true, true]],
    ['nodeSelector mismatch', ds({ nodeSelector: { role: 'edge' } }), node('n'), [false, false]],
    ['nodeSelector match', ds({ nodeSelector: { role: 'edge' } }), node('n', { labels: { role: 'edge' } }), [true, true]],
    ['untolerated NoSchedule: no new pod, existing ones stay', ds(), node('n', { taints: [cp] }), [false, true]],
    ['untolerated NoExecute: pods must go', ds(), node('n', { taints: [{ key: 'evict', effect: 'NoExecute' }] }), [false, false]],
    ['tolerated control-plane taint', ds({}, [{ key: cp.key, operator: 'Exists', effect: 'NoSchedule' }]), node('n', { taints: [cp] }), [true, true]],
    ['cordoned nodes still run daemon pods', ds(), node('n', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), [true, true]],
    ['NotReady nodes keep daemon pods (not-ready NoExecute tolerated forever)', ds(), node('n', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }), [true, true]],
    ['memory pressure is tolerated', ds(), node('n', { taints: [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }] }), [true, true]],
    ['network-unavailable only for hostNetwork pods', ds(), node('n', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }), [false, true]],
    ['hostNetwork tolerates network-unavailable', ds({ hostNetwork: true }), node('n', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }), [true, true]],
    ['template nodeName pins the DaemonSet', ds({ nodeName: 'other' }), node('n'), [false, false]],
  ];
  for (const [name, d, n, want] of cases) {
    it(name, () => expect(nodeShouldRunDaemonPod(n, templatePod(d))).to.deep.equal(want));
  }
});

describe('daemonset/pods: daemon pod shape', () => {
  it('adds the daemon tolerations, replacing an equal one with a bounded tolerationSeconds', () => {
    const p = templatePod(ds({}, [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { key: 'custom', operator: 'Exists' }]));
    expect(p.spec.tolerations).to.deep.equal([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      { key: 'custom', operator: 'Exists' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    expect(p.metadata.generateName).to.equal('agent-');
    expect(addOrUpdateTolerations(undefined, [])).to.deep.equal([]);
  });

  it('pins to a node with required affinity on metadata.name, replacing the terms', () => {
    const withAffinity = templatePod(ds({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'role', operator: 'Exists' }] }] } } } }));
    const pinned = pinToNode(withAffinity, 'w1', 'h4sh', 3);
    expect(pinned.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).to.deep.equal({
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['w1'] }] }],
    });
    expect(pinned.metadata.labels).to.deep.equal({ app: 'agent', 'controller-revision-hash': 'h4sh', 'pod-template-generation': '3' });
    expect(targetNodeName(pinned)).to.equal('w1');
    expect(targetNodeName({ ...pinned, spec: { ...pinned.spec, nodeName: 'w2' } })).to.equal('w2');
    expect(targetNodeName(templatePod(ds()))).to.equal(undefined);
    expect(withAffinity.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).to.have.length(1);
  });
});
