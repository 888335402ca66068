/** Serves one watch request (chunked HTTP or websocket) from ApiService.watch. */
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../../util/clock.js';
import { ApiError, toApiError } from '../errors.js';
import type { ApiService, ServiceWatchEvent } from '../service/service.js';
import { apiVersionOf } from '../resources.js';
import { toTable } from '../table/index.js';
import type { Rendering } from './negotiate.js';
import type { ResourceRoute } from './routes.js';
import { partialMetadata } from './render.js';
import { MAX_WATCH_BACKLOG, eventBytes, httpSink, wsSink, type WatchSink } from './watch.js';

export interface WatchRequest {
  service: ApiService;
  clock: Clock;
  route: ResourceRoute;
  query: URLSearchParams;
  rendering: Rendering;
  target: { res?: ServerResponse; ws?: WebSocket };
  onEnd(): void;
}

/** kube-apiserver sends a bookmark about once a minute to watchers that allow them. */
const BOOKMARK_INTERVAL_MS = 60_000;

export function serveWatch(w: WatchRequest): () => void {
  const { route, query, rendering, clock } = w;
  const res = w.target.res;
  const sink: WatchSink = res ? httpSink(res) : wsSink(w.target.ws!);
  let started = false;
  let ended = false;
  const timers: TimerHandle[] = [];
  let cancelWatch: (() => void) | undefined;

  const start = (): void => {
    if (started || !res) return;
    started = true;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
  };
  const stop = (): void => {
    if (ended) return;
    ended = true;
    cancelWatch?.();
    for (const t of timers) t.cancel();
    start();
    sink.close();
    w.onEnd();
  };
  sink.onClose(stop);

  let tableHeaderSent = false;
  const render = (ev: ServiceWatchEvent): Buffer | string => {
    if (rendering.kind === 'json') return eventBytes(ev.type, ev.stored);
    let object: unknown;
    if (rendering.kind === 'table') {
      const table = toTable(route.resource, [ev.stored.object], { now: clock.now(), includeObject: includeObjectOf(query) });
      // Column definitions travel once per watch, as kube-apiserver sends them.
      if (tableHeaderSent) table.columnDefinitions = [];
      tableHeaderSent = true;
      object = { ...table, apiVersion: `meta.k8s.io/${rendering.version}` };
    } else {
      object = partialMetadata(ev.stored.object, rendering.version);
    }
    return JSON.stringify({ type: ev.type, object }) + '\n';
  };

  const send = (bytes: Buffer | string): void => {
    if (ended) return;
    start();
    sink.write(bytes);
    if (sink.backlog() > MAX_WATCH_BACKLOG) stop();
  };

  try {
    const handle = w.service.watch(
      route.resource.plural,
      {
        namespace: route.namespace,
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: query.get('fieldSelector') ?? undefined,
        resourceVersion: query.get('resourceVersion') ?? undefined,
      },
      (ev) => send(render(ev)),
    );
    cancelWatch = () => handle.cancel();
  } catch (err) {
    const apiErr = toApiError(err);
    // A too-old resourceVersion is reported inside the stream, as kube-apiserver does, so
    // reflectors see an ERROR event with a 410 and relist.
    if (apiErr.reason === 'Expired' || apiErr.reason === 'Gone' || !res) {
      send(JSON.stringify({ type: 'ERROR', object: apiErr.toStatus() }) + '\n');
      stop();
      return stop;
    }
    ended = true;
    w.onEnd();
    throw apiErr;
  }

  start();
  const timeout = Number(query.get('timeoutSeconds'));
  if (Number.isFinite(timeout) && timeout > 0) timers.push(clock.setTimeout(stop, timeout * 1000));
  if (query.get('allowWatchBookmarks') === 'true') {
    timers.push(
      clock.setInterval(() => {
        const rv = String(w.service.store.currentResourceVersion());
        const obj = { kind: route.resource.kind, apiVersion: apiVersionOf(route.resource), metadata: { resourceVersion: rv } };
        send(JSON.stringify({ type: 'BOOKMARK', object: obj }) + '\n');
      }, BOOKMARK_INTERVAL_MS),
    );
  }
  return stop;
}

function includeObjectOf(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

export { ApiError };
