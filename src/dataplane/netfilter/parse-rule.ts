/**
 * Parses the arguments of one iptables rule (everything after `-A CHAIN`) into a Rule, the way
 * iptables does: `!` inverts the option after it, `-m` loads a match module, an option goes to the
 * target if it takes it, else to the first loaded module that does, else `--sport/--dport` loads the
 * protocol's module implicitly (so `-p tcp --dport 80` saves as `-p tcp -m tcp --dport 80`).
 */
import { parseIpv4, prefixMask } from '../../net/index.js';
import { syntax, unsupported } from './errors.js';
import { type ExtensionDef, MODULES, TARGETS, UNSUPPORTED_OPTIONS, UNSUPPORTED_TARGETS } from './parse-modules.js';
import { type Cidr, type IpSpec, type MatchSpec, type Neg, type Rule, type TableName, type TargetSpec } from './rules.js';

/** Splits a line as iptables-restore does: on blanks, with "double quotes" grouping and \" \\ escapes inside. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let open = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (open) {
      if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i];
      else if (c === '"') open = false;
      else cur += c;
    } else if (c === '"') {
      open = true;
      has = true;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (open) throw syntax('unterminated quoted string');
  if (has) out.push(cur);
  return out;
}

const PROTOCOLS: Readonly<Record<string, number>> = { all: 0, icmp: 1, tcp: 6, udp: 17, esp: 50, ah: 51, sctp: 132 };

/** "a.b.c.d", "a.b.c.d/n" or "a.b.c.d/m.m.m.m"; host bits are cleared, as iptables stores it. */
export function parseCidr(text: string): Cidr {
  const [addrText, lenText, extra] = text.split('/');
  const addr = parseIpv4(addrText!);
  if (!addr.ok || extra !== undefined) throw /^[a-z]/i.test(text) ? unsupported(`host name "${text}" (use an address)`) : syntax(`bad address "${text}"`);
  let prefix = 32;
  if (lenText !== undefined) {
    if (/^\d{1,2}$/.test(lenText) && Number(lenText) <= 32) {
      prefix = Number(lenText);
    } else {
      const mask = parseIpv4(lenText);
      const bits = mask.ok ? 32 - Math.clz32(~mask.value >>> 0) : -1;
      if (!mask.ok || prefixMask(32 - bits) !== mask.value) throw syntax(`bad network mask "${lenText}"`);
      prefix = 32 - bits;
    }
  }
  return { addr: (addr.value & prefixMask(prefix)) >>> 0, prefix };
}

function parseIface(text: string): string {
  if (text.length === 0 || text.length > 15 || /[\s/]/.test(text) || text.slice(0, -1).includes('+')) throw syntax(`bad interface name "${text}"`);
  return text;
}

function parseProto(text: string): number {
  const known = PROTOCOLS[text.toLowerCase()];
  if (known !== undefined) return known;
  if (/^\d+$/.test(text) && Number(text) <= 255) return Number(text);
  throw unsupported(`protocol "${text}"`);
}

interface Loaded {
  def: ExtensionDef<unknown>;
  spec: unknown;
  seen: Set<string>;
}

