import { expect } from 'chai';
import { toTable } from '../../../src/api/table/index.js';
import type { Pod } from '../../../src/api/types.js';
import { ago, cells, H, headers, M, NOW, resource, S } from './fixtures.js';

const running = (name: string, restartCount = 0): Record<string, unknown> => ({
  name,
  ready: true,
  started: true,
  restartCount,
  image: 'registry.k8s.io/e2e-test-images/agnhost:2.47',
  state: { running: { startedAt: ago(3 * M) } },
});

function pod(over: { spec?: Record<string, unknown>; status?: Record<string, unknown>; metadata?: Record<string, unknown> } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-7d4b9c8f6-x2k9p', namespace: 'default', creationTimestamp: ago(3 * M + 20 * S), ...over.metadata },
    spec: { containers: [{ name: 'netexec', image: 'registry.k8s.io/e2e-test-images/agnhost:2.47' }], nodeName: 'worker-1', ...over.spec },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
      podIP: '10.244.1.5',
      podIPs: [{ ip: '10.244.1.5' }],
      containerStatuses: [running('netexec')],
      ...over.status,
    },
  } as Pod;
}

describe('table: pods', () => {
  it('has the kubectl columns', () => {
    expect(headers('pods', false)).to.equal('NAME READY STATUS RESTARTS AGE');
    expect(headers('pods', true)).to.equal('NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES');
  });

  const cases: { name: string; pod: Pod; want: unknown[] }[] = [
    {
      name: 'a running pod, 1/1 ready',
      pod: pod(),
      want: ['web-7d4b9c8f6-x2k9p', '1/1', 'Running', '0', '3m20s', '10.244.1.5', 'worker-1', '<none>', '<none>'],
    },
    {
      name: 'a terminating pod',
      pod: pod({ metadata: { deletionTimestamp: ago(5 * S), deletionGracePeriodSeconds: 30 } }),
      want: ['web-7d4b9c8f6-x2k9p', '1/1', 'Terminating', '0', '3m20s', '10.244.1.5', 'worker-1', '<none>', '<none>'],
    },
    {
      name: 'an unscheduled pod',
      pod: pod({ spec: { nodeName: undefined }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }], podIP: undefined, podIPs: undefined, containerStatuses: undefined } }),
      want: ['web-7d4b9c8f6-x2k9p', '0/1', 'Pending', '0', '3m20s', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      name: 'a pod whose sandbox is being created',
      pod: pod({ status: { phase: 'Pending', podIPs: undefined, podIP: undefined, containerStatuses: [{ name: 'netexec', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] } }),
      want: ['web-7d4b9c8f6-x2k9p', '0/1', 'ContainerCreating', '0', '3m20s', '<none>', 'worker-1', '<none>', '<none>'],
    },
    {
      name: 'a crash-looping pod shows when it last restarted',
      pod: pod({
        status: {
          containerStatuses: [
            { name: 'netexec', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(45 * S) } } },
          ],
        },
      }),
      want: ['web-7d4b9c8f6-x2k9p', '0/1', 'CrashLoopBackOff', '4 (45s ago)', '3m20s', '10.244.1.5', 'worker-1', '<none>', '<none>'],
    },
    {
      name: 'a pod on a lost node being deleted',
      pod: pod({ metadata: { deletionTimestamp: ago(1 * M) }, status: { reason: 'NodeLost' } }),
      want: ['web-7d4b9c8f6-x2k9p', '1/1', 'Unknown', '0', '3m20s', '10.244.1.5', 'worker-1', '<none>', '<none>'],
    },
    {
      name: 'a still-initialising pod',
      pod: pod({
        spec: { initContainers: [{ name: 'wait-db', image: 'busybox' }, { name: 'migrate', image: 'busybox' }] },
        status: {
          phase: 'Pending',
          conditions: [{ type: 'Initialized', status: 'False' }],
          initContainerStatuses: [{ name: 'wait-db', ready: false, restartCount: 0, state: { running: { startedAt: ago(M) } } }, { name: 'migrate', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
          containerStatuses: [{ name: 'netexec', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
        },
      }),
      want: ['web-7d4b9c8f6-x2k9p', '0/1', 'Init:0/2', '0', '3m20s', '10.244.1.5', 'worker-1', '<none>', '<none>'],
    },
    {
      name: 'a failing init container',
      pod: pod({
        spec: { initContainers: [{ name: 'migrate', image: 'busybox' }] },
        status: {
          phase: 'Pending',
          conditions: [{ type: 'Initialized', status: 'False' }],
          initContainerStatuses: [{ name: 'migrate', ready: false, restartCount: 2, state: { terminated: { exitCode: 3 } } }],
          containerStatuses: [{ name: 'netexec', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
        },
      }),
      want: ['web-7d4b9c8f6-x2k9p', '0/1', 'Init:ExitCode:3', '2', '3m20s', '10.244.1.5', 'worker-1', '<none>', '<none>'],
    },
    {
      name: 'a running sidecar counts as a container',
      pod: pod({
        spec: { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] },
        status: { initContainerStatuses: [{ ...running('proxy', 1), lastState: { terminated: { exitCode: 137, finishedAt: ago(2 * H) } } }] },
      }),
      want: ['web-7d4b9c8f6-x2k9p', '2/2', 'Running', '1 (120m ago)', '3m20s', '10.244.1.5', 'worker-1', '<none>', '<none>'],
    },
    {
      name: 'readiness gates counted against conditions; nominated node shown',
      pod: pod({ spec: { readinessGates: [{ conditionType: 'example.com/lb-ready' }, { conditionType: 'example.com/fw' }] }, status: { nominatedNodeName: 'worker-2', conditions: [{ type: 'Ready', status: 'True' }, { type: 'example.com/lb-ready', status: 'True' }] } }),
      want: ['web-7d4b9c8f6-x2k9p', '1/1', 'Running', '0', '3m20s', '10.244.1.5', 'worker-1', 'worker-2', '1/2'],
    },
    {
      name: 'a lone podIP (no podIPs) is still shown',
      pod: pod({ status: { podIPs: undefined } }),
      want: ['web-7d4b9c8f6-x2k9p', '1/1', 'Running', '0', '3m20s', '10.244.1.5', 'worker-1', '<none>', '<none>'],
    },
    {
      name: 'a gated pod',
      pod: pod({ spec: { nodeName: undefined }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }], containerStatuses: undefined } }),
      want: ['web-7d4b9c8f6-x2k9p', '0/1', 'SchedulingGated', '0', '3m20s', '10.244.1.5', '<none>', '<none>', '<none>'],
    },
  ];
  for (const c of cases) it(c.name, () => expect(cells('pods', c.pod)).to.deep.equal(c.want));

  it('marks a completed pod, which deletion does not turn into Terminating', () => {
    const done = pod({
      metadata: { deletionTimestamp: ago(S) },
      status: { phase: 'Succeeded', conditions: [], containerStatuses: [{ name: 'netexec', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
    });
    const table = toTable(resource('pods'), [done], { now: NOW, includeObject: 'None' });
    expect(table.rows[0]!.cells.slice(0, 3)).to.deep.equal(['web-7d4b9c8f6-x2k9p', '0/1', 'Completed']);
    expect(table.rows[0]!.conditions).to.deep.equal([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });

  it('shows a container killed by a signal', () => {
    const killed = pod({ status: { phase: 'Failed', containerStatuses: [{ name: 'netexec', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] } });
    const row = toTable(resource('pods'), [killed], { now: NOW, includeObject: 'None' }).rows[0]!;
    expect(row.cells[2]).to.equal('Signal:9');
    expect(row.conditions?.[0]?.reason).to.equal('Failed');
  });
});
