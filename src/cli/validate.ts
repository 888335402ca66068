/**
 * `kemu validate FILE...`: load each topology file without running it. Diagnostics go to stderr as
 * FILE:LINE:COL: message (one per line, file order); a valid file prints a one-line summary on
 * stdout. With --json, stdout gets one array with a result per file and stderr stays quiet.
 * Exit code 0 when every file is valid, 1 otherwise.
 */
import { formatDiagnostic, loadTopologyFile } from '../topology/load.js';
import type { Diagnostic } from '../topology/load.js';
import type { LoadedTopology } from '../topology/types.js';

export type ValidateResult =
  | { file: string; ok: true; nodes: number; manifests: number; cni: string; proxy: string }
  | { file: string; ok: false; diagnostics: Diagnostic[] };

/** "flannel/vxlan", "calico/ipip+crossSubnet". */
export function cniSummary(t: LoadedTopology['topology']): string {
  const c = t.networking.cni;
  return c.plugin === 'flannel' ? `flannel/${c.backend}` : `calico/${c.mode}${c.crossSubnet ? '+crossSubnet' : ''}`;
}

export async function validateCommand(
  files: string[],
  opts: { json?: boolean },
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  if (files.length === 0) {
    err.write('kemu validate: no files given\n');
    return 1;
  }
  const results: ValidateResult[] = [];
  for (const file of files) {
    const r = await loadTopologyFile(file);
    results.push(
      r.ok
        ? {
            file,
            ok: true,
            nodes: r.value.topology.nodes.length,
            manifests: r.value.manifests.length,
            cni: cniSummary(r.value.topology),
            proxy: r.value.topology.networking.kubeProxyMode,
          }
        : { file, ok: false, diagnostics: r.diagnostics },
    );
  }
  if (opts.json) out.write(`${JSON.stringify(results, null, 2)}\n`);
  else {
    for (const r of results) {
      if (r.ok) out.write(`${r.file}: ok (${r.nodes} nodes, ${r.manifests} manifests, cni ${r.cni}, proxy ${r.proxy})\n`);
      else for (const d of r.diagnostics) err.write(`${formatDiagnostic(d)}\n`);
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}
