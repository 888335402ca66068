/** IPv4 helpers the proxy needs on API strings (which may be anything a user typed). */
import { formatIpv4, parseIpv4, prefixMask } from '../net/index.js';

export function isIPv4(text: string): boolean {
  return parseIpv4(text).ok;
}

export interface Cidr4 {
  addr: number;
  prefix: number;
}

/** "a.b.c.d/n" → network and prefix; a bare address is a /32. undefined if not IPv4. */
export function parseCidr4(text: string): Cidr4 | undefined {
  const [ip, len, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const a = parseIpv4(ip ?? '');
  if (!a.ok) return undefined;
  const prefix = len === undefined ? 32 : /^\d{1,2}$/.test(len) ? Number(len) : -1;
  if (prefix < 0 || prefix > 32) return undefined;
  return { addr: (a.value & prefixMask(prefix)) >>> 0, prefix };
}

/** net.ParseCIDR(...).String(): the network address, "10.0.0.5/8" → "10.0.0.0/8". */
export function normaliseCidr(text: string): string | undefined {
  const c = parseCidr4(text);
  return c === undefined ? undefined : `${formatIpv4(c.addr)}/${c.prefix}`;
}

export function cidrContains(c: Cidr4, ip: string): boolean {
  const a = parseIpv4(ip);
  return a.ok && ((a.value & prefixMask(c.prefix)) >>> 0) === c.addr;
}
