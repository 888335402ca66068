/**
 * agnhost netexec: an HTTP server (default :8080) with agnhost's endpoints and a UDP command server
 * (default :8081), answering byte-for-byte as the e2e image does. What cannot exist in an emulated
 * pod (a shell, a filesystem for uploads, TLS files, SCTP) answers or warns as docs/apps.md says.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatGoDuration, goAtoi, goJson, goQuote, goTimeString, parseGoDuration } from '../go.js';
import { httpGet } from '../http-client.js';
import type { HttpService } from '../http-server.js';
import { Process } from '../process.js';
import type { FlagSpec, FlagValues } from '../flags.js';
import type { WorkloadContext } from '../types.js';
import { type GoValues, canonicalHeaderKey, cleanPath, goForm, goGet, goHttpError, goParseQuery, goRedirect, goWrite, rawQueryOf } from './go-http.js';
import { runDial } from './netexec-dial.js';
import { NETEXEC_UDP_BUFFER, udpCommand } from './netexec-udp.js';

export const NETEXEC_FLAGS: FlagSpec = {
  'http-port': { type: 'int', default: 8080 },
  'tls-cert-file': { type: 'string', default: '' },
  'tls-private-key-file': { type: 'string', default: '' },
  'udp-port': { type: 'int', default: 8081 },
  'sctp-port': { type: 'int', default: -1 },
  'http-override': { type: 'string', default: '' },
  'udp-listen-addresses': { type: 'string', default: '' },
  'delay-shutdown': { type: 'int', default: 0 },
};

/** Go's http.Client.Timeout in dialHTTP and the read deadline in dialUDP. */
export const NETEXEC_DIAL_TIMEOUT_MS = 5000;

/** A request as the handlers see it (with --http-override it is a fresh GET without client details). */
interface Req {
  method: string;
  path: string;
  url: string;
  remoteAddr: string;
  headers: Record<string, string[]>;
  raw: IncomingMessage;
}

const ROUTES = new Set(['/clientip', '/header', '/dial', '/echo', '/exit', '/healthz', '/readyz', '/hostname', '/redirect', '/shell', '/upload', '/hostName', '/shutdown']);

export class Netexec extends Process {
  private udpReady = false;
  private http: HttpService | undefined;

  constructor(ctx: WorkloadContext, private readonly flags: FlagValues) {
    super(ctx);
  }

  protected main(): void {
    const f = this.flags;
    if (f['tls-cert-file'] !== '') this.ctx.warn('FlagNotEmulated', 'agnhost netexec --tls-cert-file: TLS is not emulated by kemu; serving plain HTTP');
    const udpPort = f['udp-port'] as number;
    if (udpPort !== -1) this.startUdp(udpPort, f['udp-listen-addresses'] as string);
    if (f['sctp-port'] !== -1) this.ctx.warn('FlagNotEmulated', 'agnhost netexec --sctp-port: SCTP is not emulated by kemu; no SCTP server');
    const httpPort = f['http-port'] as number;
    this.logGo(`Started HTTP server on port ${httpPort}`);
    if (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535) throw new Error(`listen tcp: address ${httpPort}: invalid port`);
    try {
      this.http = this.serveHttp(httpPort, (req, res) => this.dispatch(req, res));
    } catch {
      throw new Error(`listen tcp :${httpPort}: bind: address already in use`);
    }
  }

  protected override onSigterm(): void {
    const delay = this.flags['delay-shutdown'] as number;
    if (delay > 0) {
      this.logGo(`Sleeping ${delay} seconds before terminating...`);
      this.after(delay * 1000, () => this.exit(0));
    } else this.exit(0);
  }

