/**
 * The match modules and targets the rule parser understands, as tables of options (like libxtables'
 * extension descriptors). Anything else iptables knows is refused with ERR_IPT_UNSUPPORTED naming it.
 */
import { parseIpv4 } from '../../net/index.js';
import { syntax, unsupported } from './errors.js';
import {
  type AddrType, type CommentMatch, type IpSpec, type MarkMatch, type NatTo, type PortMatch,
  type PortRange, REJECT_WITH, type RecentMatch, type RejectWith, type StateMatch, type StatisticMatch,
  type TableName, type TargetSpec, CT_STATE_NAMES, type AddrtypeMatch, type SetMatch,
} from './rules.js';

export interface OptionDef<T> {
  arg: boolean;
  /** Takes two arguments (`--match-set NAME FLAGS`); `apply` gets them joined by a space. */
  twoArgs?: boolean;
  invert?: boolean;
  apply(spec: T, value: string, invert: boolean): void;
}
export interface ExtensionDef<T> {
  create(): T;
  opts: Readonly<Record<string, OptionDef<T>>>;
  /** Checks the finished rule; `seen` holds the options given (canonical names). */
  finish?(spec: T, seen: ReadonlySet<string>, ip: IpSpec, table: TableName): void;
}

export function parseU32(text: string, what: string): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text) || Number(text) > 0xffffffff) throw syntax(`bad ${what} "${text}"`);
  return Number(text);
}

function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    throw /^[a-z]/i.test(text) ? unsupported(`port name "${text}" (use a number)`) : syntax(`bad port "${text}"`);
  }
  return Number(text);
}

/** "80", "1000:2000", ":1024", "1024:" (match syntax) or "1000-2000" (NAT syntax). */
export function parsePortRange(text: string, sep: ':' | '-'): PortRange {
  const i = text.indexOf(sep);
  if (i < 0) {
    const p = parsePort(text);
    return { min: p, max: p };
  }
  const min = i === 0 ? 0 : parsePort(text.slice(0, i));
  const max = i === text.length - 1 ? 65535 : parsePort(text.slice(i + 1));
  if (min > max) throw syntax(`bad port range "${text}"`);
  return { min, max };
}

function ip(text: string): number {
  const r = parseIpv4(text);
  if (!r.ok) throw syntax(`bad address "${text}"`);
  return r.value;
}

/** "ip[-ip][:port[-port]]" of --to-destination / --to-source. */
function parseNatTo(text: string): NatTo {
  const colon = text.indexOf(':');
  const ips = colon < 0 ? text : text.slice(0, colon);
  if (ips === '') throw unsupported(`NAT range without an address "${text}"`);
  const [lo, hi, extra] = ips.split('-');
  if (extra !== undefined) throw syntax(`bad address range "${ips}"`);
  const to: NatTo = { minIp: ip(lo!), maxIp: ip(hi ?? lo!) };
  if (to.minIp > to.maxIp) throw syntax(`bad address range "${ips}"`);
  if (colon >= 0) to.ports = parsePortRange(text.slice(colon + 1), '-');
  return to;
}

function parseStates(text: string): number {
  let bits = 0;
  for (const name of text.split(',')) {
    const entry = CT_STATE_NAMES.find(([n]) => n === name.toUpperCase());
    if (!entry) throw syntax(`bad ctstate "${name}"`);
    bits |= entry[1];
  }
  return bits;
}

function parseAddrType(text: string): AddrType {
  if (text === 'LOCAL' || text === 'UNICAST' || text === 'BROADCAST' || text === 'MULTICAST') return text;
  throw unsupported(`address type "${text}" (LOCAL, UNICAST, BROADCAST, MULTICAST are)`);
}

/** MARK values and --mark: "value[/mask]"; the mask defaults to all ones. */
function parseMarkMask(text: string): { value: number; mask: number } {
  const [v, m] = text.split('/');
  return { value: parseU32(v!, 'mark'), mask: m === undefined ? 0xffffffff : parseU32(m, 'mask') };
}

function needsPortProto(ipSpec: IpSpec, what: string): void {
  const p = ipSpec.proto;
  if (!p || p.invert || (p.value !== 6 && p.value !== 17)) throw syntax(`${what} needs "-p tcp" or "-p udp"`);
}

const portOpt = (key: 'sport' | 'dport'): OptionDef<PortMatch> => ({
  arg: true, invert: true, apply: (m, v, invert) => { m[key] = { value: parsePortRange(v, ':'), invert }; },
});
const portModule = (module: 'tcp' | 'udp'): ExtensionDef<PortMatch> => ({
  create: () => ({ module }),
  opts: { '--sport': portOpt('sport'), '--source-port': portOpt('sport'), '--dport': portOpt('dport'), '--destination-port': portOpt('dport') },
  finish: (_m, _seen, ipSpec) => {
    if (ipSpec.proto?.value !== (module === 'tcp' ? 6 : 17) || ipSpec.proto.invert) throw syntax(`"-m ${module}" needs "-p ${module}"`);
  },
});

