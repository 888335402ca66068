/**
 * One change fanned out to 200 websocket watchers ÷ a raw `ws` broadcast of the same bytes to 200
 * clients, both in this process and run back to back. Goal ≥ 0.8 (kemu throughput / raw).
 */
import WebSocket, { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '../../src/api/store/memory.js';
import { ApiService } from '../../src/api/service/service.js';
import { ApiServer } from '../../src/api/server/http.js';
import { RealClock } from '../../src/util/clock.js';
import { median, ms, type BenchResult } from './harness.js';

const WATCHERS = 200;
const CHANGES = 300;

function waitForMessages(clients: WebSocket[], perClient: number): Promise<void> {
  return Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          let n = 0;
          const on = () => {
            if (++n === perClient) {
              c.off('message', on);
              resolve();
            }
          };
          c.on('message', on);
        }),
    ),
  ).then(() => undefined);
}

async function connect(url: string, n: number): Promise<WebSocket[]> {
  const clients = Array.from({ length: n }, () => new WebSocket(url, { perMessageDeflate: false }));
  await Promise.all(clients.map((c) => new Promise((r, j) => (c.once('open', r), c.once('error', j)))));
  return clients;
}

const configMap = (i: number) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'fanout', namespace: 'default', labels: { app: 'bench' } },
  data: { counter: String(i), payload: 'x'.repeat(600) },
});

async function kemuRun(): Promise<{ ms: number; bytes: number }> {
  const clock = new RealClock();
  const service = new ApiService({ store: new MemoryStore(), clock, serviceSubnet: '10.96.0.0/12' });
  service.create('namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  service.create('configmaps', 'default', configMap(0));
  const server = new ApiServer({ service, clock, port: 0 });
  const url = await server.listen();
  const rv = service.store.currentResourceVersion();
  const clients = await connect(`${url.replace('http', 'ws')}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, WATCHERS);
  const done = waitForMessages(clients, CHANGES);
  const start = process.hrtime.bigint();
  for (let i = 1; i <= CHANGES; i++) {
    service.update('configmaps', 'default', 'fanout', configMap(i));
    // Let the sockets drain between changes, as changes arrive over time in a cluster.
    if (i % 20 === 0) await new Promise((r) => setImmediate(r));
  }
  await done;
  const elapsed = ms(start);
  const bytes = service.store.get('configmaps', 'default', 'fanout')!.json.length;
  for (const c of clients) c.terminate();
  await server.close();
  return { ms: elapsed, bytes };
}

async function rawRun(bytes: number): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as AddressInfo).port;
  const clients = await connect(`ws://127.0.0.1:${port}/`, WATCHERS);
  const done = waitForMessages(clients, CHANGES);
  const start = process.hrtime.bigint();
  for (let i = 1; i <= CHANGES; i++) {
    // The same work a watch event needs at minimum: serialize the change once, send it to all.
    const frame = Buffer.from(`{"type":"MODIFIED","object":${JSON.stringify({ ...configMap(i), pad: 'x'.repeat(Math.max(0, bytes - 700)) })}}`);
    for (const c of wss.clients) c.send(frame, { binary: false });
    if (i % 20 === 0) await new Promise((r) => setImmediate(r));
  }
  await done;
  const elapsed = ms(start);
  for (const c of clients) c.terminate();
  await new Promise((r) => wss.close(r));
  return elapsed;
}

export async function run(): Promise<BenchResult> {
  let bytes = 0;
  const kemu = await median(5, async () => {
    const r = await kemuRun();
    bytes = r.bytes;
    return r.ms;
  });
  const raw = await median(5, () => rawRun(bytes));
  const ratio = raw / kemu;
  return {
    name: `watch fan-out: ${CHANGES} changes × ${WATCHERS} websocket watchers`,
    ratioLabel: 'raw ws broadcast time / kemu time',
    ratio,
    goal: '≥ 0.8',
    pass: ratio >= 0.8,
    details: { kemu_ms: kemu, raw_ms: raw, event_bytes: bytes + 30, kemu_events_per_s: (CHANGES * WATCHERS) / (kemu / 1000) },
  };
}
