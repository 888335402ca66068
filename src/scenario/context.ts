/**
 * What the steps of a scenario share: the running cluster (through the narrow view they use), the
 * clock, the results of earlier steps by name, background steps still running, and the run's
 * setup recorders. One context per run.
 */
import type { ApiClient } from '../api/client.js';
import type { ApiService } from '../api/service/service.js';
import type { ClusterConfig } from '../lab/config.js';
import type { LabNetwork } from '../lab/network/index.js';
import type { Readiness } from '../lab/readiness.js';
import type { ScenarioStep } from '../topology/scenario-types.js';
import type { Clock } from '../util/clock.js';
import type { BgpWireCounter } from './measure/bgp-wire.js';
import type { NodeWatchRecorder } from './measure/control-plane.js';
import type { NetworkSnapshot } from './measure/snapshot.js';
import type { HttpRequestRecord, StepResult } from './types.js';

/** The parts of lab/Cluster a scenario drives (Cluster has them all). */
export interface ScenarioCluster {
  readonly client: ApiClient;
  readonly service: ApiService;
  readonly network: LabNetwork;
  readonly config: ClusterConfig;
  readonly clusterDNS: string;
  /** The CNI agent of each node; empty when the topology's plugin is not built. */
  readonly cni: ReadonlyMap<string, unknown>;
  readiness(): Promise<Readiness>;
  stopNode(name: string): Promise<unknown>;
  startNode(name: string): Promise<unknown>;
  /** Where a real client reaches a node's NodePort (see Cluster.realEndpoint). */
  realEndpoint(node: string, nodePort: number): { address: string; port: number } | undefined;
}

export interface BackgroundStep {
  step: ScenarioStep;
  done: Promise<StepResult>;
  /** http steps: the requests so far, for node-stop to see traffic come back while they run. */
  log?: HttpRequestRecord[];
  /** http steps: the Service ("namespace/name") the requests go to, once resolved. */
  service?: string;
}

export class ScenarioContext {
  readonly startedAt: number;
  readonly results = new Map<string, StepResult>();
  readonly background = new Map<string, BackgroundStep>();
  /** The first network snapshot (after wait-ready or from a measure step). */
  network: NetworkSnapshot | null = null;
  /** Clock time the first wait-ready step finished: the end of setup. */
  readyAt: number | undefined;

  constructor(
    readonly cluster: ScenarioCluster,
    readonly file: string,
    readonly recorder?: NodeWatchRecorder,
    readonly bgp?: BgpWireCounter,
  ) {
    this.startedAt = this.clock.now();
  }

  get clock(): Clock {
    return this.cluster.network.clock;
  }

  /** Milliseconds since the run started. */
  now(): number {
    return this.clock.now() - this.startedAt;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }

  /** Polls `check` every `everyMs` until it returns true or `timeoutMs` passes; returns whether it did. */
  async until(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      if (await check()) return true;
      if (this.clock.now() >= deadline) return false;
      await this.sleep(everyMs);
    }
  }
}
