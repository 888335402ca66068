/**
 * Command-line parsing as the emulated binaries do it, with their error texts: spf13/pflag (cobra
 * programs: agnhost, kemu's own images) and Go's standard `flag` package (older single-binary
 * images). Pure: argv in, values or the error the program would print out.
 */
import { goQuote, parseGoDuration } from './go.js';

export type FlagType = 'int' | 'string' | 'bool' | 'duration' | 'float';

export interface FlagDef {
  type: FlagType;
  default: number | string | boolean;
  /** pflag's one-letter alias (-p 80). */
  shorthand?: string;
}

export type FlagSpec = Record<string, FlagDef>;
export type FlagValues = Record<string, number | string | boolean>;

export type ParsedFlags = { ok: true; values: FlagValues; positional: string[] } | { ok: false; error: string };

function convert(def: FlagDef, raw: string, shown: string): { ok: true; value: number | string | boolean } | { ok: false; error: string } {
  const invalid = (why: string) => ({ ok: false as const, error: `invalid argument ${goQuote(raw)} for ${goQuote(shown)} flag: ${why}` });
  switch (def.type) {
    case 'string':
      return { ok: true, value: raw };
    case 'bool': {
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(raw)) return { ok: true, value: true };
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(raw)) return { ok: true, value: false };
      return invalid(`strconv.ParseBool: parsing ${goQuote(raw)}: invalid syntax`);
    }
    case 'int': {
      // strconv.ParseInt(s, 0, 64): decimal, 0x, 0o, 0b and underscores between digits.
      const s = raw.replace(/(?<=[0-9a-fA-F])_(?=[0-9a-fA-F])/g, '');
      const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9]\d*)$/.exec(s);
      if (!m) return invalid(`strconv.ParseInt: parsing ${goQuote(raw)}: invalid syntax`);
      const body = m[2]!;
      const n = /^0[0-7]+$/.test(body) ? parseInt(body, 8) : Number(body.replace(/^0[oO]/, '0o'));
      const value = m[1] === '-' ? -n : n;
      if (!Number.isSafeInteger(value)) return invalid(`strconv.ParseInt: parsing ${goQuote(raw)}: value out of range`);
      return { ok: true, value };
    }
    case 'float': {
      const n = Number(raw);
      if (raw.trim() === '' || Number.isNaN(n)) return invalid(`strconv.ParseFloat: parsing ${goQuote(raw)}: invalid syntax`);
      return { ok: true, value: n };
    }
    case 'duration': {
      const d = parseGoDuration(raw);
      return d.ok ? { ok: true, value: d.value } : invalid(d.error);
    }
  }
}

function defaults(spec: FlagSpec): FlagValues {
  const values: FlagValues = {};
  for (const [name, def] of Object.entries(spec)) values[name] = def.default;
  return values;
}

/** pflag with interspersed positionals (cobra's default); `--` ends the flags. */
export function parsePflags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = defaults(spec);
  const positional: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, def] of Object.entries(spec)) if (def.shorthand) byShort.set(def.shorthand, name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const def = spec[name];
      if (!def || name.length === 0) return { ok: false, error: `unknown flag: --${name}` };
      let raw: string;
      if (eq >= 0) raw = arg.slice(eq + 1);
      else if (def.type === 'bool') raw = 'true';
      else if (i + 1 < argv.length) raw = argv[++i]!;
      else return { ok: false, error: `flag needs an argument: --${name}` };
      const v = convert(def, raw, `--${name}`);
      if (!v.ok) return v;
      values[name] = v.value;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // Shorthand cluster: -uR, -p80, -p 80, -p=80.
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j]!;
        const name = byShort.get(c);
        if (!name) return { ok: false, error: `unknown shorthand flag: '${c}' in ${arg}` };
        const def = spec[name]!;
        let raw: string;
        const rest = arg.slice(j + 1);
        if (rest.startsWith('=')) raw = rest.slice(1);
        else if (def.type === 'bool') raw = 'true';
        else if (rest.length > 0) raw = rest;
        else if (i + 1 < argv.length) raw = argv[++i]!;
        else return { ok: false, error: `flag needs an argument: '${c}' in -${c}` };
        const v = convert(def, raw, `-${c}, --${name}`);
        if (!v.ok) return v;
        values[name] = v.value;
        if (rest.length > 0 && (def.type !== 'bool' || rest.startsWith('='))) break;
      }
      continue;
    }
    positional.push(arg);
  }
  return { ok: true, values, positional };
}

/** Go's `flag` package: -name or --name, stops at the first non-flag; bools only take =value. */
export function parseGoFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = defaults(spec);
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body.length === 0 || body.startsWith('-') || body.startsWith('=')) return { ok: false, error: `bad flag syntax: ${arg}` };
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const def = spec[name];
    if (!def) return { ok: false, error: `flag provided but not defined: -${name}` };
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else if (def.type === 'bool') raw = 'true';
    else if (i + 1 < argv.length) raw = argv[++i]!;
    else return { ok: false, error: `flag needs an argument: -${name}` };
    const v = convert(def, raw, `-${name}`);
    if (!v.ok) return { ok: false, error: `invalid value ${goQuote(raw)} for flag -${name}: ${/out of range/.test(v.error) ? 'value out of range' : 'parse error'}` };
    values[name] = v.value;
  }
  return { ok: true, values, positional: argv.slice(i) };
}
