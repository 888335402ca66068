/**
 * `kemu bgp NODE [--json]`: a calico node's BGP speaker as calico's and BIRD's tools show it —
 * `calicoctl node status` (peers, states), `birdc show protocols` and `birdc show route` (own blocks
 * as blackholes, learned routes with next hop and AS path) — printed by the running cluster.
 */
import { HttpClient } from '../api/client/http.js';
import { EXTENSION_PREFIX } from '../lab/extension-api.js';
import { serverFromKubeconfig } from './kubeconfig.js';

export interface BgpCommandOptions {
  kubeconfig: string;
  json?: boolean;
}

export async function bgpCommand(node: string, opts: BgpCommandOptions, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let client: HttpClient | undefined;
  try {
    client = new HttpClient(await serverFromKubeconfig(opts.kubeconfig));
    const res = (await client.raw('POST', `${EXTENSION_PREFIX}/show`, { target: `node/${node}`, view: 'bgp' })) as { text: string; running?: boolean };
    if (opts.json) {
      const { text: _text, ...values } = res;
      out.write(`${JSON.stringify(values, null, 2)}\n`);
    } else out.write(res.text);
    return res.running === false ? 1 : 0;
  } catch (e) {
    err.write(`kemu: ${(e as Error).message}\n`);
    return 1;
  } finally {
    client?.close();
  }
}
