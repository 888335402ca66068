/**
 * The ApiClient over HTTP (and chunked-HTTP watch), for the CLI and for agents outside the
 * process. Errors come back as the same ApiError the in-process client throws, rebuilt from the
 * server's Status.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import type { ApiClient, DeleteOptions, ListOptions, PatchType, Watch, WatchHandlers, WatchOptions } from '../client.js';
import { resourceByPlural, resourcePath } from '../resources.js';
import type { KubeList, KubeObject, Status } from '../types.js';
import { ApiError, type StatusReason } from '../errors.js';
import { KemuError } from '../../util/errors.js';

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export class HttpClient implements ApiClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly base: URL;

  constructor(server: string) {
    this.base = new URL(server);
  }

  close(): void {
    this.agent.destroy();
  }

  async get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T> {
    return (await this.send('GET', this.path(resource, namespace, name))) as T;
  }

  async list<T extends KubeObject>(resource: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    const q = query({ labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit, continue: opts.continue, resourceVersion: opts.resourceVersion });
    return (await this.send('GET', this.path(resource, opts.namespace) + q)) as KubeList<T>;
  }

  watch<T extends KubeObject>(resource: string, opts: WatchOptions, handlers: WatchHandlers<T>): Watch {
    const q = query({
      watch: 'true',
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
    });
    let closed = false;
    const finish = (err?: Error): void => {
      if (closed) return;
      closed = true;
      handlers.onClose?.(err);
    };
    const req = request(new URL(this.path(resource, opts.namespace) + q, this.base), { method: 'GET', agent: this.agent, headers: { Accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        void readAll(res).then((body) => finish(errorFrom(res.statusCode ?? 0, body)));
        return;
      }
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (!line.trim() || closed) continue;
          const ev = JSON.parse(line) as { type: string; object: unknown };
          if (ev.type === 'ERROR') {
            const st = ev.object as Status;
            finish(new ApiError((st.reason as StatusReason) ?? 'InternalError', st.message ?? 'watch error'));
            req.destroy();
            return;
          }
          handlers.onEvent(ev as never);
        }
      });
      res.on('end', () => finish());
      res.on('error', (err) => finish(err));
    });
    req.on('error', (err) => finish(err));
    req.end();
    return {
      stop: () => {
        req.destroy();
        finish();
      },
    };
  }

  async create<T extends KubeObject>(resource: string, obj: T, subresource?: string): Promise<T> {
    const name = subresource ? obj.metadata.name : undefined;
    return (await this.send('POST', this.path(resource, obj.metadata.namespace, name, subresource), obj)) as T;
  }

  async update<T extends KubeObject>(resource: string, obj: T, subresource?: string): Promise<T> {
    return (await this.send('PUT', this.path(resource, obj.metadata.namespace, obj.metadata.name, subresource), obj)) as T;
  }

  async patch<T extends KubeObject>(resource: string, namespace: string | undefined, name: string, type: PatchType, patch: unknown, subresource?: string): Promise<T> {
    return (await this.send('PATCH', this.path(resource, namespace, name, subresource), patch, PATCH_CONTENT_TYPE[type])) as T;
  }

  async delete(resource: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject | undefined> {
    return (await this.send('DELETE', this.path(resource, namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...opts })) as KubeObject;
  }

  /** Raw request for kemu's own extension API. */
  async raw(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.send(method, path, body);
  }

  private path(resource: string, namespace?: string, name?: string, sub?: string): string {
    const r = resourceByPlural(resource);
    if (!r) throw new KemuError('ERR_UNKNOWN_RESOURCE', `unknown resource ${resource}`);
    return resourcePath(r, namespace, name, sub);
  }

  private send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string | number> = { Accept: 'application/json' };
      if (payload) {
        headers['Content-Type'] = contentType;
        headers['Content-Length'] = payload.length;
      }
      const req = request(new URL(path, this.base), { method, agent: this.agent, headers }, (res) => {
        void readAll(res).then((text) => {
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) {
            try {
              resolve(text ? JSON.parse(text) : undefined);
            } catch (err) {
              reject(err);
            }
          } else {
            reject(errorFrom(code, text));
          }
        }, reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function errorFrom(code: number, text: string): ApiError {
  try {
    const st = JSON.parse(text) as Status;
    if (st.kind === 'Status') return new ApiError((st.reason as StatusReason) ?? 'InternalError', st.message ?? `HTTP ${code}`, st.details);
  } catch {
    // not a Status body
  }
  return new ApiError(code === 404 ? 'NotFound' : 'InternalError', `HTTP ${code}: ${text.slice(0, 200)}`);
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
