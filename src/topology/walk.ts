/**
 * Walks a YAML node tree against the schema (schema.ts): reports unknown fields (at the key),
 * wrong types and malformed values (at the value), converts durations/rates/percentages, fills
 * static defaults and records where each field sits. Invalid values are left out of the result
 * so later checks do not pile consequential errors on top.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { isDNS1123Label, isDNS1123Subdomain } from '../api/validation/names.js';
import { parseDuration, parsePercent, parseRate } from './duration.js';
import type { Parsed } from './duration.js';
import { parseCidr, parseIPv4 } from './ipv4.js';
import { parseByteSize } from './size.js';
import type { Reporter } from './reporter.js';
import type { Field, Format, ObjectField } from './schema.js';
import { deref, describeNode, keyText } from './yaml-ast.js';

const A: Record<string, string> = {
  string: 'a string', integer: 'an integer', number: 'a number', boolean: 'a boolean (true or false)',
  object: 'a mapping', variant: 'a mapping', list: 'a list', map: 'a mapping',
};

function formatValue(format: Format, raw: unknown): Parsed<unknown> {
  const s = String(raw);
  switch (format) {
    case 'duration':
      return parseDuration(raw);
    case 'rate':
      return parseRate(raw);
    case 'percent':
      return parsePercent(raw);
    case 'bytes':
      return parseByteSize(raw);
    case 'cidr': {
      const r = parseCidr(s);
      return r.ok ? { ok: true, value: s.trim() } : r;
    }
    case 'ipv4':
      return parseIPv4(s) !== undefined ? { ok: true, value: s } : { ok: false, message: `invalid IPv4 address ${JSON.stringify(s)}` };
    case 'hostport': {
      // "ip" or "ip:port"; a missing port means DNS's 53.
      const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(s);
      const port = m?.[2] === undefined ? 53 : Number(m[2]);
      if (!m || parseIPv4(m[1]!) === undefined || port < 1 || port > 65535) {
        return { ok: false, message: `invalid upstream ${JSON.stringify(s)}: expected "ip" or "ip:port", e.g. 8.8.8.8:53` };
      }
      return { ok: true, value: `${m[1]}:${port}` };
    }
    case 'dns-label':
    case 'dns-subdomain': {
      const msgs = format === 'dns-label' ? isDNS1123Label(s) : isDNS1123Subdomain(s);
      return msgs.length ? { ok: false, message: `invalid name ${JSON.stringify(s)}: ${msgs.join('; ')}` } : { ok: true, value: s };
    }
  }
}

/** Levenshtein distance, for "did you mean" hints on misspelt fields. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

function suggestion(name: string, known: string[]): string {
  const best = known.map((k) => ({ k, d: distance(name, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(1, Math.floor(name.length / 4)) ? ` (did you mean "${best.k}"?)` : '';
}

export class SchemaWalker {
  constructor(
    private readonly doc: Document,
    private readonly r: Reporter,
  ) {}

  /** `node` undefined = the field is absent; a YAML null counts as absent too. */
  walk(field: Field, node: Node | null | undefined, path: string): unknown {
    const n = node === undefined ? undefined : deref(this.doc, node);
    const absent = n === undefined || n === null || (isScalar(n) && n.value === null);
    if (absent) return this.absent(field, path);
    switch (field.type) {
      case 'object':
        return isMap(n) ? this.object(field, n.items as Pair<Node, Node | null>[], path) : this.typeError(field, n, path);
      case 'variant':
        return isMap(n) ? this.variant(field, n.items as Pair<Node, Node | null>[], path) : this.typeError(field, n, path);
      case 'list':
        if (!isSeq(n)) return this.typeError(field, n, path);
        return n.items.map((item, i) => {
          this.r.place(`${path}[${i}]`, null, item as Node);
          return this.walk(field.items, item as Node, `${path}[${i}]`);
        });
      case 'map': {
        if (!isMap(n)) return this.typeError(field, n, path);
        const out: Record<string, unknown> = {};
        for (const p of n.items as Pair<Node, Node | null>[]) {
          const k = keyText(p);
          this.r.place(`${path}[${k}]`, p.key, p.value);
          const v = this.walk(field.values, p.value ?? null, `${path}[${k}]`);
          if (v !== undefined) out[k] = v;
        }
        return out;
      }
      default:
        return isScalar(n) ? this.scalar(field, n.value, path) : this.typeError(field, n, path);
    }
  }

  private absent(field: Field, path: string): unknown {
    if (field.required) {
      const where = parent(path);
      this.r.error(where, 'REQUIRED', `${where ? `${where}: ` : ''}missing required field "${last(path)}"`);
    }
    switch (field.type) {
      case 'object':
        return field.optional ? null : this.object(field, [], path);
      case 'variant':
        return field.default === undefined ? undefined : { [field.discriminator]: field.default, ...this.object(field.variants[field.default]!, [], path) };
      case 'list':
        return field.defaultEmpty ? [] : undefined;
      case 'map':
        return {};
      case 'string':
        return field.default === undefined ? undefined : field.format ? this.format(field.format, field.default, path) : field.default;
      default:
        return field.default;
    }
  }

  private object(field: ObjectField, pairs: Pair<Node, Node | null>[], path: string, variantOf?: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const byName = new Map<string, Pair<Node, Node | null>>();
    for (const p of pairs) {
      const k = keyText(p);
      const fp = path ? `${path}.${k}` : k;
      this.r.place(fp, p.key, p.value);
      // Own properties only: a key such as "constructor" is not a field.
      if (Object.hasOwn(field.fields, k)) byName.set(k, p);
      else {
        const known = Object.keys(field.fields);
        const hint = variantOf ? `: not a ${variantOf} setting (${variantOf} fields: ${known.join(', ')})` : suggestion(k, known);
        this.r.error(fp, 'UNKNOWN_FIELD', `unknown field "${fp}"${hint}`, 'key');
      }
    }
    for (const [k, f] of Object.entries(field.fields)) {
      const p = byName.get(k);
      const v = this.walk(f, p ? p.value ?? null : undefined, path ? `${path}.${k}` : k);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }

  private variant(field: Extract<Field, { type: 'variant' }>, pairs: Pair<Node, Node | null>[], path: string): unknown {
    const disc = pairs.find((p) => keyText(p) === field.discriminator);
    const dv = disc && isScalar(disc.value) && disc.value.value !== null ? disc.value.value : field.default;
    if (dv === undefined) {
      // No default: the discriminator must be written (a scenario step says which step it is).
      this.r.error(path, 'REQUIRED', `${path}: missing required field "${field.discriminator}" (one of: ${Object.keys(field.variants).join(', ')})`);
      this.r.markInvalid(path);
      return undefined;
    }
    const chosen = typeof dv === 'string' && Object.hasOwn(field.variants, dv) ? field.variants[dv] : undefined;
    if (!chosen) {
      const dp = `${path}.${field.discriminator}`;
      this.r.place(dp, disc?.key ?? null, disc?.value ?? null);
      const supported = Object.keys(field.variants).join(', ');
      this.r.error(dp, 'BAD_VALUE', `${dp}: unknown ${field.enumNoun} ${JSON.stringify(dv)} (supported: ${supported})`);
      this.r.markInvalid(path);
      return undefined;
    }
    return { [field.discriminator]: dv, ...this.object(chosen, pairs, path, String(dv)) };
  }

  private scalar(field: Field, v: unknown, path: string): unknown {
    if (field.type === 'string') {
      // Unit-bearing formats take numbers too, so the parser can say which unit is missing.
      const unitFormat = field.format === 'duration' || field.format === 'rate' || field.format === 'percent' || field.format === 'bytes';
      if (typeof v !== 'string' && !(unitFormat && typeof v === 'number')) return this.wrongScalar(field, v, path);
      if (field.enum && !field.enum.includes(v as string)) {
        this.r.error(path, 'BAD_VALUE', `${path}: unknown ${field.enumNoun} ${JSON.stringify(v)} (supported: ${field.enum.join(', ')})`);
        this.r.markInvalid(path);
        return undefined;
      }
      return field.format ? this.format(field.format, v, path) : v;
    }
    if (field.type === 'boolean') return typeof v === 'boolean' ? v : this.wrongScalar(field, v, path);
    if (typeof v !== 'number' || (field.type === 'integer' && !Number.isInteger(v))) return this.wrongScalar(field, v, path);
    if (field.type === 'integer') {
      const { min, max } = field;
      if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
        const range = max === undefined ? `at least ${min}` : `between ${min} and ${max}`;
        this.r.error(path, 'BAD_VALUE', `${path}: must be ${range}, got ${v}`);
        this.r.markInvalid(path);
        return undefined;
      }
    }
    return v;
  }

  private format(format: Format, raw: unknown, path: string): unknown {
    const r = formatValue(format, raw);
    if (r.ok) return r.value;
    this.r.error(path, format === 'cidr' ? 'BAD_CIDR' : 'BAD_VALUE', `${path}: ${r.message}`);
    this.r.markInvalid(path);
    return undefined;
  }

  private wrongScalar(field: Field, v: unknown, path: string): undefined {
    const got = typeof v === 'string' ? `the string ${JSON.stringify(v)}` : typeof v === 'number' ? `the number ${v}` : `the ${typeof v} ${String(v)}`;
    this.r.error(path, 'WRONG_TYPE', `${path}: expected ${A[field.type]}, got ${got}`);
    this.r.markInvalid(path);
    return undefined;
  }

  private typeError(field: Field, n: Node, path: string): undefined {
    this.r.error(path, 'WRONG_TYPE', `${path}: expected ${A[field.type]}, got ${describeNode(this.doc, n)}`);
    this.r.markInvalid(path);
    return undefined;
  }
}

function last(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}
function parent(path: string): string {
  const i = path.lastIndexOf('.');
  return i < 0 ? '' : path.slice(0, i);
}
