/** IPv4 prefixes as (address, length) pairs of uint32 numbers, parsed the way `ip` parses them. */

import { formatIpv4, parseIpv4, prefixMask } from '../../net/index.js';
import { KemuError } from '../../util/errors.js';

export interface Cidr {
  address: number;
  prefixLength: number;
}

/** Accepts "10.0.0.0/24", "10.0.0.1" (a /32) and "default" (0.0.0.0/0). Throws KemuError ERR_INVALID_ADDRESS. */
export function parseCidr(text: string): Cidr {
  if (text === 'default') return { address: 0, prefixLength: 0 };
  const slash = text.indexOf('/');
  const ipText = slash < 0 ? text : text.slice(0, slash);
  const lenText = slash < 0 ? '32' : text.slice(slash + 1);
  const ip = parseIpv4(ipText);
  const prefixLength = /^\d{1,2}$/.test(lenText) ? Number(lenText) : NaN;
  if (!ip.ok || !(prefixLength >= 0 && prefixLength <= 32)) {
    throw new KemuError('ERR_INVALID_ADDRESS', `Error: any valid prefix is expected rather than "${text}".`);
  }
  return { address: ip.value, prefixLength };
}

/** A number passes through; a dotted quad is parsed (throws KemuError ERR_INVALID_ADDRESS). */
export function toIp(value: number | string): number {
  if (typeof value === 'number') return value >>> 0;
  // Sockets are handed the same destination string packet after packet: remember the last one.
  if (value === lastText) return lastIp;
  const r = parseIpv4(value);
  if (!r.ok) throw new KemuError('ERR_INVALID_ADDRESS', `Error: inet address is expected rather than "${value}".`);
  lastText = value;
  lastIp = r.value;
  return r.value;
}

let lastText: string | undefined; // only strings that parsed
let lastIp = 0;

export function networkOf(ip: number, prefixLength: number): number {
  return (ip & prefixMask(prefixLength)) >>> 0;
}

export function broadcastOf(ip: number, prefixLength: number): number {
  return (ip | ~prefixMask(prefixLength)) >>> 0;
}

export function inPrefix(ip: number, network: number, prefixLength: number): boolean {
  return ((ip ^ network) & prefixMask(prefixLength)) === 0;
}

export function formatCidr(address: number, prefixLength: number): string {
  if (prefixLength === 0 && address === 0) return 'default';
  return prefixLength === 32 ? formatIpv4(address) : `${formatIpv4(address)}/${prefixLength}`;
}

export function isMulticastIp(ip: number): boolean {
  return ip >>> 28 === 0xe;
}

export function isLoopbackIp(ip: number): boolean {
  return ip >>> 24 === 127;
}

export const LIMITED_BROADCAST = 0xffffffff;
