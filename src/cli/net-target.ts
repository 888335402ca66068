/**
 * What `kemu ping`, `kemu trace` and `kemu capture` share: the target syntax, the --kubeconfig
 * option, and one POST to the packet plane's extension API of the running cluster.
 */
import type { Command } from 'commander';
import { HttpClient } from '../api/client/http.js';
import { EXTENSION_PREFIX } from '../lab/extension-api.js';
import { DEFAULT_KUBECONFIG, serverFromKubeconfig } from './kubeconfig.js';

export const TARGET_HELP =
  '\nTargets:\n' +
  '  node/NAME[:IFACE]        a node\'s host namespace (interface eth0 unless given)\n' +
  '  pod/NAME[.NAMESPACE]     a pod attached to the packet plane (namespace "default" unless given)\n' +
  '  router/NAME[:IFACE]      a topology router; IFACE is a device (eth1) or a subnet name (rack-b)\n' +
  '  A.B.C.D                  the namespace owning that address (any address as a destination)\n';

export interface NetCommandOptions {
  kubeconfig: string;
  json?: boolean;
}

/** Adds the options every packet-plane command takes. */
export function withNetOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <path>', 'kubeconfig written by `kemu up`', DEFAULT_KUBECONFIG)
    .option('--json', 'print the result as JSON');
}

/** POST /apis/kemu.dev/v1alpha1/PATH with a JSON body; the answer's JSON. */
export async function postNetwork<T>(kubeconfig: string, path: string, body: Record<string, unknown>): Promise<T> {
  const client = new HttpClient(await serverFromKubeconfig(kubeconfig));
  try {
    return (await client.raw('POST', `${EXTENSION_PREFIX}${path}`, body)) as T;
  } finally {
    client.close();
  }
}

/** A number option in seconds, given as "0.2" or "5". */
export function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`invalid duration: ${v} (seconds, e.g. 0.5)`);
  return n;
}

export function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`invalid count: ${v} (a positive integer)`);
  return n;
}

export function parseIntInRange(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`invalid ${name}: ${v} (an integer in ${min}..${max})`);
    return n;
  };
}

export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  stderr.write(`kemu: ${(err as Error).message}\n`);
  return 2;
}