const recentCommand = (command: RecentMatch['command']): OptionDef<RecentMatch> => ({
  arg: false, invert: true, apply: (m, _v, invert) => { m.command = command; m.invert = invert; },
});

function def<T>(d: ExtensionDef<T>): ExtensionDef<unknown> {
  return d as unknown as ExtensionDef<unknown>;
}

export const MODULES: Readonly<Record<string, ExtensionDef<unknown>>> = {
  comment: def<CommentMatch>({
    create: () => ({ module: 'comment', comment: '' }),
    opts: { '--comment': { arg: true, apply: (m, v) => { if (v.length > 255) throw syntax('comment longer than 255 characters'); m.comment = v; } } },
    finish: (_m, seen) => { if (!seen.has('--comment')) throw syntax('"-m comment" needs --comment'); },
  }),
  tcp: def(portModule('tcp')),
  udp: def(portModule('udp')),
  mark: def<MarkMatch>({
    create: () => ({ module: 'mark', value: 0, mask: 0xffffffff, invert: false }),
    opts: { '--mark': { arg: true, invert: true, apply: (m, v, invert) => Object.assign(m, parseMarkMask(v), { invert }) } },
    finish: (_m, seen) => { if (!seen.has('--mark')) throw syntax('"-m mark" needs --mark'); },
  }),
  addrtype: def<AddrtypeMatch>({
    create: () => ({ module: 'addrtype' }),
    opts: {
      '--src-type': { arg: true, invert: true, apply: (m, v, invert) => { m.srcType = { value: parseAddrType(v), invert }; } },
      '--dst-type': { arg: true, invert: true, apply: (m, v, invert) => { m.dstType = { value: parseAddrType(v), invert }; } },
    },
    finish: (m) => { if (!m.srcType && !m.dstType) throw syntax('"-m addrtype" needs --src-type or --dst-type'); },
  }),
  statistic: def<StatisticMatch>({
    create: () => ({ module: 'statistic', mode: 'random', probability: 0, every: 0, packet: 0, invert: false }),
    opts: {
      '--mode': { arg: true, apply: (m, v) => { if (v !== 'random' && v !== 'nth') throw syntax(`bad statistic mode "${v}"`); m.mode = v; } },
      '--probability': {
        arg: true, invert: true, apply: (m, v, invert) => {
          const p = Number(v);
          if (v.trim() === '' || !(p >= 0 && p <= 1)) throw syntax(`bad probability "${v}"`);
          m.probability = Math.round(p * 0x80000000); // the kernel's fixed point: save prints the rounded value
          m.invert = invert;
        },
      },
      '--every': { arg: true, invert: true, apply: (m, v, invert) => { m.every = parseU32(v, 'every'); m.invert = invert; } },
      '--packet': { arg: true, apply: (m, v) => { m.packet = parseU32(v, 'packet'); } },
    },
    finish: (m, seen) => {
      if (!seen.has('--mode')) throw syntax('"-m statistic" needs --mode');
      if (m.mode === 'random' && !seen.has('--probability')) throw syntax('statistic random mode needs --probability');
      if (m.mode === 'nth' && (!seen.has('--every') || m.every === 0 || m.packet >= m.every)) throw syntax('statistic nth mode needs --every N and --packet below N');
    },
  }),
  recent: def<RecentMatch>({
    create: () => ({ module: 'recent', name: 'DEFAULT', command: 'rcheck', seconds: 0, hitcount: 0, reap: false, side: 'source', mask: 0xffffffff, invert: false }),
    opts: {
      '--name': { arg: true, apply: (m, v) => { if (!/^[\w.-]{1,200}$/.test(v)) throw syntax(`bad recent list name "${v}"`); m.name = v; } },
      '--set': recentCommand('set'), '--rcheck': recentCommand('rcheck'), '--update': recentCommand('update'), '--remove': recentCommand('remove'),
      '--seconds': { arg: true, apply: (m, v) => { m.seconds = parseU32(v, 'seconds'); } },
      '--hitcount': { arg: true, apply: (m, v) => { m.hitcount = parseU32(v, 'hitcount'); } },
      '--reap': { arg: false, apply: (m) => { m.reap = true; } },
      '--rsource': { arg: false, apply: (m) => { m.side = 'source'; } },
      '--rdest': { arg: false, apply: (m) => { m.side = 'dest'; } },
      '--mask': { arg: true, apply: (m, v) => { m.mask = ip(v); } },
    },
    finish: (m, seen) => {
      const commands = ['--set', '--rcheck', '--update', '--remove'].filter((c) => seen.has(c)).length;
      if (commands !== 1) throw syntax('recent: give exactly one of --set, --rcheck, --update, --remove');
      if (m.reap && !m.seconds) throw syntax('recent: --reap needs --seconds');
      if ((m.seconds || m.hitcount) && m.command !== 'rcheck' && m.command !== 'update') throw syntax('recent: --seconds and --hitcount go with --rcheck or --update');
    },
  }),
  conntrack: def<StateMatch>({
    create: () => ({ module: 'conntrack', states: 0, invert: false }),
    opts: { '--ctstate': { arg: true, invert: true, apply: (m, v, invert) => { m.states = parseStates(v); m.invert = invert; } } },
    finish: (_m, seen) => { if (!seen.has('--ctstate')) throw unsupported('"-m conntrack" without --ctstate'); },
  }),
  set: def<SetMatch>({
    create: () => ({ module: 'set', name: '', flags: [], invert: false }),
    opts: {
      '--match-set': {
        arg: true, twoArgs: true, invert: true, apply: (m, v, invert) => {
          const [name = '', flags = ''] = v.split(' ');
          if (!/^[\w.:-]{1,31}$/.test(name)) throw syntax(`bad set name "${name}"`);
          const list = flags.split(',');
          if (list.length < 1 || list.length > 6 || list.some((f) => f !== 'src' && f !== 'dst')) throw syntax(`bad set flags "${flags}"`);
          Object.assign(m, { name, flags: list, invert });
        },
      },
    },
    finish: (_m, seen) => { if (!seen.has('--match-set')) throw syntax('"-m set" needs --match-set'); },
  }),
  state: def<StateMatch>({
    create: () => ({ module: 'state', states: 0, invert: false }),
    opts: { '--state': { arg: true, invert: true, apply: (m, v, invert) => { m.states = parseStates(v); m.invert = invert; } } },
    finish: (_m, seen) => { if (!seen.has('--state')) throw syntax('"-m state" needs --state'); },
  }),
};

