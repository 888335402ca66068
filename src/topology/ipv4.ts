/**
 * IPv4 arithmetic for topology checks (kemu's underlay and cluster networks are IPv4-only).
 * Addresses are unsigned 32-bit numbers; a CIDR is its network address and prefix length.
 */
import { parseIPv4 } from '../api/validation/names.js';
import { formatIpv4, prefixMask } from '../net/addr.js';

// Kubernetes-style (sloppy) parsing for user input; formatting and masks are the codecs' own.
export { parseIPv4 };
export const formatIPv4 = formatIpv4;
export const maskOf = prefixMask;

export interface Cidr {
  base: number;
  prefix: number;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

/** Parses "a.b.c.d/n"; a network with host bits set is an error that names the intended network. */
export function parseCidr(s: string): { ok: true; cidr: Cidr } | { ok: false; message: string } {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s.trim());
  const addr = m ? parseIPv4(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (addr === undefined || !(prefix >= 0 && prefix <= 32)) {
    return { ok: false, message: `invalid CIDR ${JSON.stringify(s)}: expected an IPv4 network such as 10.244.0.0/16` };
  }
  const base = (addr & maskOf(prefix)) >>> 0;
  if (base !== addr) {
    return { ok: false, message: `invalid CIDR "${s}": host bits are set; the network address is ${formatIPv4(base)}/${prefix}` };
  }
  return { ok: true, cidr: { base, prefix } };
}

/** For values already validated by parseCidr. */
export function cidrOf(s: string): Cidr {
  const r = parseCidr(s);
  if (!r.ok) throw new Error(r.message);
  return r.cidr;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return ((a.base ^ b.base) & maskOf(p)) >>> 0 === 0;
}

export function contains(c: Cidr, addr: number): boolean {
  return ((addr ^ c.base) & maskOf(c.prefix)) >>> 0 === 0;
}

export function broadcastOf(c: Cidr): number {
  return (c.base + size(c) - 1) >>> 0;
}