/** Parses rule arguments for `table`; throws NetfilterError (no line number: the caller adds it). */
export function parseRule(args: readonly string[], table: TableName): Rule {
  const ip: IpSpec = {};
  const mods: Loaded[] = [];
  let target: Loaded | undefined;
  let jump: TargetSpec | undefined;
  let invert = false;
  let i = 0;
  const value = (opt: string): string => {
    const v = args[i++];
    if (v === undefined) throw syntax(`option "${opt}" requires an argument`);
    return v;
  };
  const setIp = <K extends keyof IpSpec>(key: K, opt: string, v: IpSpec[K] extends Neg<infer T> | undefined ? T : never, inv: boolean): void => {
    if (ip[key] !== undefined) throw syntax(`multiple ${opt} flags not allowed`);
    ip[key] = { value: v, invert: inv } as unknown as IpSpec[K];
  };
  const load = (name: string): Loaded => {
    const d = MODULES[name];
    if (d === undefined) throw unsupported(`match module "${name}"`);
    const l: Loaded = { def: d, spec: d.create(), seen: new Set() };
    mods.push(l);
    return l;
  };
  const apply = (l: Loaded, opt: string, inv: boolean): void => {
    const o = l.def.opts[opt]!;
    if (inv && !o.invert) throw syntax(`option "${opt}" cannot be inverted`);
    o.apply(l.spec, o.arg ? (o.twoArgs ? `${value(opt)} ${value(opt)}` : value(opt)) : '', inv);
    l.seen.add(opt);
  };
  while (i < args.length) {
    const a = args[i++]!;
    if (a === '!') {
      if (invert) throw syntax('multiple "!" flags not allowed');
      invert = true;
      continue;
    }
    const inv = invert;
    invert = false;
    switch (a) {
      case '-s': case '--source': setIp('src', '-s', parseCidr(value(a)), inv); break;
      case '-d': case '--destination': setIp('dst', '-d', parseCidr(value(a)), inv); break;
      case '-i': case '--in-interface': setIp('inIface', '-i', parseIface(value(a)), inv); break;
      case '-o': case '--out-interface': setIp('outIface', '-o', parseIface(value(a)), inv); break;
      case '-p': case '--protocol': setIp('proto', '-p', parseProto(value(a)), inv); break;
      case '-f': case '--fragment': throw unsupported('fragment match "-f"');
      case '-m': case '--match':
        if (inv) throw syntax('"!" not allowed before -m');
        load(value(a));
        break;
      case '-j': case '--jump': case '-g': case '--goto': {
        if (inv) throw syntax(`"!" not allowed before ${a}`);
        if (jump !== undefined) throw syntax('multiple -j / -g flags not allowed');
        const name = value(a);
        const isGoto = a === '-g' || a === '--goto';
        const d = TARGETS[name];
        if (d !== undefined && !isGoto) {
          target = { def: d, spec: d.create(), seen: new Set() };
          jump = target.spec as TargetSpec;
        } else if (UNSUPPORTED_TARGETS.has(name)) {
          throw unsupported(`target "${name}"`);
        } else {
          if (name.length === 0 || name.length > 28 || name.startsWith('-') || name === '!') throw syntax(`bad chain name "${name}"`);
          jump = { kind: isGoto ? 'goto' : 'jump', chain: name };
        }
        break;
      }
      default: {
        if (!a.startsWith('--')) throw syntax(`unexpected argument "${a}"`);
        if (target?.def.opts[a]) {
          apply(target, a, inv);
          break;
        }
        const owner = mods.find((m) => m.def.opts[a] !== undefined);
        const proto = ip.proto && !ip.proto.invert ? ({ 6: 'tcp', 17: 'udp' } as Record<number, string>)[ip.proto.value] : undefined;
        if (owner) apply(owner, a, inv);
        else if (proto && MODULES[proto]!.opts[a]) apply(load(proto), a, inv);
        else if (UNSUPPORTED_OPTIONS.has(a)) throw unsupported(`option "${a}"`);
        else throw syntax(`unknown option "${a}"`);
      }
    }
  }
  if (invert) throw syntax('"!" at the end of the rule');
  // Inverting "anything" (e.g. "! -s 0.0.0.0/0") is kept; a plain 0/0 means no match at all, as iptables stores it.
  if (ip.src && ip.src.value.prefix === 0 && !ip.src.invert) delete ip.src;
  if (ip.dst && ip.dst.value.prefix === 0 && !ip.dst.invert) delete ip.dst;
  if (ip.proto && ip.proto.value === 0 && !ip.proto.invert) delete ip.proto;
  for (const m of mods) m.def.finish?.(m.spec, m.seen, ip, table);
  if (target) target.def.finish?.(target.spec, target.seen, ip, table);
  return { ip, matches: mods.map((m) => m.spec as MatchSpec), target: jump ?? { kind: 'none' }, counters: { packets: 0, bytes: 0 } };
}
