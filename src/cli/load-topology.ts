/** What up, run and compare do first: load the topology file, or print its FILE:LINE:COL diagnostics. */
import { formatDiagnostic, loadTopologyFile } from '../topology/load.js';
import type { LoadedTopology } from '../topology/types.js';

/** The loaded topology, or undefined once every diagnostic is written to `stderr` (the caller exits 1). */
export async function loadTopologyOrReport(file: string, stderr: NodeJS.WritableStream = process.stderr): Promise<LoadedTopology | undefined> {
  const loaded = await loadTopologyFile(file);
  if (loaded.ok) return loaded.value;
  for (const d of loaded.diagnostics) stderr.write(formatDiagnostic(d) + '\n');
  return undefined;
}
