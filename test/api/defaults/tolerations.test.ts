import { expect } from 'chai';
import { addDefaultTolerations } from '../../../src/api/defaults/index.js';
import type { Pod, Toleration } from '../../../src/api/types.js';
import { deepFreeze } from './fixtures.js';

const pod = (tolerations?: Toleration[]): Pod =>
  deepFreeze({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }], ...(tolerations ? { tolerations } : {}) } });

const notReady = (s: number): Toleration => ({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s });
const unreachable = (s: number): Toleration => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s });

describe('admission: DefaultTolerationSeconds', () => {
  const cases: { name: string; tolerations?: Toleration[]; seconds?: number; want: Toleration[] }[] = [
    { name: 'adds both NoExecute tolerations for 300s', want: [notReady(300), unreachable(300)] },
    { name: 'honours the configured seconds', seconds: 30, want: [notReady(30), unreachable(30)] },
    {
      name: 'appends after existing unrelated tolerations',
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
      want: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, notReady(300), unreachable(300)],
    },
    { name: 'keeps a pod that already tolerates not-ready', tolerations: [notReady(60)], want: [notReady(60), unreachable(300)] },
    {
      name: 'an empty key with no effect tolerates everything',
      tolerations: [{ operator: 'Exists' }],
      want: [{ operator: 'Exists' }],
    },
    {
      name: 'a NoSchedule toleration of the same key does not count',
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }],
      want: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, notReady(300), unreachable(300)],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = pod(c.tolerations);
      const out = c.seconds === undefined ? addDefaultTolerations(input) : addDefaultTolerations(input, c.seconds);
      expect(out.spec.tolerations).to.deep.equal(c.want);
      expect(out).to.not.equal(input);
      expect(input.spec.tolerations).to.deep.equal(c.tolerations);
    });
  }
});
