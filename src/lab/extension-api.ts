/**
 * kemu's own API next to Kubernetes': `/apis/kemu.dev/v1alpha1/…` on the same server, so the CLI
 * (and later a dashboard) reaches a running cluster with nothing but its kubeconfig. It is not in
 * Kubernetes discovery: these are actions on the emulation, not resources.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, toApiError } from '../api/errors.js';
import { parseJsonBody, readBody } from '../api/server/body.js';
import type { WebSocket } from 'ws';

export const EXTENSION_PREFIX = '/apis/kemu.dev/v1alpha1';

export type ExtensionHandler = (params: Record<string, string>, body: unknown, query: URLSearchParams) => Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: ExtensionHandler;
}

export type WebSocketHandler = (params: Record<string, string>, query: URLSearchParams, ws: WebSocket) => void;

export class ExtensionApi {
  private readonly routes: Route[] = [];
  private readonly wsRoutes: { pattern: RegExp; names: string[]; handler: WebSocketHandler }[] = [];

  /** Registers a websocket endpoint `/path/:param/…` under the kemu.dev prefix. */
  websocket(path: string, handler: WebSocketHandler): this {
    const { pattern, names } = compile(path);
    this.wsRoutes.push({ pattern, names, handler });
    return this;
  }

  /** The hook the API server calls on a websocket upgrade; true when the socket was taken. */
  readonly handleWebSocket = (url: URL, ws: WebSocket): boolean => {
    for (const r of this.wsRoutes) {
      const m = r.pattern.exec(url.pathname);
      if (m === null) continue;
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      try {
        r.handler(params, url.searchParams, ws);
      } catch (err) {
        ws.close(1011, (err as Error).message.slice(0, 120));
      }
      return true;
    }
    return false;
  };

  /** Registers `METHOD /path/:param/…` under the kemu.dev prefix. */
  on(method: string, path: string, handler: ExtensionHandler): this {
    const { pattern, names } = compile(path);
    this.routes.push({ method, pattern, names, handler });
    return this;
  }

  /** The hook the API server calls before its own routes; true when the request was handled. */
  readonly handle = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (!url.pathname.startsWith(EXTENSION_PREFIX)) return false;
    try {
      const candidates = this.routes.filter((r) => r.pattern.test(url.pathname));
      if (candidates.length === 0) throw new ApiError('NotFound', `no kemu API at ${url.pathname}`);
      const route = candidates.find((r) => r.method === req.method);
      if (!route) throw new ApiError('MethodNotAllowed', `${req.method} is not allowed on ${url.pathname}`);
      const match = route.pattern.exec(url.pathname)!;
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(match[i + 1]!)]));
      const raw = await readBody(req);
      const body = raw.length ? parseJsonBody(raw) : undefined;
      const result = await route.handler(params, body, url.searchParams);
      send(res, 200, result ?? { ok: true });
    } catch (err) {
      const e = toApiError(err);
      send(res, e.httpCode, e.toStatus());
    }
    return true;
  };
}

function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const pattern = new RegExp('^' + EXTENSION_PREFIX + path.replace(/:([a-zA-Z]+)/g, (_m, n: string) => (names.push(n), '([^/]+)')) + '/?$');
  return { pattern, names };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': buf.length });
  res.end(buf);
}
