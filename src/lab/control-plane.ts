/**
 * kube-controller-manager (and the scheduler) of a kemu cluster: builds every controller from the
 * cluster config with durations already scaled by timing.speed, starts them on shared informers,
 * and stops them in reverse order.
 */
import type { ApiClient } from '../api/client.js';
import { InformerFactory } from '../api/client/factory.js';
import type { Clock } from '../util/clock.js';
import { EventRecorder } from '../controllers/events.js';
import { NodeIpamController } from '../controllers/nodeipam/allocator.js';
import { NodeLifecycleController } from '../controllers/nodelifecycle/controller.js';
import { NamespaceController } from '../controllers/namespace/controller.js';
import { GarbageCollector } from '../controllers/gc/controller.js';
import { Scheduler } from '../controllers/scheduler/scheduler.js';
import { ReplicaSetController } from '../controllers/replicaset/replicaset.js';
import { DeploymentController } from '../controllers/deployment/deployment.js';
import { StatefulSetController } from '../controllers/statefulset/statefulset.js';
import { DaemonSetController } from '../controllers/daemonset/daemonset.js';
import { EndpointsController } from '../controllers/endpoints/controller.js';
import { EndpointSliceController } from '../controllers/endpointslice/controller.js';
import type { ClusterConfig } from './config.js';
import { ApiError } from '../api/errors.js';

interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
  idle(): boolean;
}

/** kube-controller-manager defaults that the topology does not expose. */
export const CONTROLLER_DEFAULTS = {
  nodeStartupGracePeriodMs: 60_000,
  /** --node-eviction-rate and --secondary-node-eviction-rate, nodes per second. */
  evictionRate: 0.1,
  secondaryEvictionRate: 0.01,
  unhealthyZoneThreshold: 0.55,
  largeClusterThreshold: 50,
  nodeEvictionPeriodMs: 100,
  podGCQuarantineMs: 40_000,
  namespaceRecheckMs: 1000,
};

export class ControlPlane {
  readonly factory: InformerFactory;
  private readonly controllers: Startable[] = [];

  constructor(
    client: ApiClient,
    clock: Clock,
    config: ClusterConfig,
    onError: (component: string, err: Error) => void,
  ) {
    this.factory = new InformerFactory(client, clock, (resource, err) => onError(`informer ${resource}`, err));
    const speed = config.timing.speed;
    const scaled = (ms: number) => ms / speed;
    const recorder = (component: string) => new EventRecorder(client, clock, component);
    const report = (component: string) => (err: Error) => onError(component, err);
    const factory = this.factory;
    // Optimistic-concurrency conflicts are retried by the workqueue; they are not worth a warning.
    const quiet = (component: string) => (key: string, err: Error) => {
      if (!(err instanceof ApiError && err.reason === 'Conflict')) onError(`${component} ${key}`, err);
    };
    this.controllers.push(
      new NodeIpamController({
        client,
        factory,
        clock,
        clusterCIDR: config.podSubnet,
        serviceCIDR: config.serviceSubnet,
        nodeCIDRMaskSize: config.nodeCIDRMaskSize,
        recorder: recorder('cidrAllocator'),
        onError: report('nodeipam'),
      }),
      new NodeLifecycleController({
        client,
        factory,
        clock,
        nodeMonitorPeriodMs: config.timing.nodeMonitorPeriod,
        apiSecondMs: scaled(1000),
        nodeMonitorGracePeriodMs: config.timing.nodeMonitorGracePeriod,
        nodeStartupGracePeriodMs: scaled(CONTROLLER_DEFAULTS.nodeStartupGracePeriodMs),
        // Rates are per second of Kubernetes time: faster clocks evict proportionally faster.
        evictionRate: CONTROLLER_DEFAULTS.evictionRate * speed,
        secondaryEvictionRate: CONTROLLER_DEFAULTS.secondaryEvictionRate * speed,
        unhealthyZoneThreshold: CONTROLLER_DEFAULTS.unhealthyZoneThreshold,
        largeClusterThreshold: CONTROLLER_DEFAULTS.largeClusterThreshold,
        nodeEvictionPeriodMs: scaled(CONTROLLER_DEFAULTS.nodeEvictionPeriodMs),
        podGCQuarantineMs: scaled(CONTROLLER_DEFAULTS.podGCQuarantineMs),
        recorder: recorder('node-controller'),
        onError: report('nodelifecycle'),
      }),
      new NamespaceController({ client, factory, clock, recheckMs: scaled(CONTROLLER_DEFAULTS.namespaceRecheckMs), onError: report('namespace') }),
      new GarbageCollector({ client, factory, clock, onError: report('garbagecollector') }),
      new Scheduler({ client, factory, clock, onError: quiet('scheduler') }),
      new DeploymentController({ client, factory, clock, onError: quiet('deployment') }),
      new ReplicaSetController({ client, factory, clock, onError: quiet('replicaset') }),
      new StatefulSetController({ client, factory, clock, onError: quiet('statefulset') }),
      new DaemonSetController({ client, factory, clock, onError: quiet('daemonset') }),
      new EndpointsController({ client, factory, clock, onError: quiet('endpoints') }),
      new EndpointSliceController({ client, factory, clock, onError: quiet('endpointslice') }),
    );
  }

  async start(): Promise<void> {
    for (const c of this.controllers) await c.start();
  }

  /** True when no controller has work queued, running or waiting for a retry. */
  idle(): boolean {
    return this.controllers.every((c) => c.idle());
  }

  async stop(): Promise<void> {
    for (const c of [...this.controllers].reverse()) await c.stop();
    this.factory.stop();
  }
}