type Target<K extends TargetSpec['kind']> = Extract<TargetSpec, { kind: K }>;

function requireNat(name: string, table: TableName): void {
  if (table !== 'nat') throw syntax(`target ${name} is only valid in the nat table`);
}

const flag = <T>(key: keyof T): OptionDef<T> => ({ arg: false, apply: (t) => { (t as Record<keyof T, unknown>)[key] = true; } });

const markOp = (op: 'set-xmark' | 'set-mark' | 'and-mark' | 'or-mark' | 'xor-mark'): OptionDef<Target<'MARK'>> => ({
  arg: true,
  apply: (t, v) => {
    if (op === 'set-xmark' || op === 'set-mark') return void Object.assign(t, parseMarkMask(v));
    const bits = parseU32(v, 'mark');
    // libxt_MARK's rewrites into the one kernel operation: mark = (mark & ~mask) ^ value.
    Object.assign(t, op === 'and-mark' ? { value: 0, mask: ~bits >>> 0 } : op === 'or-mark' ? { value: bits, mask: bits } : { value: bits, mask: 0 });
  },
});

/** libipt_REJECT's short names. */
const REJECT_ALIASES: Readonly<Record<string, RejectWith>> = {
  'net-unreach': 'icmp-net-unreachable', 'host-unreach': 'icmp-host-unreachable', 'port-unreach': 'icmp-port-unreachable',
  'proto-unreach': 'icmp-proto-unreachable', 'net-prohib': 'icmp-net-prohibited', 'host-prohib': 'icmp-host-prohibited',
  'admin-prohib': 'icmp-admin-prohibited', 'tcp-rst': 'tcp-reset',
};

