import { expect } from 'chai';
import { addDefaultTolerations } from '../../../src/api/defaults/tolerations.js';
import type { Condition, Node, Pod, Taint, Toleration } from '../../../src/api/types.js';
import {
  evictionDecision,
  noScheduleDiff,
  swapTaints,
  tolerates,
  NOT_READY_NO_EXECUTE,
  UNREACHABLE_NO_EXECUTE,
} from '../../../src/controllers/nodelifecycle/taints.js';
import { rfc3339 } from '../../../src/util/time.js';

const T0 = Date.UTC(2026, 0, 1);
const pod = (tolerations: Toleration[] = [], defaults = false): Pod => {
  const p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c' }], tolerations } };
  return defaults ? addDefaultTolerations(p) : p;
};
const unreachableAt = (ms: number): Taint => ({ ...UNREACHABLE_NO_EXECUTE, timeAdded: rfc3339(ms) });
const node = (conditions: Condition[], taints: Taint[] = [], unschedulable = false): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n' },
  spec: { taints, unschedulable },
  status: { conditions },
});

describe('nodelifecycle taints and tolerations (pure)', () => {
  const matching: { name: string; t: Toleration; taint: Taint; ok: boolean }[] = [
    { name: 'Exists on the key', t: { key: 'k', operator: 'Exists' }, taint: { key: 'k', effect: 'NoExecute' }, ok: true },
    { name: 'Equal needs the value', t: { key: 'k', operator: 'Equal', value: 'v' }, taint: { key: 'k', value: 'w', effect: 'NoExecute' }, ok: false },
    { name: 'default operator is Equal', t: { key: 'k', value: 'v' }, taint: { key: 'k', value: 'v', effect: 'NoSchedule' }, ok: true },
    { name: 'empty key + Exists tolerates everything', t: { operator: 'Exists' }, taint: { key: 'x', effect: 'NoExecute' }, ok: true },
    { name: 'effect must match when given', t: { key: 'k', operator: 'Exists', effect: 'NoSchedule' }, taint: { key: 'k', effect: 'NoExecute' }, ok: false },
    { name: 'other key', t: { key: 'a', operator: 'Exists' }, taint: { key: 'b', effect: 'NoExecute' }, ok: false },
  ];
  for (const c of matching) {
    it(`tolerates: ${c.name}`, () => expect(tolerates(c.t, c.taint)).to.equal(c.ok));
  }

  const decisions: { name: string; pod: Pod; taints: Taint[]; expected: ReturnType<typeof evictionDecision> }[] = [
    { name: 'no NoExecute taint: keep', pod: pod([], true), taints: [{ key: 'x', effect: 'NoSchedule' }], expected: { kind: 'keep' } },
    { name: 'default tolerations: 300 s after timeAdded', pod: pod([], true), taints: [unreachableAt(T0)], expected: { kind: 'at', at: T0 + 300_000 } },
    { name: 'untolerated taint: now', pod: pod([], true), taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }], expected: { kind: 'now' } },
    {
      name: 'toleration without seconds: forever',
      pod: pod([{ key: UNREACHABLE_NO_EXECUTE.key, operator: 'Exists', effect: 'NoExecute' }]),
      taints: [unreachableAt(T0)],
      expected: { kind: 'keep' },
    },
    {
      name: 'tolerationSeconds 0 (or negative): now-ish (at timeAdded)',
      pod: pod([{ key: UNREACHABLE_NO_EXECUTE.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: -5 }]),
      taints: [unreachableAt(T0)],
      expected: { kind: 'at', at: T0 },
    },
    {
      name: 'the shortest toleration wins',
      pod: pod([
        { key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
        { key: 'b', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      ]),
      taints: [
        { key: 'a', effect: 'NoExecute', timeAdded: rfc3339(T0) },
        { key: 'b', effect: 'NoExecute', timeAdded: rfc3339(T0) },
      ],
      expected: { kind: 'at', at: T0 + 30_000 },
    },
    {
      name: 'a taint without timeAdded counts from when it was first seen',
      pod: pod([{ key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }]),
      taints: [{ key: 'a', effect: 'NoExecute' }],
      expected: { kind: 'at', at: T0 + 5_000 + 10_000 },
    },
  ];
  for (const c of decisions) {
    it(`eviction: ${c.name}`, () => {
      expect(evictionDecision(c.pod, c.taints, () => T0 + 5_000)).to.deep.equal(c.expected);
    });
  }

  it('eviction: tolerationSeconds count in API seconds, which timing.speed shortens on the clock', () => {
    // 300 s of default toleration at speed 20 last 15 s on the controller's clock.
    expect(evictionDecision(pod([], true), [unreachableAt(T0)], () => T0, 1000 / 20)).to.deep.equal({ kind: 'at', at: T0 + 15_000 });
    expect(evictionDecision(pod([], true), [unreachableAt(T0)], () => T0)).to.deep.equal({ kind: 'at', at: T0 + 300_000 });
  });

  it('swapTaints stamps NoExecute taints with timeAdded, keeps an existing one, removes the opposite', () => {
    const added = swapTaints([{ key: 'user', effect: 'NoSchedule' }], [UNREACHABLE_NO_EXECUTE], [NOT_READY_NO_EXECUTE], T0)!;
    expect(added).to.deep.equal([{ key: 'user', effect: 'NoSchedule' }, { ...UNREACHABLE_NO_EXECUTE, timeAdded: rfc3339(T0) }]);
    expect(swapTaints(added, [UNREACHABLE_NO_EXECUTE], [], T0 + 60_000)).to.equal(undefined); // timeAdded unchanged
    const swapped = swapTaints(added, [NOT_READY_NO_EXECUTE], [UNREACHABLE_NO_EXECUTE], T0 + 1000)!;
    expect(swapped.map((t) => t.key)).to.deep.equal(['user', NOT_READY_NO_EXECUTE.key]);
    expect(swapTaints(swapped, [], [NOT_READY_NO_EXECUTE], T0)).to.deep.equal([{ key: 'user', effect: 'NoSchedule' }]);
  });

  const ready = (status: 'True' | 'False' | 'Unknown'): Condition => ({ type: 'Ready', status });
  const noSchedule: { name: string; node: Node; add: string[]; remove: string[] }[] = [
    { name: 'healthy: nothing', node: node([ready('True')]), add: [], remove: [] },
    { name: 'Ready Unknown: unreachable', node: node([ready('Unknown')]), add: ['node.kubernetes.io/unreachable'], remove: [] },
    { name: 'Ready False: not-ready', node: node([ready('False')]), add: ['node.kubernetes.io/not-ready'], remove: [] },
    {
      name: 'ready again: remove; user taints untouched',
      node: node([ready('True')], [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'mine', effect: 'NoSchedule' }]),
      add: [],
      remove: ['node.kubernetes.io/unreachable'],
    },
    { name: 'memory pressure', node: node([ready('True'), { type: 'MemoryPressure', status: 'True' }]), add: ['node.kubernetes.io/memory-pressure'], remove: [] },
    { name: 'cordoned', node: node([ready('True')], [], true), add: ['node.kubernetes.io/unschedulable'], remove: [] },
  ];
  for (const c of noSchedule) {
    it(`NoSchedule taints: ${c.name}`, () => {
      const d = noScheduleDiff(c.node);
      expect(d.add.map((t) => t.key)).to.deep.equal(c.add);
      expect(d.remove.map((t) => t.key)).to.deep.equal(c.remove);
      expect([...d.add, ...d.remove].every((t) => t.effect === 'NoSchedule')).to.equal(true);
    });
  }
});
