/**
 * netexec's /dial: resolve host:port once, make `tries` requests one after the other over HTTP or
 * UDP, and answer with Go's JSON of responses and errors. The quirks are agnhost's: the answer is
 * 200 whatever the tries gave, and "responses" only appears when the last try got a non-empty one.
 */
import { goAtoi, goJson } from '../go.js';
import { type GoValues, goGet } from './go-http.js';

export interface DialDeps {
  /** A name or IPv4 literal to an IPv4 address; rejects for names that do not resolve. */
  resolve(host: string): Promise<string>;
  /** Where Go's dialer goes for an empty host (the local system). */
  localIP: string;
  /** GET http://ip:port/<request>; resolves with the body whatever the status, rejects with Go's error text. */
  http(ip: string, port: number, request: string): Promise<string>;
  /** One datagram out, the first answer back (at most 2048 bytes); rejects with Go's error text. */
  udp(ip: string, port: number, request: string): Promise<string>;
  log(message: string): void;
}

export interface DialAnswer {
  status: number;
  body: string;
  /** Written with http.Error (text/plain, nosniff, trailing newline) rather than as a plain body. */
  httpError: boolean;
}

/** Go's net services table for the names a port parameter may carry. */
const SERVICES: Record<string, Record<string, number>> = {
  tcp: { domain: 53, ftp: 21, ftps: 990, gopher: 70, http: 80, https: 443, imap2: 143, imap3: 220, imaps: 993, pop3: 110, pop3s: 995, smtp: 25, submissions: 465, ssh: 22, telnet: 23 },
  udp: { domain: 53 },
};

function resolvePort(network: 'tcp' | 'udp', port: string): { ok: true; port: number } | { ok: false; error: string } {
  if (port === '') return { ok: true, port: 0 };
  if (/^\d+$/.test(port)) {
    const n = Number(port);
    return n <= 65535 ? { ok: true, port: n } : { ok: false, error: `address ${port}: invalid port` };
  }
  const known = SERVICES[network]![port.toLowerCase()];
  return known !== undefined ? { ok: true, port: known } : { ok: false, error: `lookup ${network}/${port}: unknown port` };
}

const bad = (body: string): DialAnswer => ({ status: 400, body, httpError: true });

export async function runDial(query: GoValues, deps: DialDeps): Promise<DialAnswer> {
  const host = goGet(query, 'host');
  const port = goGet(query, 'port');
  const request = goGet(query, 'request');
  const protocol = goGet(query, 'protocol');
  const tryParam = goGet(query, 'tries');
  deps.log(`GET /dial?host=${host}&protocol=${protocol}&port=${port}&request=${request}&tries=${tryParam}`);
  let tries = 1;
  if (tryParam.length > 0) {
    const n = goAtoi(tryParam);
    if (!n.ok) return bad(`tries parameter is invalid. ${n.error}`);
    tries = n.value;
  }
  if (request.length === 0) return bad('request parameter not specified. <nil>');
  const proto = protocol.toLowerCase();
  if (proto !== '' && proto !== 'http' && proto !== 'udp' && proto !== 'sctp') return bad(`unsupported protocol. ${protocol}`);
  const network = proto === 'udp' ? 'udp' : 'tcp';
  const p = resolvePort(network, port);
  if (!p.ok) return bad(`host and/or port param are invalid. ${p.error}`);
  let ip: string;
  try {
    ip = host === '' ? deps.localIP : await deps.resolve(host);
  } catch {
    return bad(`host and/or port param are invalid. lookup ${host}: no such host`);
  }

  const errors: string[] = [];
  const responses: string[] = [];
  let last = '';
  for (let i = 0; i < tries; i++) {
    try {
      if (proto === 'udp') last = await deps.udp(ip, p.port, request);
      else if (proto === 'sctp') throw new Error(`sctp dial failed. err:dial sctp ${ip}:${p.port}: protocol not supported`);
      else last = await deps.http(ip, p.port, request);
      responses.push(last);
    } catch (err) {
      last = '';
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  const output: Record<string, string[]> = {};
  if (last.length > 0) output.responses = responses;
  if (errors.length > 0) output.errors = errors;
  return { status: 200, body: goJson(output), httpError: false };
}
