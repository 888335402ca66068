/**
 * http: GET requests as curl makes them, one connection each, started on a fixed schedule (open
 * loop: a request that hangs does not hold back the next, as with real clients). Inside the
 * emulation they run over kemu's TCP from the source namespace (lab/network/http-get.ts); from
 * `external` they are real requests from this machine to a node's 127.x address, through the
 * NodePort listener into the emulation. Answers (netexec /hostname: the pod's name) give the
 * spread over the Service's endpoints.
 */
import { request } from 'node:http';
import { httpGetFrom } from '../../lab/network/http-get.js';
import type { HttpStep } from '../../topology/scenario-types.js';
import type { ScenarioContext } from '../context.js';
import { summarize, tally } from '../measure/stats.js';
import { type PortPlace, Resolver, type SourcePlace, info } from '../resolve.js';
import type { HttpData, HttpRequestRecord } from '../types.js';
import { spreadOf } from './spread.js';

type Outcome = { ok: boolean; status: number | null; answer: string };

export interface HttpLive {
  log: HttpRequestRecord[];
  service?: string;
}

export async function runHttp(ctx: ScenarioContext, step: HttpStep, live: HttpLive = { log: [] }): Promise<{ ok: boolean; summary: string; data: HttpData }> {
  const log = live.log;
  const resolver = new Resolver(ctx.cluster);
  const external = step.from.trim() === 'external';
  const from = external ? undefined : await resolver.source(step.from);
  const to = await resolver.portTarget(step.to, from);
  if (to.service) live.service = `${to.service.namespace}/${to.service.name}`;
  const expected = to.service ? (await resolver.readyEndpoints(to.service)).map((e) => e.pod) : null;
  const get = external ? (): Promise<Outcome> => externalGet(ctx, to, step) : (): Promise<Outcome> => emulatedGet(from!, to, step);
  const total = step.duration === null ? step.count : Math.max(1, Math.floor(step.duration / Math.max(step.interval, 1)));
  await Promise.all(Array.from({ length: total }, (_, i) => new Promise<void>((resolve) => {
    ctx.clock.setTimeout(() => {
      const startMs = ctx.now();
      void get().then((o) => {
        log.push({ startMs, endMs: ctx.now(), ...o });
        resolve();
      });
    }, i * step.interval);
  })));
  log.sort((a, b) => a.startMs - b.startMs);
  const ok = log.filter((r) => r.ok);
  const data: HttpData = {
    kind: 'http',
    from: from ? info(from) : { target: 'external', ip: '127.0.0.1', node: null, subnet: null },
    to: { ...info(to), port: to.port, ...(external && to.real ? { ip: to.real.address, realPort: to.real.port } : {}) },
    requests: log.length, succeeded: ok.length,
    latencyMs: summarize(ok.map((r) => r.endMs - r.startMs)),
    spread: expected === null ? null : spreadOf(expected, ok.map((r) => r.answer)),
    errors: tally(log.filter((r) => !r.ok).map((r) => r.answer)),
    log,
  };
  const spread = data.spread ? `, ${Object.keys(data.spread.hits).length}/${data.spread.expected.length} endpoints hit` : '';
  const firstError = Object.keys(data.errors)[0];
  const summary = `${data.succeeded}/${data.requests} OK${data.latencyMs ? `, p50 ${data.latencyMs.p50} ms p99 ${data.latencyMs.p99} ms` : ''}${spread}` +
    `${firstError ? ` — ${firstError}` : ''}`;
  return { ok: data.succeeded > 0, summary, data };
}

function firstLine(body: string): string {
  return body.split('\n')[0]!.trim().slice(0, 200);
}

async function emulatedGet(from: SourcePlace, to: PortPlace, step: HttpStep): Promise<Outcome> {
  const r = await httpGetFrom(from.ns, { url: `http://${to.ip}:${to.port}${step.path}`, timeoutMs: step.timeout, maxBodyBytes: 4096 });
  if ('error' in r) return { ok: false, status: null, answer: `curl: (${r.code}) ${r.error.replace(/\d+ milliseconds/, 'the timeout')}` };
  return { ok: r.status >= 200 && r.status < 400, status: r.status, answer: r.status < 400 ? firstLine(r.body) : `HTTP ${r.status}` };
}

/** A real request from this machine to the node's real address (NodePort listener). */
function externalGet(ctx: ScenarioContext, to: PortPlace, step: HttpStep): Promise<Outcome> {
  const real = to.real;
  if (real === undefined) return Promise.resolve({ ok: false, status: null, answer: `curl: (7) nothing listens for ${to.target} on this machine` });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      resolve(o);
    };
    const req = request({ host: real.address, port: real.port, path: step.path, agent: false, headers: { 'User-Agent': 'kemu-run' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body.length < 4096 ? (body += d) : undefined));
      res.on('end', () => finish({ ok: (res.statusCode ?? 0) < 400, status: res.statusCode ?? null, answer: (res.statusCode ?? 0) < 400 ? firstLine(body) : `HTTP ${res.statusCode}` }));
      res.on('error', (err) => finish({ ok: false, status: null, answer: `curl: (56) Recv failure: ${err.message}` }));
    });
    const timer = ctx.clock.setTimeout(() => {
      req.destroy();
      finish({ ok: false, status: null, answer: 'curl: (28) Operation timed out after the timeout' });
    }, step.timeout);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const refused = err.code === 'ECONNREFUSED';
      finish({ ok: false, status: null, answer: refused ? 'curl: (7) Connection refused' : `curl: (56) ${err.code ?? err.message}` });
    });
    req.end();
  });
}
