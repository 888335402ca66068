/** `kemu node show NAME [VIEW]`: a namespace's kernel state, printed by the running cluster. */
import { HttpClient } from '../api/client/http.js';
import { EXTENSION_PREFIX } from '../lab/extension-api.js';
import { serverFromKubeconfig } from './kubeconfig.js';

export const SHOW_VIEWS = ['routes', 'rules', 'neigh', 'fdb', 'links', 'addr', 'iptables', 'ipvs', 'cni', 'bgp'] as const;

export async function nodeShowCommand(name: string, view: string, opts: { kubeconfig: string }): Promise<number> {
  if (!(SHOW_VIEWS as readonly string[]).includes(view)) {
    process.stderr.write(`kemu: unknown view "${view}" (one of: ${SHOW_VIEWS.join(', ')})\n`);
    return 2;
  }
  const target = name.includes('/') ? name : name === 'gateway' ? 'router/gateway' : `node/${name}`;
  let client: HttpClient | undefined;
  try {
    client = new HttpClient(await serverFromKubeconfig(opts.kubeconfig));
    const res = (await client.raw('POST', `${EXTENSION_PREFIX}/show`, { target, view })) as { text: string };
    process.stdout.write(res.text);
    return 0;
  } catch (err) {
    process.stderr.write(`kemu: ${(err as Error).message}\n`);
    return 1;
  } finally {
    client?.close();
  }
}
