/** Finds the API server of a running kemu cluster from a kubeconfig, as kubectl does. */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { KemuError } from '../util/errors.js';

export const DEFAULT_KUBECONFIG = '.kemu/kubeconfig';

export async function serverFromKubeconfig(path: string, context?: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new KemuError('ERR_KUBECONFIG', `cannot read kubeconfig ${path}: is \`kemu up\` running? (pass --kubeconfig PATH)`);
  }
  const cfg = parse(text) as {
    'current-context'?: string;
    contexts?: { name: string; context: { cluster: string } }[];
    clusters?: { name: string; cluster: { server: string } }[];
  };
  const ctxName = context ?? cfg['current-context'];
  const ctx = cfg.contexts?.find((c) => c.name === ctxName);
  const cluster = cfg.clusters?.find((c) => c.name === ctx?.context.cluster);
  if (!cluster?.cluster.server) throw new KemuError('ERR_KUBECONFIG', `kubeconfig ${path} has no cluster for context ${ctxName ?? '(none)'}`);
  return cluster.cluster.server;
}
