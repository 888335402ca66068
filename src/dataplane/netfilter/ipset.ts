/**
 * ipset's sets, as far as kube-proxy's ipvs mode uses them: hash:ip, hash:ip,port, hash:ip,port,ip,
 * hash:ip,port,net and bitmap:port, matched by `-m set --match-set NAME dst,dst` (xt_set). A set is
 * looked up by name when a packet is matched, so entries change without recompiling any rule, as
 * ipset's do. Entries are kept as ipset prints them ("10.96.0.1,tcp:443"), which is also the key:
 * one Set lookup per match, however many entries (hash types) — a prefix of a `net` entry costs one
 * lookup per distinct prefix length in the set, as ipset's hash:net does.
 */
import { formatIpv4, parseIpv4, prefixMask } from '../../net/index.js';
import type { PacketView } from '../types.js';
import { syntax } from './errors.js';

export type IpSetType = 'hash:ip' | 'hash:ip,port' | 'hash:ip,port,ip' | 'hash:ip,port,net' | 'bitmap:port';
export const IPSET_TYPES: readonly IpSetType[] = ['hash:ip', 'hash:ip,port', 'hash:ip,port,ip', 'hash:ip,port,net', 'bitmap:port'];

/** Which packet field feeds each dimension of the set: `dst,dst,src`. */
export type SetFlag = 'src' | 'dst';

const PROTO_NAME: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };
/** Dimensions of each type (ip/port/ip2 or net). */
const DIMENSIONS: Readonly<Record<IpSetType, number>> = {
  'hash:ip': 1, 'hash:ip,port': 2, 'hash:ip,port,ip': 3, 'hash:ip,port,net': 3, 'bitmap:port': 1,
};

export class IpSet {
  readonly entries = new Set<string>();
  /** hash:ip,port,net: prefix lengths present, longest first (the order ipset tries them). */
  private prefixes: number[] = [];
  readonly comment: string;

  constructor(readonly name: string, readonly type: IpSetType, comment = '') {
    this.comment = comment;
  }

  /** `ipset add`: the entry in ipset's own text, normalised; throws ERR_IPT_SYNTAX when malformed. */
  add(entry: string): boolean {
    const e = normaliseEntry(this.type, entry);
    if (this.entries.has(e)) return false;
    this.entries.add(e);
    if (this.type === 'hash:ip,port,net') this.notePrefix(Number(e.slice(e.lastIndexOf('/') + 1)));
    return true;
  }

  del(entry: string): boolean {
    return this.entries.delete(normaliseEntry(this.type, entry));
  }

  has(entry: string): boolean {
    return this.entries.has(normaliseEntry(this.type, entry));
  }

  flush(): void {
    this.entries.clear();
    this.prefixes = [];
  }

  get size(): number {
    return this.entries.size;
  }

  /** xt_set's match: the packet's fields, chosen by `flags`, form an entry of this set. */
  test(pkt: PacketView, flags: readonly SetFlag[]): boolean {
    if (flags.length < DIMENSIONS[this.type]) return false; // iptables refuses fewer flags than dimensions
    const addr = (f: SetFlag): number => (f === 'src' ? pkt.src : pkt.dst);
    const port = (f: SetFlag): number => (f === 'src' ? pkt.srcPort : pkt.dstPort);
    switch (this.type) {
      case 'hash:ip':
        return this.entries.has(formatIpv4(addr(flags[0]!)));
      case 'bitmap:port':
        return hasPorts(pkt.protocol) && this.entries.has(String(port(flags[0]!)));
      default: {
        const proto = PROTO_NAME[pkt.protocol];
        if (proto === undefined) return false;
        const head = `${formatIpv4(addr(flags[0]!))},${proto}:${port(flags[1]!)}`;
        if (this.type === 'hash:ip,port') return this.entries.has(head);
        const third = addr(flags[2]!);
        if (this.type === 'hash:ip,port,ip') return this.entries.has(`${head},${formatIpv4(third)}`);
        for (const p of this.prefixes) if (this.entries.has(`${head},${formatIpv4((third & prefixMask(p)) >>> 0)}/${p}`)) return true;
        return false;
      }
    }
  }

