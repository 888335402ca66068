/**
 * nginx as a stock container runs it: a static site on port 80 (8080 for nginx-unprivileged) with a
 * welcome page at / and /index.html, nginx's 404 and 405 pages elsewhere, an access log line per
 * request on stdout, and a graceful stop (the image's STOPSIGNAL is SIGQUIT: finish requests, exit 0).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpService } from './http-server.js';
import { Process } from './process.js';
import type { WorkloadContext } from './types.js';

export const NGINX_VERSION = '1.27.3';
const KEEPALIVE_TIMEOUT_MS = 65_000;

export const NGINX_WELCOME = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>The nginx web server is running in a pod emulated by kemu.</p>
</body>
</html>
`;

function errorPage(status: string): string {
  return `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>nginx/${NGINX_VERSION}</center>\r\n</body>\r\n</html>\r\n`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** $time_local as nginx prints it, in UTC: 01/Jan/2026:00:00:00 +0000. */
export function nginxTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export class Nginx extends Process {
  private http: HttpService | undefined;

  constructor(ctx: WorkloadContext, private readonly port: number) {
    super(ctx);
  }

  protected main(): void {
    this.ctx.log('/docker-entrypoint.sh: Configuration complete; ready for start up');
    try {
      this.http = this.serveHttp(this.port, (req, res) => this.serve(req, res), {
        keepAliveTimeoutMs: KEEPALIVE_TIMEOUT_MS,
        badRequestResponse: `HTTP/1.1 400 Bad Request\r\nServer: nginx/${NGINX_VERSION}\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n${errorPage('400 Bad Request')}`,
      });
    } catch {
      throw new Error(`[emerg] 1#1: bind() to 0.0.0.0:${this.port} failed (98: Address already in use)`);
    }
    this.ctx.log(`nginx/${NGINX_VERSION}: start worker processes`);
  }

  protected override onSigterm(): void {
    this.ctx.log('[notice] 1#1: signal 3 (SIGQUIT) received, shutting down');
    void this.http?.drain().then(() => this.exit(0));
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    let status: number;
    let body: string;
    if (path !== '/' && path !== '/index.html') [status, body] = [404, errorPage('404 Not Found')];
    else if (method !== 'GET' && method !== 'HEAD') [status, body] = [405, errorPage('405 Not Allowed')];
    else [status, body] = [200, NGINX_WELCOME];
    const bytes = Buffer.from(body);
    res.writeHead(status, { Server: `nginx/${NGINX_VERSION}`, 'Content-Type': 'text/html', 'Content-Length': bytes.length });
    res.end(bytes);
    const ua = req.headers['user-agent'] ?? '-';
    const referer = req.headers.referer ?? '-';
    this.ctx.log(`${req.socket.remoteAddress} - - [${nginxTime(this.ctx.clock.now())}] "${method} ${req.url} HTTP/${req.httpVersion}" ${status} ${method === 'HEAD' ? 0 : bytes.length} "${referer}" "${ua}" "-"`);
  }
}
