/** Starts a real API server on an ephemeral loopback port for tests, with the system namespaces. */
import { MemoryStore } from '../../src/api/store/memory.js';
import { ApiService } from '../../src/api/service/service.js';
import { ApiServer } from '../../src/api/server/http.js';
import { InProcessClient } from '../../src/api/client/inprocess.js';
import { bootstrapCluster } from '../../src/lab/bootstrap.js';
import { RealClock, type Clock } from '../../src/util/clock.js';

export interface TestApi {
  url: string;
  service: ApiService;
  client: InProcessClient;
  server: ApiServer;
  store: MemoryStore;
  close(): Promise<void>;
}

export async function startTestApi(opts: { historySize?: number; clock?: Clock } = {}): Promise<TestApi> {
  const store = new MemoryStore({ historySize: opts.historySize });
  const clock = opts.clock ?? new RealClock();
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const service = new ApiService({ store, clock, serviceSubnet: '10.96.0.0/12', random, loadBalancerPool: '172.18.255.200/29' });
  const server = new ApiServer({ service, clock, port: 0 });
  const url = await server.listen();
  const client = new InProcessClient(service);
  await bootstrapCluster(client, { kubernetesServiceIP: '10.96.0.1', controlPlaneAddress: '172.18.0.2' });
  return { url, service, client, server, store, close: () => server.close() };
}

export async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as any) : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

export const podManifest = (name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'registry.k8s.io/e2e-test-images/agnhost:2.47' }], ...extra },
});
