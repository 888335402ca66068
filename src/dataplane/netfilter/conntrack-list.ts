/**
 * `conntrack -L` / `-D` support: entry filters (the fields conntrack-tools and kube-proxy filter on)
 * and the line format of `conntrack -L` with accounting on.
 */
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, formatIpv4 } from '../../net/index.js';
import type { ConntrackEntry } from './conntrack.js';
import type { Tuple } from './tuple.js';

/** `conntrack -D` / `-L` filters; every given field must match. */
export interface ConntrackFilter {
  protocol?: number;
  origSrc?: number;
  origDst?: number;
  origSport?: number;
  origDport?: number;
  replySrc?: number;
  replyDst?: number;
  replySport?: number;
  replyDport?: number;
  /** `--dst-nat [IP]`: DNATed entries (to this address when given: the reply source). */
  dstNat?: number | true;
  /** `--src-nat [IP]`: SNATed entries (to this address when given: the reply destination). */
  srcNat?: number | true;
  masqIface?: string;
  mark?: number;
}

export function matchesFilter(e: ConntrackEntry, f: ConntrackFilter): boolean {
  const o = e.orig;
  const r = e.reply;
  if (f.protocol !== undefined && o.proto !== f.protocol) return false;
  if (f.origSrc !== undefined && o.src !== f.origSrc) return false;
  if (f.origDst !== undefined && o.dst !== f.origDst) return false;
  if (f.origSport !== undefined && o.sport !== f.origSport) return false;
  if (f.origDport !== undefined && o.dport !== f.origDport) return false;
  if (f.replySrc !== undefined && r.src !== f.replySrc) return false;
  if (f.replyDst !== undefined && r.dst !== f.replyDst) return false;
  if (f.replySport !== undefined && r.sport !== f.replySport) return false;
  if (f.replyDport !== undefined && r.dport !== f.replyDport) return false;
  if (f.dstNat !== undefined && (!e.dnat || (f.dstNat !== true && r.src !== f.dstNat))) return false;
  if (f.srcNat !== undefined && (!e.snat || (f.srcNat !== true && r.dst !== f.srcNat))) return false;
  if (f.masqIface !== undefined && e.masqIface !== f.masqIface) return false;
  if (f.mark !== undefined && e.mark !== f.mark) return false;
  return true;
}

const PROTO_NAMES: Readonly<Record<number, string>> = { [IPPROTO_TCP]: 'tcp', [IPPROTO_UDP]: 'udp', [IPPROTO_ICMP]: 'icmp' };

function formatTuple(t: Tuple): string {
  const base = `src=${formatIpv4(t.src)} dst=${formatIpv4(t.dst)}`;
  if (t.proto === IPPROTO_TCP || t.proto === IPPROTO_UDP) return `${base} sport=${t.sport} dport=${t.dport}`;
  if (t.proto === IPPROTO_ICMP) return `${base} type=${t.dport} code=0 id=${t.sport}`;
  return base;
}

/** One line in the layout of conntrack-tools' `conntrack -L`. */
export function formatEntry(e: ConntrackEntry, now: number): string {
  const proto = e.orig.proto;
  const secs = Math.max(0, Math.floor((e.expires - now) / 1000));
  const parts = [`${(PROTO_NAMES[proto] ?? 'unknown').padEnd(8)} ${proto} ${secs}`];
  if (proto === IPPROTO_TCP) parts.push(e.tcpStateName);
  parts.push(formatTuple(e.orig), `packets=${e.packets[0]} bytes=${e.bytes[0]}`);
  if (!e.seenReply) parts.push('[UNREPLIED]');
  parts.push(formatTuple(e.reply), `packets=${e.packets[1]} bytes=${e.bytes[1]}`);
  if (e.assured) parts.push('[ASSURED]');
  parts.push(`mark=${e.mark} use=1`);
  return parts.join(' ');
}
