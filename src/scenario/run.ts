/**
 * One run: a topology (optionally in another CNI or proxy mode) brought up in this process, its
 * scenario run against it, everything measured collected into a RunResult, and the cluster torn
 * down, whatever happened. The setup recorders (Node watch, BGP on the wire) are attached before
 * the cluster starts, so the control-plane traffic of setting up the network is counted from the
 * first event. What the lab cannot do yet (a CNI plugin or proxy mode not built) is taken from the
 * cluster's own notices, so a mode that becomes built is reported as such with no change here.
 */
import { Cluster } from '../lab/cluster.js';
import { type RealAddressOverrides, fromTopology, realAddressOverrides } from '../lab/from-topology.js';
import type { ScenarioStep } from '../topology/scenario-types.js';
import type { KubeProxyMode, LoadedTopology } from '../topology/types.js';
import { RealClock } from '../util/clock.js';
import type { Progress } from '../util/progress.js';
import { ScenarioContext } from './context.js';
import { BgpWireCounter } from './measure/bgp-wire.js';
import { NodeWatchRecorder } from './measure/control-plane.js';
import { type CniMode, modeOf, withModes } from './modes.js';
import { type RunnerHooks, runScenario } from './runner.js';
import type { RunResult, StepResult } from './types.js';

export interface RunOptions extends RealAddressOverrides {
  mode?: CniMode;
  proxyMode?: KubeProxyMode;
  speed?: number;
  /** Where the cluster's own phases and warnings go (kemu run shows them; compare keeps them quiet). */
  clusterProgress?: Progress;
  hooks?: RunnerHooks;
  /** How long the cluster's start waits for readiness (default 30 s). */
  readyTimeoutMs?: number;
}

/** What `kemu run` does with a topology that has no scenario. */
export const DEFAULT_SCENARIO: ScenarioStep[] = [
  { step: 'wait-ready', name: 'ready', line: 0, col: 0, timeout: 60_000 },
  { step: 'measure', name: 'state', line: 0, col: 0 },
];

/** "CNI calico is not built yet: …" and "kube-proxy mode ipvs is not built yet; …" → what is missing. */
export function notBuiltFrom(warnings: readonly string[]): string[] {
  return [...new Set(warnings.flatMap((w) => {
    const m = /^(CNI \S+|kube-proxy mode \S+) is not built yet/.exec(w);
    return m ? [m[1]!] : [];
  }))];
}

/** A Progress that keeps the warnings (deduplicated) and forwards everything to `inner`. */
function collecting(inner: Progress | undefined, warnings: string[]): Progress {
  return {
    phase: (name) => inner?.phase(name) ?? { update() {}, done() {}, fail() {} },
    info: (m, f) => inner?.info(m, f),
    warn: (m, f) => {
      if (!warnings.includes(m)) warnings.push(m);
      inner?.warn(m, f);
    },
  };
}

export async function runTopology(loaded: LoadedTopology, opts: RunOptions = {}): Promise<RunResult> {
  const l = withModes(loaded, opts.mode, opts.proxyMode);
  const t = l.topology;
  const warnings: string[] = [];
  const config = fromTopology(l, { apiPort: 0, speed: opts.speed, ...realAddressOverrides(opts) });
  const cluster = new Cluster(config, new RealClock(), collecting(opts.clusterProgress, warnings), { readyTimeoutMs: opts.readyTimeoutMs ?? 30_000 });
  const clock = cluster.network.clock;
  const started = clock.now();
  const bgp = new BgpWireCounter(clock).attach([...cluster.network.nodes.values()].map((n) => n.eth0.dev));
  const recorder = new NodeWatchRecorder(cluster.service, clock, config.nodes.map((n) => n.name));
  const link = t.underlay.links;
  const result: RunResult = {
    topology: t.name, file: loaded.file, mode: opts.mode ?? modeOf(t), cni: config.cni, proxyMode: t.networking.kubeProxyMode,
    notBuilt: [], startedAt: new Date(started).toISOString(), durationMs: 0, setup: null, network: null, steps: [],
    asserts: { total: 0, passed: 0, failed: 0 }, warnings, error: null,
    link: { rateMbps: link.rate === null ? null : link.rate / 1e6, mtu: link.mtu, delayMs: link.delay },
  };
  try {
    await cluster.start();
    const upAt = clock.now();
    const ctx = new ScenarioContext(cluster, loaded.file, recorder, bgp);
    result.steps = await runScenario(ctx, l.scenario ?? DEFAULT_SCENARIO, opts.hooks);
    result.network = ctx.network;
    result.setup = setupOf(recorder, bgp, started, upAt, ctx.readyAt ?? upAt, cluster.cni.size);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  } finally {
    recorder.stop();
    bgp.detach();
    await cluster.stop();
  }
  result.notBuilt = notBuiltFrom(warnings);
  result.asserts = countAsserts(result.steps);
  result.durationMs = clock.now() - started;
  return result;
}

/**
 * Setup as measured: network ready is when the CNI agents said so and routing stopped changing
 * (the last BGP UPDATE before the cluster counted as ready); the setup traffic is counted up to it.
 */
function setupOf(recorder: NodeWatchRecorder, bgp: BgpWireCounter, started: number, upAt: number, readyAt: number, agents: number): RunResult['setup'] {
  const lastUpdate = bgp.traffic(readyAt).lastUpdateAt;
  const cniReady = recorder.readyAt;
  const networkReady = cniReady === undefined ? undefined : Math.max(cniReady, lastUpdate ?? cniReady);
  const window = networkReady ?? readyAt;
  return {
    upMs: upAt - started,
    cniReadyMs: cniReady === undefined ? null : cniReady - started,
    bgpConvergedMs: lastUpdate === null ? null : lastUpdate - started,
    networkReadyMs: networkReady === undefined ? null : networkReady - started,
    network: recorder.readiness(),
    windowMs: window - started,
    apiWatch: { agents, setup: recorder.traffic(window), total: recorder.traffic() },
    bgp: { setup: bgp.traffic(window), total: bgp.traffic() },
  };
}

function countAsserts(steps: readonly StepResult[]): RunResult['asserts'] {
  const asserts = steps.filter((s) => s.step === 'assert');
  const passed = asserts.filter((s) => s.status === 'ok').length;
  return { total: asserts.length, passed, failed: asserts.length - passed };
}

/** `kemu run`'s verdict: every assert passed and no step failed to run. */
export function runSucceeded(r: RunResult): boolean {
  return r.error === null && r.asserts.failed === 0 && r.steps.every((s) => s.status !== 'error');
}
