/**
 * The API server: Kubernetes REST over node:http on loopback, plus watch over websocket. It only
 * translates HTTP to ApiService calls and back; every rule lives in the service.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Clock } from '../../util/clock.js';
import { ApiError, toApiError } from '../errors.js';
import type { ApiService } from '../service/service.js';
import type { PatchType } from '../client.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { parseResourcePath, type ResourceRoute } from './routes.js';
import { chooseRendering, type Rendering } from './negotiate.js';
import { parseJsonBody, readBody } from './body.js';
import { serveWatch } from './watch-handler.js';
import { renderList, renderObject } from './render.js';
import { openApiDocument } from './openapi.js';
import { findUnknownFields } from '../validation/index.js';
import { decodeProtobufBody, PROTOBUF_MEDIA_TYPE } from '../protobuf/index.js';

export interface ApiServerOptions {
  service: ApiService;
  clock: Clock;
  host?: string;
  port?: number;
  /** Extra handlers mounted before the Kubernetes routes (kemu's own extension API). */
  extensions?: ((req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>)[];
  /** Websocket endpoints of the extensions (port-forward): true when the socket was taken. */
  websocketExtensions?: ((url: URL, ws: WebSocket) => boolean)[];
  log?: (line: string) => void;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
};

export class ApiServer {
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly service: ApiService;
  private readonly clock: Clock;
  private readonly extensions: NonNullable<ApiServerOptions['extensions']>;
  private readonly openWatches = new Set<() => void>();
  private address: AddressInfo | undefined;

