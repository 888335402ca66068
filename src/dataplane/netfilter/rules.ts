/**
 * The iptables rule model: what one `-A CHAIN ...` line says, as plain values, and its canonical
 * text in the order iptables-save prints it (addresses, interfaces and protocol first, then each
 * match module in the order it was loaded, then the target). Saving a parsed ruleset therefore
 * reproduces iptables-save output byte for byte, so rules compare equal by their text (-C, -D).
 */
import type { HookStage } from '../types.js';
import { formatIpv4 } from '../../net/index.js';

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter';
export const TABLE_NAMES: readonly TableName[] = ['raw', 'mangle', 'nat', 'filter'];

/** Built-in chains per table, in iptables-save order. */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly HookStage[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export interface Counters { packets: number; bytes: number }
export interface Neg<T> { value: T; invert: boolean }
export interface Cidr { addr: number; prefix: number }
export interface PortRange { min: number; max: number }
export type AddrType = 'LOCAL' | 'UNICAST' | 'BROADCAST' | 'MULTICAST';

export interface IpSpec {
  src?: Neg<Cidr>;
  dst?: Neg<Cidr>;
  inIface?: Neg<string>;
  outIface?: Neg<string>;
  proto?: Neg<number>;
}

// ctstate bits (xt_conntrack's XT_CONNTRACK_STATE_*, renumbered compactly).
export const CT_INVALID = 1, CT_NEW = 2, CT_ESTABLISHED = 4, CT_RELATED = 8, CT_UNTRACKED = 16, CT_SNAT = 32, CT_DNAT = 64;
/** In the order libxt_conntrack prints them. */
export const CT_STATE_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['INVALID', CT_INVALID], ['NEW', CT_NEW], ['RELATED', CT_RELATED], ['ESTABLISHED', CT_ESTABLISHED],
  ['UNTRACKED', CT_UNTRACKED], ['SNAT', CT_SNAT], ['DNAT', CT_DNAT],
];

export interface CommentMatch { module: 'comment'; comment: string }
export interface PortMatch { module: 'tcp' | 'udp'; sport?: Neg<PortRange>; dport?: Neg<PortRange> }
export interface MarkMatch { module: 'mark'; value: number; mask: number; invert: boolean }
export interface AddrtypeMatch { module: 'addrtype'; srcType?: Neg<AddrType>; dstType?: Neg<AddrType> }
export interface StatisticMatch {
  module: 'statistic';
  mode: 'random' | 'nth';
  /** Fixed point with 2^31 = 1, exactly as the kernel stores it (so save prints what iptables-save prints). */
  probability: number;
  every: number;
  packet: number;
  invert: boolean;
}
export interface RecentMatch {
  module: 'recent';
  name: string;
  command: 'set' | 'rcheck' | 'update' | 'remove';
  seconds: number;
  hitcount: number;
  reap: boolean;
  side: 'source' | 'dest';
  mask: number;
  invert: boolean;
}
export interface StateMatch { module: 'conntrack' | 'state'; states: number; invert: boolean }
/** xt_set: `-m set [!] --match-set NAME dst,dst[,src]` (the set is looked up by name at match time). */
export interface SetMatch { module: 'set'; name: string; flags: Array<'src' | 'dst'>; invert: boolean }
export type MatchSpec = CommentMatch | PortMatch | MarkMatch | AddrtypeMatch | StatisticMatch | RecentMatch | StateMatch | SetMatch;

export const REJECT_WITH = {
  'icmp-net-unreachable': 0, 'icmp-host-unreachable': 1, 'icmp-proto-unreachable': 2, 'icmp-port-unreachable': 3,
  'icmp-net-prohibited': 9, 'icmp-host-prohibited': 10, 'icmp-admin-prohibited': 13, 'tcp-reset': -1,
} as const;
/** How REJECT answers: an ICMP destination-unreachable code, or a TCP RST. */
export type RejectWith = keyof typeof REJECT_WITH;

export interface NatTo { minIp: number; maxIp: number; ports?: PortRange }
export type TargetSpec =
  | { kind: 'ACCEPT' | 'DROP' | 'RETURN' | 'none' }
  | { kind: 'REJECT'; rejectWith: RejectWith }
  | { kind: 'jump' | 'goto'; chain: string }
  | { kind: 'MARK'; value: number; mask: number }
  | { kind: 'DNAT' | 'SNAT'; to: NatTo; random: boolean; randomFully: boolean; persistent: boolean }
  | { kind: 'MASQUERADE'; ports?: PortRange; random: boolean; randomFully: boolean }
  /** DNAT to the incoming interface's primary address (127.0.0.1 for local packets), as kube-proxy's userspace portals use it. */
  | { kind: 'REDIRECT'; ports?: PortRange; random: boolean };

export interface Rule {
  ip: IpSpec;
  matches: MatchSpec[];
  target: TargetSpec;
  /** Packets and bytes that matched this rule (iptables -L -v, iptables-save -c). */
  counters: Counters;
}

export const PROTO_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 50: 'esp', 51: 'ah', 132: 'sctp' };

