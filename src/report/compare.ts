/**
 * `kemu compare`: the same topology and scenario run once per mode (every CNI mode × every proxy
 * mode asked for), one after the other in this process, each with its own progress bar, then one
 * report built from all runs. A run that fails to start is reported as such; the others go on.
 */
import type { CniMode } from '../scenario/modes.js';
import { runTopology } from '../scenario/run.js';
import { type RealAddressOverrides, realAddressOverrides } from '../lab/from-topology.js';
import type { RunResult } from '../scenario/types.js';
import type { KubeProxyMode, LoadedTopology } from '../topology/types.js';
import { type Clock, RealClock } from '../util/clock.js';
import type { ProgressMode } from '../util/progress.js';
import { createRunProgress } from './progress.js';
import { type CompareReport, buildReport } from './summary.js';

export interface CompareOptions extends RealAddressOverrides {
  modes: CniMode[];
  /** Empty: the file's own proxy mode only. */
  proxyModes: KubeProxyMode[];
  speed?: number;
  progress: ProgressMode;
  out?: NodeJS.WritableStream;
  clock?: Clock;
}

export async function compareModes(loaded: LoadedTopology, o: CompareOptions): Promise<CompareReport> {
  const clock = o.clock ?? new RealClock();
  const started = clock.now();
  const proxies: (KubeProxyMode | undefined)[] = o.proxyModes.length ? o.proxyModes : [undefined];
  const combos = o.modes.flatMap((mode) => proxies.map((proxyMode) => ({ mode, proxyMode })));
  const steps = loaded.scenario?.length ?? 2;
  const runs: RunResult[] = [];
  const labels: string[] = [];
  for (const { mode, proxyMode } of combos) {
    const label = proxies.length > 1 ? `${mode}/${proxyMode}` : mode;
    const progress = createRunProgress(label, steps, o.progress, o.out);
    progress.starting('starting the cluster');
    const r = await runTopology(loaded, {
      mode, ...(proxyMode ? { proxyMode } : {}), ...realAddressOverrides(o), speed: o.speed, hooks: progress.hooks,
    });
    progress.finish(r);
    runs.push(r);
    labels.push(label);
  }
  return buildReport(loaded.topology, loaded.file, runs, labels, clock.now() - started);
}

