/**
 * `kemu run FILE [--mode M] [--proxy-mode P]`: bring the topology up in this process, run its
 * scenario with a progress display on stderr, print the results (a table, or JSON with --json),
 * tear everything down. Exit 0 when every assert passed and every step could run, 1 otherwise
 * (also for an invalid file, with FILE:LINE:COL diagnostics).
 */
import { renderJson } from '../report/json.js';
import { createRunProgress } from '../report/progress.js';
import { renderRunTable } from '../report/table.js';
import { type CniMode, parseModes, parseProxyModes } from '../scenario/modes.js';
import { runSucceeded, runTopology } from '../scenario/run.js';
import { loadTopologyOrReport } from './load-topology.js';
import { type RealAddressOverrides, realAddressOverrides } from '../lab/from-topology.js';
import { createProgress, defaultProgressMode } from '../util/progress.js';

export interface RunCommandOptions extends RealAddressOverrides {
  mode?: string;
  proxyMode?: string;
  json?: boolean;
  speed?: number;
  /** Show the cluster's own start-up phases (default: only its warnings). */
  verbose?: boolean;
}

export async function runCommand(file: string, opts: RunCommandOptions, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  let mode: CniMode | undefined;
  let proxyMode;
  try {
    mode = opts.mode === undefined ? undefined : parseModes(opts.mode)[0];
    proxyMode = opts.proxyMode === undefined ? undefined : parseProxyModes(opts.proxyMode)[0];
  } catch (err) {
    stderr.write(`kemu run: ${(err as Error).message}\n`);
    return 2;
  }
  const loaded = await loadTopologyOrReport(file, stderr);
  if (loaded === undefined) return 1;
  const display = defaultProgressMode(Boolean(opts.json), stderr as NodeJS.WriteStream);
  const steps = loaded.scenario?.length ?? 2;
  const progress = createRunProgress(mode ?? loaded.topology.name, steps, display, stderr);
  const clusterProgress = createProgress(opts.verbose ? display : display === 'json' ? 'json' : 'silent', stderr);
  progress.starting('starting the cluster');
  const result = await runTopology(loaded, {
    ...(mode ? { mode } : {}), ...(proxyMode ? { proxyMode } : {}), speed: opts.speed, ...realAddressOverrides(opts),
    clusterProgress, hooks: progress.hooks,
  });
  progress.finish(result);
  if (!opts.json) for (const w of result.warnings) stderr.write(`warning: ${w}\n`);
  stdout.write(opts.json ? renderJson(result) : renderRunTable(result));
  return runSucceeded(result) ? 0 : 1;
}
