/**
 * LIST of 10,000 pods over HTTP (request to last byte) ÷ JSON.stringify of the same objects as a
 * PodList, in the same run. Goal ≤ 2.
 */
import { request } from 'node:http';
import { MemoryStore } from '../../src/api/store/memory.js';
import { ApiService } from '../../src/api/service/service.js';
import { ApiServer } from '../../src/api/server/http.js';
import { RealClock } from '../../src/util/clock.js';
import { median, ms, type BenchResult } from './harness.js';

const PODS = 10_000;

function pod(i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `web-${i}`, namespace: 'default', labels: { app: 'web', 'pod-template-hash': '5d8f7c9b6d' } },
    spec: {
      nodeName: `worker-${i % 50}`,
      containers: [{ name: 'netexec', image: 'registry.k8s.io/e2e-test-images/agnhost:2.47', args: ['netexec', '--http-port=8080'], ports: [{ name: 'http', containerPort: 8080 }] }],
    },
  };
}

/** GET with node:http, counting the body's bytes: the cheapest client, so the server is what is measured. */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve(n));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

export async function run(): Promise<BenchResult> {
  const clock = new RealClock();
  const service = new ApiService({ store: new MemoryStore(), clock, serviceSubnet: '10.96.0.0/12' });
  service.create('namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  for (let i = 0; i < PODS; i++) service.create('pods', 'default', pod(i));
  const server = new ApiServer({ service, clock, port: 0 });
  const url = await server.listen();
  const objects = service.store.list('pods', 'default').items.map((s) => s.object);

  let bytes = 0;
  const listMs = await median(9, async () => {
    const start = process.hrtime.bigint();
    bytes = await get(`${url}/api/v1/namespaces/default/pods`);
    return ms(start);
  });
  const stringifyMs = await median(9, async () => {
    const start = process.hrtime.bigint();
    JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: objects });
    return ms(start);
  });
  await server.close();
  const ratio = listMs / stringifyMs;
  return {
    name: `LIST of ${PODS} pods over HTTP`,
    ratioLabel: 'kemu LIST time / JSON.stringify time',
    ratio,
    goal: '≤ 2',
    pass: ratio <= 2,
    details: { list_ms: listMs, stringify_ms: stringifyMs, response_mb: bytes / 1e6 },
  };
}
