/**
 * A small control plane for the workload controller tests: a real API server (in-process client),
 * a FakeClock, shared informers, Nodes created through the client, the chosen controllers, and a
 * fake kubelet that the test drives by hand (there is no kubelet here).
 */
import { startTestApi, type TestApi } from '../../support/api.js';
import { InformerFactory } from '../../../src/api/client/factory.js';
import type { ApiClient } from '../../../src/api/client.js';
import { ApiError } from '../../../src/api/errors.js';
import type { Event, Node, Pod, Taint } from '../../../src/api/types.js';
import { FakeClock } from '../../../src/util/clock.js';
import { rfc3339 } from '../../../src/util/time.js';
import type { Controller } from '../../../src/controllers/controller.js';
import { Scheduler } from '../../../src/controllers/scheduler/scheduler.js';
import { ReplicaSetController } from '../../../src/controllers/replicaset/replicaset.js';
import { DeploymentController } from '../../../src/controllers/deployment/deployment.js';
import { StatefulSetController } from '../../../src/controllers/statefulset/statefulset.js';
import { DaemonSetController } from '../../../src/controllers/daemonset/daemonset.js';

export interface NodeOpts {
  name: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  ready?: boolean;
  cpu?: string;
  memory?: string;
  pods?: string;
}

export function nodeManifest(o: NodeOpts): Node {
  const allocatable = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: o.name, labels: { 'kubernetes.io/hostname': o.name, ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: { ...allocatable },
      allocatable,
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  };
}

export type ControllerName = 'scheduler' | 'replicaset' | 'deployment' | 'statefulset' | 'daemonset';

export interface Harness {
  api: TestApi;
  client: ApiClient;
  clock: FakeClock;
  controllers: Controller[];
  errors: string[];
  /** Lets every controller run until all their queues are empty. */
  settle(): Promise<void>;
  /** Pods of `namespace`, or of every namespace. */
  pods(namespace?: string): Promise<Pod[]>;
  events(reason: string): Promise<Event[]>;
  /** Marks scheduled, not yet running pods Running and Ready (at most `limit` of them). */
  runPods(limit?: number, filter?: (p: Pod) => boolean): Promise<number>;
  /** Removes pods being deleted, as a kubelet does once their containers stopped. */
  finishTerminating(): Promise<number>;
  close(): Promise<void>;
}

export async function startCluster(opts: { nodes?: NodeOpts[]; controllers: ControllerName[] }): Promise<Harness> {
  const clock = new FakeClock();
  const api = await startTestApi({ clock });
  const client = api.client;
  for (const n of opts.nodes ?? []) await client.create('nodes', nodeManifest(n));
  const factory = new InformerFactory(client, clock);
  const errors: string[] = [];
  const common = { client, factory, clock, onError: (key: string, err: Error) => errors.push(`${key}: ${err.message}`) };
  const make: Record<ControllerName, () => Controller> = {
    scheduler: () => new Scheduler(common),
    replicaset: () => new ReplicaSetController(common),
    deployment: () => new DeploymentController(common),
    statefulset: () => new StatefulSetController(common),
    daemonset: () => new DaemonSetController(common),
  };
  const controllers = opts.controllers.map((c) => make[c]());
  for (const c of controllers) await c.start();

  const settle = async (): Promise<void> => {
    let quiet = 0;
    for (let i = 0; i < 2000; i++) {
      await new Promise((r) => setImmediate(r));
      if (controllers.every((c) => c.idle())) {
        if (++quiet >= 3) return;
      } else {
        quiet = 0;
        clock.advance(10); // lets rate-limited retries fire
      }
    }
    throw new Error(`controllers did not settle; errors: ${errors.join('; ')}`);
  };

  const pods = async (namespace?: string) => (await client.list<Pod>('pods', namespace ? { namespace } : {})).items;

  const writeStatus = async (pod: Pod, status: Pod['status']): Promise<boolean> => {
    try {
      await client.update('pods', { ...pod, status }, 'status');
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.reason === 'Conflict' || err.reason === 'NotFound')) return false;
      throw err;
    }
  };

  return {
    api,
    client,
    clock,
    controllers,
    errors,
    settle,
    pods,
    events: async (reason) => (await client.list<Event>('events')).items.filter((e) => e.reason === reason),
    async runPods(limit = Infinity, filter = () => true) {
      let n = 0;
      const now = rfc3339(clock.now());
      for (const p of await pods()) {
        if (n >= limit) break;
        if (!p.spec.nodeName || p.metadata.deletionTimestamp || p.status?.phase === 'Running' || !filter(p)) continue;
        const cond = (type: string) => ({ type, status: 'True' as const, lastProbeTime: null, lastTransitionTime: now });
        const ok = await writeStatus(p, {
          ...p.status,
          phase: 'Running',
          podIP: `10.244.0.${10 + n}`,
          startTime: now,
          conditions: [cond('PodScheduled'), cond('Initialized'), cond('ContainersReady'), cond('Ready')],
        });
        if (ok) n++;
      }
      return n;
    },
    async finishTerminating() {
      let n = 0;
      for (const p of await pods()) {
        if (!p.metadata.deletionTimestamp) continue;
        try {
          await client.delete('pods', p.metadata.namespace, p.metadata.name ?? '', { gracePeriodSeconds: 0 });
          n++;
        } catch (err) {
          if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
        }
      }
      return n;
    },
    async close() {
      for (const c of controllers) await c.stop();
      factory.stop();
      await api.close();
    },
  };
}
