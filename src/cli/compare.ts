/**
 * `kemu compare FILE --modes a,b,... [--proxy-modes x,y] [--json] [--html OUT]`: the topology's
 * scenario once per mode, a progress bar per run on stderr, then the comparison: aligned tables
 * on stdout (or JSON with --json) and, with --html, a self-contained page. Exit 0 once the report
 * is written (asserts failing in some modes are findings, not errors); 1 when a run could not
 * start or the file is invalid; 2 for bad options.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { compareModes } from '../report/compare.js';
import { renderHtml } from '../report/html.js';
import { renderJson } from '../report/json.js';
import { renderCompareTable } from '../report/table.js';
import { type CniMode, DEFAULT_COMPARE_MODES, parseModes, parseProxyModes } from '../scenario/modes.js';
import { loadTopologyOrReport } from './load-topology.js';
import type { KubeProxyMode } from '../topology/types.js';
import { defaultProgressMode } from '../util/progress.js';
import { type RealAddressOverrides, realAddressOverrides } from '../lab/from-topology.js';

export interface CompareCommandOptions extends RealAddressOverrides {
  modes?: string;
  proxyModes?: string;
  json?: boolean;
  html?: string;
  speed?: number;
}

export async function compareCommand(file: string, opts: CompareCommandOptions, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  let modes: CniMode[];
  let proxyModes: KubeProxyMode[];
  try {
    modes = opts.modes === undefined ? DEFAULT_COMPARE_MODES : parseModes(opts.modes);
    proxyModes = opts.proxyModes === undefined ? [] : parseProxyModes(opts.proxyModes);
  } catch (err) {
    stderr.write(`kemu compare: ${(err as Error).message}\n`);
    return 2;
  }
  const loaded = await loadTopologyOrReport(file, stderr);
  if (loaded === undefined) return 1;
  const report = await compareModes(loaded, {
    modes, proxyModes, speed: opts.speed, ...realAddressOverrides(opts),
    progress: defaultProgressMode(Boolean(opts.json), stderr as NodeJS.WriteStream), out: stderr,
  });
  stdout.write(opts.json ? renderJson(report) : renderCompareTable(report));
  if (opts.html) {
    const out = resolve(opts.html);
    await writeFile(out, renderHtml(report));
    stderr.write(`report written to ${out}\n`);
  }
  return report.runs.some((r) => r.error !== null) ? 1 : 0;
}