  constructor(private readonly opts: ApiServerOptions) {
    this.service = opts.service;
    this.clock = opts.clock;
    this.extensions = opts.extensions ?? [];
    this.http = createServer((req, res) => void this.handle(req, res));
    this.http.keepAliveTimeout = 60_000;
    this.http.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        for (const ext of this.opts.websocketExtensions ?? []) if (ext(url, ws)) return;
        const route = parseResourcePath(url.pathname);
        if (!route || route.name) {
          ws.close(1008, 'not a watchable collection');
          return;
        }
        this.watch(route, url, chooseRendering(req.headers.accept) ?? { kind: 'json' }, { ws });
      });
    });
  }

  async listen(): Promise<string> {
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.opts.port ?? 0, host, () => resolve());
    });
    this.address = this.http.address() as AddressInfo;
    return this.url();
  }

  url(): string {
    if (!this.address) throw new Error('API server is not listening');
    return `http://${this.address.address}:${this.address.port}`;
  }

  async close(): Promise<void> {
    for (const stop of [...this.openWatches]) stop();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      for (const ext of this.extensions) if (await ext(req, res, url)) return;
      if (this.serveFixed(req, res, url)) return;
      const route = parseResourcePath(url.pathname);
      if (!route) throw new ApiError('NotFound', 'the server could not find the requested resource');
      await this.serveResource(req, res, url, route);
    } catch (err) {
      const apiErr = toApiError(err);
      if (apiErr.reason === 'InternalError') this.opts.log?.(`internal error on ${req.method} ${req.url}: ${(err as Error).stack}`);
      if (!res.headersSent) sendJson(res, apiErr.httpCode, apiErr.toStatus());
      else res.end();
    }
  }

  /** Paths that are not resources: version, health, discovery, OpenAPI. */
  private serveFixed(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const p = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (p === '/version') return sendJson(res, 200, versionInfo());
    if (p === '/healthz' || p === '/livez' || p === '/readyz') return sendText(res, 200, 'ok');
    if (p === '/api') return sendJson(res, 200, apiVersions(`${this.address?.address}:${this.address?.port}`));
    if (p === '/apis') return sendJson(res, 200, apiGroupList());
    if (p.startsWith('/openapi/')) {
      const doc = openApiDocument(p, req.headers.accept);
      if (!doc) throw new ApiError('NotFound', 'the server could not find the requested resource');
      return sendJson(res, 200, doc);
    }
    const segs = p.split('/').filter(Boolean);
    if (segs[0] === 'api' && segs.length === 2) return sendOrNotFound(res, apiResourceList('', segs[1]!));
    if (segs[0] === 'apis' && segs.length === 2) return sendOrNotFound(res, apiGroup(segs[1]!));
    if (segs[0] === 'apis' && segs.length === 3) return sendOrNotFound(res, apiResourceList(segs[1]!, segs[2]!));
    return false;
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, url: URL, route: ResourceRoute): Promise<void> {
    const { resource, namespace, name, subresource } = route;
    const q = url.searchParams;
    const rendering = chooseRendering(req.headers.accept);
    if (!rendering) throw new ApiError('NotAcceptable', `only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io`);
    const dryRun = q.getAll('dryRun').includes('All');
    switch (req.method) {
      case 'GET':
      case 'HEAD': {
        if (name) {
          const obj = this.service.get(resource.plural, namespace, name, subresource);
          return void sendJson(res, 200, renderObject(resource, obj, rendering, this.clock.now(), q));
        }
        if (isTrue(q.get('watch'))) return this.watch(route, url, rendering, { res });
        const page = this.service.list(resource.plural, {
          namespace,
          labelSelector: q.get('labelSelector') ?? undefined,
          fieldSelector: q.get('fieldSelector') ?? undefined,
          limit: q.has('limit') ? Number(q.get('limit')) : undefined,
          continue: q.get('continue') ?? undefined,
        });
        return void sendBody(res, 200, renderList(resource, page, rendering, this.clock.now(), q));
      }
      case 'POST': {
        if (name && !subresource) throw new ApiError('MethodNotAllowed', `POST on resource ${resource.plural} is not allowed`);
        const body = await this.readObject(req, resource.plural, q);
        if (subresource === 'binding' && name) (body as any).metadata = { ...(body as any).metadata, name };
        const stored = this.service.create(resource.plural, namespace, body, { subresource, dryRun });
        return void sendBody(res, 201, subresource === 'binding' ? JSON.stringify(success()) : stored.json);
      }
      case 'PUT': {
        if (!name) throw new ApiError('MethodNotAllowed', `PUT on a collection of ${resource.plural} is not allowed`);
        const body = await this.readObject(req, resource.plural, q);
        const stored = this.service.update(resource.plural, namespace, name, body, { subresource, dryRun });
        return void sendBody(res, 200, stored.json);
      }
      case 'PATCH': {
        if (!name) throw new ApiError('MethodNotAllowed', `PATCH on a collection of ${resource.plural} is not allowed`);
        const type = PATCH_TYPES[contentType(req)];
        if (!type) {
          throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
        }
        const patch = parseJsonBody(await readBody(req));
        const stored = this.service.patch(resource.plural, namespace, name, type, patch, { subresource, dryRun });
        return void sendBody(res, 200, stored.json);
      }
      case 'DELETE': {
        if (!name) return this.deleteCollection(res, route, q);
        const raw = await readBody(req);
        const opts = raw.length ? (parseJsonBody(raw) as any) : {};
        const grace = q.has('gracePeriodSeconds') ? Number(q.get('gracePeriodSeconds')) : opts?.gracePeriodSeconds;
        const result = this.service.delete(resource.plural, namespace, name, {
          gracePeriodSeconds: typeof grace === 'number' && Number.isFinite(grace) ? grace : undefined,
          preconditions: opts?.preconditions,
          propagationPolicy: (q.get('propagationPolicy') as never) ?? opts?.propagationPolicy,
        });
        return void sendBody(res, 200, result.stored.json);
      }
      default:
        throw new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
  }

  private deleteCollection(res: ServerResponse, route: ResourceRoute, q: URLSearchParams): void {
    const page = this.service.list(route.resource.plural, {
      namespace: route.namespace,
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
    });
    for (const s of page.items) {
      try {
        this.service.delete(route.resource.plural, s.object.metadata.namespace, s.object.metadata.name ?? '');
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
      }
    }
    sendJson(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 });
  }

  /** Reads a JSON object body; with fieldValidation=Strict, unknown fields are a 400 as in Kubernetes. */
  private async readObject(req: IncomingMessage, plural: string, q: URLSearchParams): Promise<unknown> {
    const ct = contentType(req);
    if (ct && ct !== 'application/json' && ct !== '*/*' && ct !== PROTOBUF_MEDIA_TYPE) {
      throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, ${PROTOBUF_MEDIA_TYPE}`);
    }
    // kubectl's imperative generators (create deployment/namespace/configmap/service) send protobuf:
    // it is decoded into the JSON kubectl would have sent, which then takes the JSON path below.
    const raw = await readBody(req);
    const body = ct === PROTOBUF_MEDIA_TYPE ? decodeProtobufBody(raw) : parseJsonBody(raw);
    if (q.get('fieldValidation') === 'Strict' && body && typeof body === 'object' && plural) {
      const unknown = findUnknownFields(body as any);
      if (unknown.length) {
        throw new ApiError('BadRequest', `strict decoding error: ${unknown.map((e) => e.message).join(', ')}`);
      }
    }
    return body;
  }

  private watch(route: ResourceRoute, url: URL, rendering: Rendering, target: { res?: ServerResponse; ws?: import('ws').WebSocket }): void {
    // serveWatch may end the watch before it returns (a bad request), so track it through a holder.
    const holder: { stop?: () => void } = {};
    let ended = false;
    holder.stop = serveWatch({
      service: this.service,
      clock: this.clock,
      route,
      query: url.searchParams,
      rendering,
      target,
      onEnd: () => {
        ended = true;
        if (holder.stop) this.openWatches.delete(holder.stop);
      },
    });
    if (!ended) this.openWatches.add(holder.stop);
  }
}

function success(): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

function contentType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}

export function sendJson(res: ServerResponse, code: number, body: unknown): true {
  return sendBody(res, code, JSON.stringify(body));
}

function sendBody(res: ServerResponse, code: number, text: string | Buffer): true {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': buf.length, 'Cache-Control': 'no-cache, private' });
  res.end(buf);
  return true;
}

function sendText(res: ServerResponse, code: number, text: string): true {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
  return true;
}

function sendOrNotFound(res: ServerResponse, body: object | undefined): true {
  if (!body) throw new ApiError('NotFound', 'the server could not find the requested resource');
  return sendJson(res, 200, body);
}