/** xtables_save_string: bare when only [A-Za-z0-9_-], otherwise double-quoted with \ " ' escaped. */
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return value;
  return `"${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const bang = (invert: boolean): string => (invert ? '! ' : '');
const ports = (r: PortRange, sep: string): string => (r.min === r.max ? `${r.min}` : `${r.min}${sep}${r.max}`);

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.addr)}/${c.prefix}`;
}

export function formatStates(bits: number): string {
  return CT_STATE_NAMES.filter(([, b]) => bits & b).map(([n]) => n).join(',');
}

function formatMatch(m: MatchSpec): string {
  const out = [`-m ${m.module}`];
  switch (m.module) {
    case 'comment':
      out.push(`--comment ${saveString(m.comment)}`);
      break;
    case 'tcp':
    case 'udp':
      if (m.sport) out.push(`${bang(m.sport.invert)}--sport ${ports(m.sport.value, ':')}`);
      if (m.dport) out.push(`${bang(m.dport.invert)}--dport ${ports(m.dport.value, ':')}`);
      break;
    case 'mark':
      out.push(`${bang(m.invert)}--mark ${hex(m.value)}${m.mask === 0xffffffff ? '' : `/${hex(m.mask)}`}`);
      break;
    case 'addrtype':
      if (m.srcType) out.push(`${bang(m.srcType.invert)}--src-type ${m.srcType.value}`);
      if (m.dstType) out.push(`${bang(m.dstType.invert)}--dst-type ${m.dstType.value}`);
      break;
    case 'statistic':
      if (m.mode === 'random') out.push(`--mode random ${bang(m.invert)}--probability ${(m.probability / 0x80000000).toFixed(11)}`);
      else out.push(`--mode nth ${bang(m.invert)}--every ${m.every} --packet ${m.packet}`);
      break;
    case 'recent':
      // libxt_recent's save order: [!] command, --seconds, --reap, --hitcount, --name, --mask, side.
      out.push(`${bang(m.invert)}--${m.command}`);
      if (m.seconds) out.push(`--seconds ${m.seconds}`);
      if (m.reap) out.push('--reap');
      if (m.hitcount) out.push(`--hitcount ${m.hitcount}`);
      out.push(`--name ${m.name}`, `--mask ${formatIpv4(m.mask)}`, m.side === 'source' ? '--rsource' : '--rdest');
      break;
    case 'conntrack':
    case 'state':
      out.push(`${bang(m.invert)}--${m.module === 'state' ? 'state' : 'ctstate'} ${formatStates(m.states)}`);
      break;
    case 'set':
      out.push(`${bang(m.invert)}--match-set ${m.name} ${m.flags.join(',')}`);
      break;
  }
  return out.join(' ');
}

function formatNatTo(to: NatTo): string {
  const ip = to.minIp === to.maxIp ? formatIpv4(to.minIp) : `${formatIpv4(to.minIp)}-${formatIpv4(to.maxIp)}`;
  return to.ports ? `${ip}:${ports(to.ports, '-')}` : ip;
}

function formatTarget(t: TargetSpec): string {
  switch (t.kind) {
    case 'none': return '';
    case 'jump': return `-j ${t.chain}`;
    case 'goto': return `-g ${t.chain}`;
    case 'ACCEPT': case 'DROP': case 'RETURN': return `-j ${t.kind}`;
    case 'REJECT': return `-j REJECT --reject-with ${t.rejectWith}`;
    case 'MARK': return `-j MARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`;
    case 'DNAT':
    case 'SNAT': {
      const out = [`-j ${t.kind} --to-${t.kind === 'DNAT' ? 'destination' : 'source'} ${formatNatTo(t.to)}`];
      if (t.random) out.push('--random');
      if (t.randomFully) out.push('--random-fully');
      if (t.persistent) out.push('--persistent');
      return out.join(' ');
    }
    case 'REDIRECT': {
      const out = ['-j REDIRECT'];
      if (t.ports) out.push(`--to-ports ${ports(t.ports, '-')}`);
      if (t.random) out.push('--random');
      return out.join(' ');
    }
    case 'MASQUERADE': {
      const out = ['-j MASQUERADE'];
      if (t.ports) out.push(`--to-ports ${ports(t.ports, '-')}`);
      if (t.random) out.push('--random');
      if (t.randomFully) out.push('--random-fully');
      return out.join(' ');
    }
  }
}

/** The rule's arguments after `-A CHAIN`, in iptables-save's canonical order. */
export function formatRule(rule: Rule): string {
  const { ip } = rule;
  const out: string[] = [];
  if (ip.src) out.push(`${bang(ip.src.invert)}-s ${formatCidr(ip.src.value)}`);
  if (ip.dst) out.push(`${bang(ip.dst.invert)}-d ${formatCidr(ip.dst.value)}`);
  if (ip.inIface) out.push(`${bang(ip.inIface.invert)}-i ${ip.inIface.value}`);
  if (ip.outIface) out.push(`${bang(ip.outIface.invert)}-o ${ip.outIface.value}`);
  if (ip.proto) out.push(`${bang(ip.proto.invert)}-p ${PROTO_NAMES[ip.proto.value] ?? ip.proto.value}`);
  for (const m of rule.matches) out.push(formatMatch(m));
  const target = formatTarget(rule.target);
  if (target) out.push(target);
  return out.join(' ');
}
