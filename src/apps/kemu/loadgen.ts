/**
 * The `kemu.dev/loadgen` image: HTTP GETs to --url at --rate per second (open loop; 0 = closed
 * loop, as fast as --concurrency allows) with at most --concurrency in flight, for --duration or
 * --requests (0 = until stopped). Logs a line per --report-interval and a summary at the end: counts
 * by outcome and latency percentiles. An open-loop request due while --concurrency are in flight is
 * skipped and counted, so overload shows instead of hiding in the latencies.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { type FlagSpec, parsePflags } from '../flags.js';
import { goNetError } from '../http-client.js';
import { type Plan, exits, run } from '../plan.js';
import { Process } from '../process.js';
import type { StreamSocket, WorkloadContext } from '../types.js';
import { LatencyReservoir } from './latency.js';

export const LOADGEN_FLAGS: FlagSpec = {
  url: { type: 'string', default: '' },
  rate: { type: 'float', default: 10 },
  concurrency: { type: 'int', default: 10 },
  duration: { type: 'duration', default: 0 },
  requests: { type: 'int', default: 0 },
  timeout: { type: 'duration', default: 5000 },
  keepalive: { type: 'bool', default: true },
  'report-interval': { type: 'duration', default: 10_000 },
};

export interface LoadgenOptions {
  url: URL;
  rate: number;
  concurrency: number;
  durationMs: number;
  requests: number;
  timeoutMs: number;
  keepAlive: boolean;
  reportIntervalMs: number;
}

export interface LoadgenTotals {
  started: number;
  completed: number;
  ok: number;
  /** Answers outside 2xx, by status code. */
  statuses: Record<number, number>;
  /** Failures without an answer, by error code (ECONNREFUSED, ETIMEDOUT...). */
  errors: Record<string, number>;
  /** Open-loop requests not sent because --concurrency were in flight. */
  skipped: number;
}

const TICK_MS = 10;

export function planLoadgen(args: readonly string[]): Plan {
  const parsed = parsePflags(args, LOADGEN_FLAGS);
  const usage = (message: string): Plan => exits('loadgen', 2, [`loadgen: ${message}`, 'Usage: loadgen --url=http://HOST[:PORT]/PATH [--rate=N] [--concurrency=N] [--duration=D] [--requests=N]']);
  if (!parsed.ok) return usage(parsed.error);
  const f = parsed.values;
  let url: URL;
  try {
    url = new URL(f.url as string);
  } catch {
    return usage(f.url === '' ? '--url is required' : `invalid --url ${JSON.stringify(f.url)}`);
  }
  if (url.protocol !== 'http:') return usage(`unsupported scheme ${url.protocol} (only http)`);
  if ((f.rate as number) < 0 || (f.concurrency as number) < 1 || (f.requests as number) < 0) return usage('--rate, --requests must be >= 0 and --concurrency >= 1');
  const o: LoadgenOptions = {
    url, rate: f.rate as number, concurrency: f.concurrency as number, durationMs: f.duration as number, requests: f.requests as number,
    timeoutMs: f.timeout as number, keepAlive: f.keepalive as boolean, reportIntervalMs: f['report-interval'] as number,
  };
  return run('loadgen', (ctx) => new Loadgen(ctx, o));
}

const fmtMs = (ms: number): string => `${ms.toFixed(ms < 10 ? 2 : 1)}ms`;

export class Loadgen extends Process {
  readonly totals: LoadgenTotals = { started: 0, completed: 0, ok: 0, statuses: {}, errors: {}, skipped: 0 };
  readonly latency = new LatencyReservoir();
  private readonly window = new LatencyReservoir(10_000);
  private windowCompleted = 0;
  private inFlight = 0;
  private stopping = false;
  private agent: http.Agent | undefined;
  private ip = '';
  private start = 0;
  private idle: (() => void) | undefined;

  constructor(ctx: WorkloadContext, private readonly o: LoadgenOptions) {
    super(ctx);
  }

  protected async main(): Promise<void> {
    const host = this.o.url.hostname;
    try {
      this.ip = await this.ctx.resolve(host);
    } catch {
      this.ctx.log(`loadgen: lookup ${host}: no such host`);
      return this.exit(1);
    }
    // As node's own http client sockets do (net.Socket noDelay in http.Agent): no Nagle delays.
    const connect = (): StreamSocket => this.connectTcp(this.ip, this.port(), { timeoutMs: this.o.timeoutMs }).setNoDelay(true);
    if (this.o.keepAlive) {
      this.agent = new (class extends http.Agent {
        override createConnection(): Socket {
          return connect() as unknown as Socket;
        }
      })({ keepAlive: true, maxSockets: this.o.concurrency });
    }
    this.start = this.ctx.clock.now();
    this.ctx.log(`loadgen: GET ${this.o.url.href} rate=${this.o.rate || 'max'}/s concurrency=${this.o.concurrency} duration=${this.o.durationMs ? `${this.o.durationMs / 1000}s` : 'unbounded'} requests=${this.o.requests || 'unbounded'}`);
    if (this.o.reportIntervalMs > 0) this.every(this.o.reportIntervalMs, () => this.report());
    if (this.o.durationMs > 0) this.after(this.o.durationMs, () => void this.finish());
    if (this.o.rate > 0) {
      let launchedByRate = 0;
      const tick = (): void => {
        const due = Math.floor(((this.ctx.clock.now() - this.start) / 1000) * this.o.rate) + 1;
        for (; launchedByRate < due && this.canStart(); launchedByRate++) {
          if (this.inFlight >= this.o.concurrency) this.totals.skipped++;
          else this.fire();
        }
      };
      this.every(TICK_MS, tick);
      tick();
    } else {
      for (let i = 0; i < this.o.concurrency && this.canStart(); i++) this.fire();
    }
  }

