/**
 * The parts of Go's net/http that shape agnhost's answers: url.ParseQuery, Request.FormValue,
 * ServeMux's path cleaning, content sniffing, http.Error and http.Redirect, canonical header keys.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { posix } from 'node:path';

export type GoValues = Map<string, string[]>;

function queryUnescape(s: string): string | undefined {
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return undefined;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    // Escapes that are not UTF-8 still decode byte-wise in Go.
    return Buffer.from(s.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
}

/** url.ParseQuery: pairs with a ';' in the key or a bad escape are skipped, the rest kept. */
export function goParseQuery(raw: string, into: GoValues = new Map()): GoValues {
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    if (rawKey.includes(';')) continue;
    const key = queryUnescape(rawKey);
    const value = queryUnescape(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) continue;
    const list = into.get(key);
    if (list) list.push(value);
    else into.set(key, [value]);
  }
  return into;
}

export function goGet(values: GoValues, key: string): string {
  return values.get(key)?.[0] ?? '';
}

/** The raw query of a request target ("/dial?host=x" → "host=x"). */
export function rawQueryOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

const FORM_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const MAX_FORM_BYTES = 10 << 20;

/** Request.ParseForm: urlencoded body values first, then the query's (what FormValue reads). */
export async function goForm(req: IncomingMessage, url: string): Promise<GoValues> {
  const form: GoValues = new Map();
  if (FORM_METHODS.has(req.method ?? '') && (req.headers['content-type'] ?? '').split(';')[0]!.trim() === 'application/x-www-form-urlencoded') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_FORM_BYTES) break;
      chunks.push(chunk as Buffer);
    }
    goParseQuery(Buffer.concat(chunks).toString('utf8'), form);
  }
  const query = goParseQuery(rawQueryOf(url));
  for (const [k, v] of query) form.set(k, [...(form.get(k) ?? []), ...v]);
  return form;
}

/** textproto.CanonicalMIMEHeaderKey ("x-forwarded-for" → "X-Forwarded-For"); invalid keys unchanged. */
export function canonicalHeaderKey(key: string): string {
  let canonical = canonicalKeys.get(key);
  if (canonical === undefined) {
    canonical = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(key)
      ? key.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase())
      : key;
    // Clients send the same few names on every request; a bounded memo keeps a hot server from
    // running two regular expressions per header.
    if (canonicalKeys.size >= 1024) canonicalKeys.clear();
    canonicalKeys.set(key, canonical);
  }
  return canonical;
}

const canonicalKeys = new Map<string, string>();

/** The Content-Type Go's DetectContentType gives the text bodies agnhost writes. */
export function sniffContentType(body: Buffer): string {
  const head = body.subarray(0, 512);
  let first = 0;
  while (first < head.length && (head[first] === 0x09 || head[first] === 0x0a || head[first] === 0x0c || head[first] === 0x0d || head[first] === 0x20)) first++;
  // Every HTML and XML signature starts with "<": other bodies (hostnames, JSON) skip to the binary test.
  if (head[first] === 0x3c) {
    const markup = sniffMarkup(head.subarray(first).toString('latin1').toLowerCase());
    if (markup !== undefined) return markup;
  }
  for (const b of head) if (b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f)) return 'application/octet-stream';
  return 'text/plain; charset=utf-8';
}

function sniffMarkup(text: string): string | undefined {
  const html = ['<!doctype html', '<html', '<head', '<script', '<iframe', '<h1', '<div', '<font', '<table', '<a', '<style', '<title', '<b', '<body', '<br', '<p', '<!--'];
  for (const sig of html) {
    const next = text[sig.length];
    if (text.startsWith(sig) && (next === ' ' || next === '>')) return 'text/html; charset=utf-8';
  }
  if (text.startsWith('<?xml')) return 'text/xml; charset=utf-8';
  return undefined;
}

/** A handler's body written the way Go's ResponseWriter finishes it. */
export function goWrite(res: ServerResponse, status: number, body: string | Buffer, extra: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Record<string, string | number> = { ...extra, 'Content-Length': bytes.length };
  if (bytes.length > 0 && !Object.keys(extra).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = sniffContentType(bytes);
  res.writeHead(status, headers);
  res.end(bytes);
}

/** http.Error. */
export function goHttpError(res: ServerResponse, message: string, status: number): void {
  goWrite(res, status, `${message}\n`, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
}

export function statusText(code: number): string {
  return STATUS_CODES[code] ?? '';
}

function htmlEscape(s: string): string {
  return s.replace(/[&'<>"]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;' })[c]!);
}

/** ServeMux's cleanPath: rooted, dot segments resolved, a trailing slash kept. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  const rooted = p.startsWith('/') ? p : `/${p}`;
  let clean = posix.normalize(rooted).replace(/\/{2,}/g, '/');
  if (clean.length > 1 && clean.endsWith('/')) clean = clean.slice(0, -1);
  if (rooted.endsWith('/') && clean !== '/') clean += '/';
  return clean;
}

/** http.Redirect: relative locations resolved against the request path; an HTML note for GET. */
export function goRedirect(res: ServerResponse, method: string, requestPath: string, location: string, code: number): void {
  let url = location;
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url) && !url.startsWith('//')) {
    const q = url.search(/[?#]/);
    let path = q < 0 ? url : url.slice(0, q);
    const rest = q < 0 ? '' : url.slice(q);
    if (!path.startsWith('/')) path = requestPath.slice(0, requestPath.lastIndexOf('/') + 1) + path;
    const trailing = path.endsWith('/') || /\/\.{1,2}$/.test(path);
    path = cleanPath(path);
    if (trailing && !path.endsWith('/')) path += '/';
    url = path + rest;
  }
  const headers: Record<string, string> = { Location: url };
  if (method === 'GET' || method === 'HEAD') headers['Content-Type'] = 'text/html; charset=utf-8';
  const body = method === 'GET' ? `<a href="${htmlEscape(url)}">${statusText(code)}</a>.\n\n` : '';
  goWrite(res, code, body, headers);
}