  private startUdp(port: number, addresses: string): void {
    for (const a of addresses === '' ? [] : addresses.split(',')) {
      if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(a) && !a.includes(':')) throw new Error(`parseAddress: invalid address ${a}`);
    }
    if (port < 0 || port > 65535) throw new Error(`Error occurred: failed to resolve UDP address for port ${port}:address ${port}: invalid port`);
    let endpoint: { send(d: Uint8Array, p: number, a: string): void };
    try {
      endpoint = this.bindUdp(port, (data, from) => {
        const client = `${from.address}:${from.port}`;
        const result = udpCommand(data, this.ctx.hostname, client);
        for (const line of result.logs) this.logGo(line);
        if (result.reply !== undefined) endpoint.send(Buffer.from(result.reply), from.port, from.address);
      });
    } catch {
      throw new Error(`Error occurred: failed to create listener for UDP address :${port}:listen udp :${port}: bind: address already in use`);
    }
    this.logGo(`Started UDP server on port ${addresses === '' ? '' : addresses} ${port}`);
    this.udpReady = true;
  }

  private dispatch(raw: IncomingMessage, res: ServerResponse): Promise<void> | void {
    const override = this.flags['http-override'] as string;
    const url = override !== '' ? override : raw.url ?? '/';
    const rawPath = url.split('?')[0]!;
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = rawPath;
    }
    const req: Req = override !== ''
      ? { method: 'GET', path, url, remoteAddr: '', headers: {}, raw }
      : { method: raw.method ?? 'GET', path, url, remoteAddr: `${raw.socket.remoteAddress}:${raw.socket.remotePort}`, headers: headersOf(raw), raw };
    // ServeMux answers an unclean path with a redirect to the clean one.
    const clean = cleanPath(path);
    if (clean !== path && req.method !== 'CONNECT') {
      const query = rawQueryOf(url);
      return goRedirect(res, req.method, path, clean + (query ? `?${query}` : ''), 301);
    }
    return this.route(ROUTES.has(path) ? path : '/', req, res);
  }

  private async route(route: string, req: Req, res: ServerResponse): Promise<void> {
    const form = (): Promise<GoValues> => (req.remoteAddr === '' ? Promise.resolve(goParseQuery(rawQueryOf(req.url))) : goForm(req.raw, req.url));
    switch (route) {
      case '/': {
        this.logGo('GET /');
        return goWrite(res, 200, `NOW: ${goTimeString(this.ctx.clock.now(), this.startedAt)}`);
      }
      case '/clientip':
        this.logGo('GET /clientip');
        return goWrite(res, 200, req.remoteAddr);
      case '/header':
        return this.header(await form(), req, res);
      case '/dial':
        return this.dial(req, res);
      case '/echo':
        return this.echo(await form(), res);
      case '/exit':
        return this.exitEndpoint(await form(), res);
      case '/healthz':
        this.logGo('GET /healthz');
        return goWrite(res, this.udpReady ? 200 : 412, '');
      case '/readyz':
        this.logGo('GET /readyz');
        if (this.terminating) return goWrite(res, 503, 'shutting down');
        return this.udpReady ? goWrite(res, 200, 'ok') : goWrite(res, 412, '');
      case '/hostname':
      case '/hostName':
        this.logGo(`GET ${route}`);
        this.logGo(`hostname: ${this.ctx.hostname}`);
        return goWrite(res, 200, this.ctx.hostname);
      case '/redirect': {
        const values = await form();
        const location = goGet(values, 'location');
        const codeString = goGet(values, 'code');
        this.logGo(`${req.method} /redirect?msg=${location}&code=${codeString}`);
        let code = 302;
        if (codeString !== '') {
          const n = goAtoi(codeString);
          if (!n.ok) return goWrite(res, 200, `argument 'code' must be an integer or empty, got ${goQuote(codeString)}\n`);
          code = n.value;
        }
        if (code < 100 || code > 999) return void res.socket?.destroy(); // Go panics on such a code; the connection is dropped
        return goRedirect(res, req.method, req.path, location, code);
      }
      case '/shell': {
        const values = await form();
        this.logGo(`GET /shell?cmd=${goGet(values, 'shellCommand') || goGet(values, 'cmd')}`);
        return goWrite(res, 200, goJson({ error: 'kemu: /shell is not emulated (no shell in an emulated pod)' }));
      }
      case '/upload':
        this.logGo('GET /upload');
        // There is no filesystem: a multipart file is refused the way a missing /uploads would be.
        return goWrite(res, 200, goJson({ error: /^multipart\/form-data/i.test(req.raw.headers['content-type'] ?? '') ? 'Unable to open file for write' : 'Unable to upload file.' }));
      case '/shutdown':
        this.logGo('GET /shutdown');
        return this.exit(0);
    }
  }

  private header(values: GoValues, req: Req, res: ServerResponse): void {
    const key = goGet(values, 'key');
    if (key !== '') {
      this.logGo(`GET /header?key=${key}`);
      return goWrite(res, 200, req.headers[canonicalHeaderKey(key)]?.[0] ?? '');
    }
    this.logGo('GET /header');
    goWrite(res, 200, goJson(req.headers));
  }

  private echo(values: GoValues, res: ServerResponse): void {
    const msg = goGet(values, 'msg');
    const codeString = goGet(values, 'code');
    this.logGo(`GET /echo?msg=${msg}&code=${codeString}`);
    if (codeString === '') return goWrite(res, 200, msg);
    const n = goAtoi(codeString);
    if (!n.ok) return goWrite(res, 200, `argument 'code' must be an integer or empty, got ${goQuote(codeString)}\n`);
    if (n.value < 100 || n.value > 999) return void res.socket?.destroy(); // WriteHeader panics: connection dropped
    // 1xx codes are informational in Go; the final answer is then a 200.
    goWrite(res, n.value < 200 ? 200 : n.value, msg);
  }

  private async dial(req: Req, res: ServerResponse): Promise<void> {
    const answer = await runDial(goParseQuery(rawQueryOf(req.url)), {
      resolve: (host) => this.ctx.resolve(host),
      localIP: this.ctx.podIP,
      log: (m) => this.logGo(m),
      http: async (ip, port, request) => {
        const r = await httpGet({
          host: ip, port, path: `/${request}`, timeoutMs: NETEXEC_DIAL_TIMEOUT_MS, clock: this.ctx.clock,
          connect: (h, p, o) => this.connectTcp(h, p, o),
        });
        return r.body.toString('utf8');
      },
      udp: (ip, port, request) => this.udpExchange(ip, port, request),
    });
    if (!this.alive) return;
    if (answer.httpError) goHttpError(res, answer.body, answer.status);
    else goWrite(res, answer.status, answer.body);
  }

  /** dialUDP: a connected socket, one write, one read with a 5 s deadline. */
  private udpExchange(ip: string, port: number, request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err: string | undefined, value = ''): void => {
        if (done) return;
        done = true;
        timer.cancel();
        endpoint.close();
        if (err !== undefined) reject(new Error(`reading from udp connection failed. err:'${err}'`));
        else resolve(value);
      };
      const endpoint = this.bindUdp(0, (data, from) => {
        // A connected UDP socket only hears from the address it is connected to.
        if (from.address !== ip || from.port !== port) return;
        finish(data.length === 0 ? '<nil>' : undefined, Buffer.from(data.subarray(0, NETEXEC_UDP_BUFFER)).toString('utf8'));
      }, (e) => {
        if (e.address === ip && e.port === port && e.code === 'ECONNREFUSED') finish(`read udp ${this.ctx.podIP}:${endpoint.port}->${ip}:${port}: recvfrom: connection refused`);
      }, false);
      const timer = this.after(NETEXEC_DIAL_TIMEOUT_MS, () => finish(`read udp ${this.ctx.podIP}:${endpoint.port}->${ip}:${port}: i/o timeout`));
      try {
        endpoint.send(Buffer.from(request), port, ip);
      } catch (err) {
        done = true;
        timer.cancel();
        endpoint.close();
        reject(new Error(`udp connection write failed. err:write udp ${this.ctx.podIP}:${endpoint.port}->${ip}:${port}: ${(err as Error).message}`));
      }
    });
  }

  private exitEndpoint(values: GoValues, res: ServerResponse): void | Promise<void> {
    const waitString = goGet(values, 'wait');
    const timeoutString = goGet(values, 'timeout');
    const codeString = goGet(values, 'code');
    this.logGo(`GET /exit?code=${codeString}&timeout=${timeoutString}&wait=${waitString}`);
    const timeout = timeoutString === '' ? { ok: true as const, value: 0 } : parseGoDuration(timeoutString);
    if (!timeout.ok) return goWrite(res, 200, `argument 'timeout' must be a valid golang duration or empty, got ${goQuote(timeoutString)}\n`);
    const wait = waitString === '' ? { ok: true as const, value: 0 } : parseGoDuration(waitString);
    if (!wait.ok) return goWrite(res, 200, `argument 'wait' must be a valid golang duration or empty, got ${goQuote(waitString)}\n`);
    const code = codeString === '' ? { ok: true as const, value: 0 } : goAtoi(codeString);
    if (!code.ok) return goWrite(res, 200, `argument 'code' must be an integer [0-127] or empty, got ${goQuote(codeString)}\n`);
    this.logGo(`Will begin shutdown in ${formatGoDuration(wait.value)}, allowing ${formatGoDuration(timeout.value)} for connections to close, then will exit with ${code.value}`);
    return this.sleep(Math.max(0, wait.value)).then(() => {
      if (timeout.value <= 0) return this.exit(code.value);
      // Server.Shutdown: this request completes, idle connections close, the rest get `timeout`.
      goWrite(res, 200, '');
      const deadline = this.after(timeout.value, () => {
        this.logGo('Graceful shutdown completed with: context deadline exceeded');
        this.exit(code.value);
      });
      void this.http!.drain().then(() => {
        deadline.cancel();
        this.logGo('Graceful shutdown completed with: <nil>');
        this.exit(code.value);
      });
    });
  }
}

/** r.Header: canonical keys, Host moved out (Go keeps it in r.Host). */
function headersOf(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const key = canonicalHeaderKey(req.rawHeaders[i]!);
    if (key === 'Host') continue;
    (out[key] ??= []).push(req.rawHeaders[i + 1]!);
  }
  return out;
}