  protected override onSigterm(): void {
    void this.finish();
  }

  private port(): number {
    return this.o.url.port === '' ? 80 : Number(this.o.url.port);
  }

  private canStart(): boolean {
    if (this.stopping) return false;
    if (this.o.requests > 0 && this.totals.started >= this.o.requests) {
      void this.finish();
      return false;
    }
    return true;
  }

  private fire(): void {
    this.totals.started++;
    this.inFlight++;
    const t0 = this.ctx.clock.now();
    let settled = false;
    const done = (status: number | undefined, error?: string): void => {
      if (settled || !this.alive) return;
      settled = true;
      timer.cancel();
      this.inFlight--;
      this.totals.completed++;
      this.windowCompleted++;
      if (status !== undefined) {
        const ms = this.ctx.clock.now() - t0;
        this.latency.add(ms);
        this.window.add(ms);
        if (status >= 200 && status < 300) this.totals.ok++;
        else this.totals.statuses[status] = (this.totals.statuses[status] ?? 0) + 1;
      } else this.totals.errors[error!] = (this.totals.errors[error!] ?? 0) + 1;
      if (this.inFlight === 0) this.idle?.();
      // Closed loop: the next request takes this one's place.
      if (this.o.rate === 0 && this.canStart()) setImmediate(() => this.alive && this.canStart() && this.fire());
    };
    const req = http.request({
      host: this.ip, port: this.port(), path: this.o.url.pathname + this.o.url.search, method: 'GET',
      headers: { Host: this.o.url.host, 'User-Agent': 'kemu-loadgen/1' },
      ...(this.agent ? { agent: this.agent } : { createConnection: () => this.connectTcp(this.ip, this.port(), { timeoutMs: this.o.timeoutMs }).setNoDelay(true) as unknown as Socket }),
    });
    const timer = this.after(this.o.timeoutMs, () => {
      done(undefined, 'ETIMEDOUT');
      req.destroy();
    });
    req.on('error', (err: Error & { code?: string }) => {
      if (!settled && this.totals.completed < 3) this.ctx.log(`loadgen: ${goNetError(err, this.ip, this.port())}`);
      done(undefined, err.message === 'socket hang up' ? 'EOF' : err.code ?? 'EIO');
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
      res.on('error', () => done(undefined, 'EIO'));
    });
    req.end();
  }

  private report(): void {
    const t = (this.ctx.clock.now() - this.start) / 1000;
    const [p50, p90, p99] = this.window.percentiles([50, 90, 99]);
    const rps = this.windowCompleted / (this.o.reportIntervalMs / 1000);
    this.ctx.log(`loadgen: t=${t.toFixed(1)}s ${this.counts()} rps=${rps.toFixed(1)} latency p50=${fmtMs(p50!)} p90=${fmtMs(p90!)} p99=${fmtMs(p99!)} max=${fmtMs(this.window.max)}`);
    this.window.reset();
    this.windowCompleted = 0;
  }

  private counts(): string {
    const t = this.totals;
    const statuses = Object.entries(t.statuses).map(([s, n]) => ` status${s}=${n}`).join('');
    const errors = Object.entries(t.errors).map(([c, n]) => ` ${c}=${n}`).join('');
    return `requests=${t.completed} ok=${t.ok}${statuses}${errors}${t.skipped ? ` skipped=${t.skipped}` : ''}`;
  }

  /** Stop launching, let in-flight requests finish (each has its timeout), print the summary, exit 0. */
  private async finish(): Promise<void> {
    if (this.stopping || !this.alive) return;
    this.stopping = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    if (!this.alive) return;
    const seconds = (this.ctx.clock.now() - this.start) / 1000;
    const [p50, p90, p99] = this.latency.percentiles([50, 90, 99]);
    const mean = this.latency.count ? this.latency.sum / this.latency.count : 0;
    this.ctx.log(`loadgen: done after ${seconds.toFixed(1)}s: ${this.counts()} rps=${seconds > 0 ? (this.totals.completed / seconds).toFixed(1) : '0'} latency p50=${fmtMs(p50!)} p90=${fmtMs(p90!)} p99=${fmtMs(p99!)} max=${fmtMs(this.latency.max)} mean=${fmtMs(mean)}`);
    this.agent?.destroy();
    this.exit(0);
  }
}
