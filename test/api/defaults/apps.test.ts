import { expect } from 'chai';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import { obj } from './fixtures.js';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } };
const selector = { matchLabels: { app: 'web' } };

/** The pod template as the API server stores it: PodSpec defaults but none of the Pod-only ones. */
const defaultedTemplate = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [{ name: 'web', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} }],
    dnsPolicy: 'ClusterFirst',
    restartPolicy: 'Always',
    securityContext: {},
    terminationGracePeriodSeconds: 30,
    schedulerName: 'default-scheduler',
  },
};

describe('defaults: apps/v1 workloads', () => {
  const cases: { name: string; kind: string; spec: Record<string, unknown>; want: Record<string, unknown> }[] = [
    {
      name: 'Deployment: 1 replica, RollingUpdate 25%/25%, history 10, deadline 600s',
      kind: 'Deployment',
      spec: { selector, template },
      want: {
        selector,
        template: defaultedTemplate,
        replicas: 1,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
    },
    {
      name: 'Deployment: Recreate gets no rollingUpdate; explicit values kept',
      kind: 'Deployment',
      spec: { replicas: 0, selector, template, strategy: { type: 'Recreate' }, revisionHistoryLimit: 2 },
      want: { replicas: 0, selector, template: defaultedTemplate, strategy: { type: 'Recreate' }, revisionHistoryLimit: 2, progressDeadlineSeconds: 600 },
    },
    {
      name: 'Deployment: a partial rollingUpdate is completed',
      kind: 'Deployment',
      spec: { replicas: 3, selector, template, strategy: { rollingUpdate: { maxSurge: 1 } } },
      want: {
        replicas: 3,
        selector,
        template: defaultedTemplate,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
    },
    {
      name: 'ReplicaSet: 1 replica',
      kind: 'ReplicaSet',
      spec: { selector, template },
      want: { selector, template: defaultedTemplate, replicas: 1 },
    },
    {
      name: 'StatefulSet: OrderedReady, RollingUpdate partition 0, Retain PVCs, claim templates Pending',
      kind: 'StatefulSet',
      spec: { serviceName: 'web', selector, template, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] },
      want: {
        serviceName: 'web',
        selector,
        template: defaultedTemplate,
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }],
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        replicas: 1,
        revisionHistoryLimit: 10,
      },
    },
    {
      name: 'StatefulSet: OnDelete stays without rollingUpdate',
      kind: 'StatefulSet',
      spec: { serviceName: 'web', replicas: 2, selector, template, updateStrategy: { type: 'OnDelete' }, podManagementPolicy: 'Parallel' },
      want: {
        serviceName: 'web',
        replicas: 2,
        selector,
        template: defaultedTemplate,
        updateStrategy: { type: 'OnDelete' },
        podManagementPolicy: 'Parallel',
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        revisionHistoryLimit: 10,
      },
    },
    {
      name: 'DaemonSet: RollingUpdate maxUnavailable 1, maxSurge 0 (integers), history 10',
      kind: 'DaemonSet',
      spec: { selector, template },
      want: {
        selector,
        template: defaultedTemplate,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        revisionHistoryLimit: 10,
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(applyDefaults(obj('apps/v1', c.kind, 'web', { spec: c.spec })).spec).to.deep.equal(c.want);
    });
  }

  it('leaves a kind of another group alone', () => {
    const other = obj('example.com/v1', 'Deployment', 'x', { spec: { template } });
    expect(applyDefaults(other)).to.deep.equal(other);
  });
});
