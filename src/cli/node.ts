/** `kemu node stop|start NAME`: power a simulated host off or on in a running cluster. */
import { HttpClient } from '../api/client/http.js';
import { ApiError } from '../api/errors.js';
import { EXTENSION_PREFIX } from '../lab/extension-api.js';
import { serverFromKubeconfig } from './kubeconfig.js';

export async function nodeCommand(action: 'stop' | 'start', name: string, opts: { kubeconfig: string; json?: boolean }): Promise<number> {
  const client = new HttpClient(await serverFromKubeconfig(opts.kubeconfig));
  try {
    const result = (await client.raw('POST', `${EXTENSION_PREFIX}/nodes/${encodeURIComponent(name)}/${action}`)) as { node: string; state: string };
    if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
    else
      process.stdout.write(
        action === 'stop'
          ? `node/${name} stopped: its kubelet no longer renews its Lease; watch it go NotReady with\n  kubectl get nodes -w\n`
          : `node/${name} started: its kubelet registers again and renews its Lease\n`,
      );
    return 0;
  } catch (err) {
    process.stderr.write(`kemu: ${err instanceof ApiError ? err.message : (err as Error).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}