export const TARGETS: Readonly<Record<string, ExtensionDef<unknown>>> = {
  ACCEPT: def({ create: () => ({ kind: 'ACCEPT' }), opts: {} }),
  DROP: def({ create: () => ({ kind: 'DROP' }), opts: {} }),
  RETURN: def({ create: () => ({ kind: 'RETURN' }), opts: {} }),
  REJECT: def<Target<'REJECT'>>({
    create: () => ({ kind: 'REJECT', rejectWith: 'icmp-port-unreachable' }),
    opts: {
      '--reject-with': {
        arg: true, apply: (t, v) => {
          const name = v in REJECT_WITH ? (v as RejectWith) : REJECT_ALIASES[v];
          if (name === undefined) throw syntax(`bad --reject-with "${v}"`);
          t.rejectWith = name;
        },
      },
    },
    finish: (t, _seen, ipSpec, table) => {
      if (table === 'nat') throw syntax('target REJECT is not valid in the nat table');
      if (t.rejectWith === 'tcp-reset' && (ipSpec.proto?.value !== 6 || ipSpec.proto.invert)) throw syntax('REJECT --reject-with tcp-reset needs "-p tcp"');
    },
  }),
  MARK: def<Target<'MARK'>>({
    create: () => ({ kind: 'MARK', value: 0, mask: 0 }),
    opts: { '--set-xmark': markOp('set-xmark'), '--set-mark': markOp('set-mark'), '--and-mark': markOp('and-mark'), '--or-mark': markOp('or-mark'), '--xor-mark': markOp('xor-mark') },
    finish: (_t, seen) => { if (seen.size !== 1) throw syntax('MARK needs exactly one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark'); },
  }),
  DNAT: def<Target<'DNAT' | 'SNAT'>>({
    create: () => ({ kind: 'DNAT' as const, to: { minIp: 0, maxIp: 0 }, random: false, randomFully: false, persistent: false }),
    opts: { '--to-destination': { arg: true, apply: (t, v) => { t.to = parseNatTo(v); } }, '--random': flag('random'), '--persistent': flag('persistent') },
    finish: (t, seen, ipSpec, table) => {
      requireNat('DNAT', table);
      if (!seen.has('--to-destination')) throw syntax('DNAT needs --to-destination');
      if (t.to.ports) needsPortProto(ipSpec, 'a DNAT port');
    },
  }),
  SNAT: def<Target<'DNAT' | 'SNAT'>>({
    create: () => ({ kind: 'SNAT' as const, to: { minIp: 0, maxIp: 0 }, random: false, randomFully: false, persistent: false }),
    opts: { '--to-source': { arg: true, apply: (t, v) => { t.to = parseNatTo(v); } }, '--random': flag('random'), '--random-fully': flag('randomFully'), '--persistent': flag('persistent') },
    finish: (t, seen, ipSpec, table) => {
      requireNat('SNAT', table);
      if (!seen.has('--to-source')) throw syntax('SNAT needs --to-source');
      if (t.to.ports) needsPortProto(ipSpec, 'an SNAT port');
    },
  }),
  REDIRECT: def<Target<'REDIRECT'>>({
    create: () => ({ kind: 'REDIRECT', random: false }),
    opts: { '--to-ports': { arg: true, apply: (t, v) => { t.ports = parsePortRange(v, '-'); } }, '--random': flag('random') },
    finish: (t, _seen, ipSpec, table) => {
      requireNat('REDIRECT', table);
      if (t.ports) needsPortProto(ipSpec, 'REDIRECT --to-ports');
    },
  }),
  MASQUERADE: def<Target<'MASQUERADE'>>({
    create: () => ({ kind: 'MASQUERADE', random: false, randomFully: false }),
    opts: { '--to-ports': { arg: true, apply: (t, v) => { t.ports = parsePortRange(v, '-'); } }, '--random': flag('random'), '--random-fully': flag('randomFully') },
    finish: (t, _seen, ipSpec, table) => {
      requireNat('MASQUERADE', table);
      if (t.ports) needsPortProto(ipSpec, 'MASQUERADE --to-ports');
    },
  }),
};

/** Extensions real iptables has: refused by name so the error says what is missing, not "no such chain". */
export const UNSUPPORTED_TARGETS = new Set([
  'LOG', 'NFLOG', 'ULOG', 'CONNMARK', 'TPROXY', 'CT', 'NOTRACK', 'TCPMSS', 'QUEUE', 'NFQUEUE', 'CHECKSUM',
  'TRACE', 'CLASSIFY', 'DSCP', 'TOS', 'TTL', 'NETMAP', 'SET', 'AUDIT', 'CONNSECMARK', 'SECMARK', 'HMARK', 'IDLETIMER',
]);
export const UNSUPPORTED_OPTIONS = new Set([
  '--syn', '--tcp-flags', '--tcp-option', '--icmp-type', '--ctorigsrc', '--ctorigdst', '--ctreplsrc', '--ctrepldst',
  '--ctstatus', '--ctproto', '--ctexpire', '--ctdir', '--dports', '--sports', '--ports', '--limit', '--limit-burst',
  '--uid-owner', '--gid-owner', '--physdev-in', '--physdev-out', '--log-prefix', '--log-level',
  '--rttl', '--limit-iface-in', '--limit-iface-out', '--src-range', '--dst-range', '--set-mss', '--clamp-mss-to-pmtu',
]);