  /** `ipset save NAME` lines. */
  save(): string[] {
    const comment = this.comment ? ' comment' : '';
    const family = this.type === 'bitmap:port' ? ' range 0-65535' : ' family inet hashsize 1024 maxelem 65536';
    return [`create ${this.name} ${this.type}${family}${comment}`, ...[...this.entries].map((e) => `add ${this.name} ${e}`)];
  }

  private notePrefix(p: number): void {
    if (this.prefixes.includes(p)) return;
    this.prefixes.push(p);
    this.prefixes.sort((a, b) => b - a);
  }
}

/** The sets of one namespace (ipset is per network namespace). */
export class IpSets {
  private readonly sets = new Map<string, IpSet>();

  /** `ipset create NAME TYPE -exist`: the existing set when the type matches. */
  ensure(name: string, type: IpSetType, comment = ''): IpSet {
    const old = this.sets.get(name);
    if (old !== undefined) {
      if (old.type !== type) throw syntax(`ipset ${name} exists with type ${old.type}, not ${type}`);
      return old;
    }
    if (!/^[\w.:-]{1,31}$/.test(name)) throw syntax(`bad ipset name "${name}"`);
    const set = new IpSet(name, type, comment);
    this.sets.set(name, set);
    return set;
  }

  get(name: string): IpSet | undefined {
    return this.sets.get(name);
  }

  destroy(name: string): boolean {
    return this.sets.delete(name);
  }

  names(): string[] {
    return [...this.sets.keys()];
  }

  /** `ipset save`: every set, then its entries. */
  save(): string {
    return [...this.sets.values()].flatMap((s) => s.save()).map((l) => `${l}\n`).join('');
  }
}

function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132;
}

function ip(text: string): string {
  const r = parseIpv4(text);
  if (!r.ok) throw syntax(`bad ipset address "${text}"`);
  return formatIpv4(r.value);
}

function portPart(text: string): string {
  const m = /^(tcp|udp|sctp):(\d{1,5})$/.exec(text);
  if (m === null || Number(m[2]) > 65535) throw syntax(`bad ipset port "${text}" (proto:port)`);
  return `${m[1]}:${Number(m[2])}`;
}

function netPart(text: string): string {
  const [a, len] = text.split('/');
  const p = len === undefined ? 32 : Number(len);
  if (!Number.isInteger(p) || p < 1 || p > 32) throw syntax(`bad ipset net "${text}"`);
  const r = parseIpv4(a ?? '');
  if (!r.ok) throw syntax(`bad ipset net "${text}"`);
  return `${formatIpv4((r.value & prefixMask(p)) >>> 0)}/${p}`;
}

/** The canonical text of an entry (what `ipset list` prints), or ERR_IPT_SYNTAX. */
export function normaliseEntry(type: IpSetType, entry: string): string {
  const parts = entry.trim().split(',');
  if (parts.length !== DIMENSIONS[type]) throw syntax(`ipset ${type} entry "${entry}" needs ${DIMENSIONS[type]} parts`);
  switch (type) {
    case 'hash:ip': return ip(parts[0]!);
    case 'bitmap:port': {
      const p = parts[0]!.replace(/^(tcp|udp|sctp):/, '');
      if (!/^\d{1,5}$/.test(p) || Number(p) > 65535) throw syntax(`bad ipset port "${entry}"`);
      return String(Number(p));
    }
    case 'hash:ip,port': return `${ip(parts[0]!)},${portPart(parts[1]!)}`;
    case 'hash:ip,port,ip': return `${ip(parts[0]!)},${portPart(parts[1]!)},${ip(parts[2]!)}`;
    case 'hash:ip,port,net': return `${ip(parts[0]!)},${portPart(parts[1]!)},${netPart(parts[2]!)}`;
  }
}
