/**
 * iptables-restore and iptables-save text. Restore stages every table of the input and commits them
 * together at the end, so a bad line leaves the ruleset untouched (real iptables-restore keeps the
 * tables COMMITted before the error; all-or-nothing is the safer of the two for kube-proxy-like
 * callers, which retry the whole sync). Errors carry the 1-based line number.
 *
 * Modes, as iptables-restore:
 *  - default: each `*table` in the input is flushed entirely (rules gone, user chains deleted) and
 *    rebuilt from the text;
 *  - noflush: only user chains declared with `:CHAIN - [0:0]` are flushed (created if missing); other
 *    chains keep their rules, built-in chains keep theirs and only take the declared policy. This is
 *    how kube-proxy replaces its KUBE-* chains without touching anyone else's.
 */
import { NetfilterError, syntax } from './errors.js';
import { applyCommand, chainOrder } from './command.js';
import { parseRule, tokenize } from './parse-rule.js';
import type { RuleCache } from './rule-cache.js';
import { type Counters, TABLE_NAMES, type TableName, formatRule } from './rules.js';
import type { Ruleset, TableEdit } from './tables.js';

export interface RestoreOptions {
  /** --noflush: see the module comment. */
  noflush?: boolean;
  /** -c: take [packets:bytes] from chain lines and rule prefixes; otherwise counters start at 0. */
  counters?: boolean;
}

const COUNTERS = /^\[(\d+):(\d+)\]$/;

function parseCounters(text: string | undefined): Counters | undefined {
  const m = text === undefined ? null : COUNTERS.exec(text);
  return m === null ? undefined : { packets: Number(m[1]), bytes: Number(m[2]) };
}

export function restore(ruleset: Ruleset, text: string, opts: RestoreOptions = {}): void {
  const noflush = opts.noflush === true;
  const edits = new Map<TableName, TableEdit>();
  let cur: TableEdit | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      if (line.startsWith('*')) {
        if (cur !== undefined) throw syntax(`table "${cur.table.name}" not COMMITted before "${line}"`);
        const name = line.slice(1).trim() as TableName;
        if (!TABLE_NAMES.includes(name)) throw new NetfilterError('ERR_IPT_TABLE', `unknown table "${name}"`);
        cur = edits.get(name) ?? ruleset.edit(name);
        edits.set(name, cur);
        if (!noflush) cur.flushTable();
      } else if (line === 'COMMIT') {
        if (cur === undefined) throw syntax('COMMIT outside a table');
        cur.validate();
        cur = undefined;
      } else if (cur === undefined) {
        throw syntax(`"${line.split(/\s/)[0]}" outside a table (a "*table" line comes first)`);
      } else if (line.startsWith(':')) {
        const [name, policy, counterText, extra] = line.slice(1).trim().split(/\s+/);
        const counters = parseCounters(counterText);
        if (!name || !policy || (counterText !== undefined && !counters) || extra !== undefined) throw syntax(`bad chain line "${line}"`);
        cur.declare(name, policy, opts.counters ? counters : undefined, noflush);
      } else if (line.startsWith('-A ')) {
        append(ruleset.ruleCache(cur.table.name), cur, line);
      } else {
        const tokens = tokenize(line);
        const counters = parseCounters(tokens[0]);
        if (counters) tokens.shift();
        applyCommand(cur, tokens, opts.counters ? counters : undefined);
      }
    } catch (err) {
      if (err instanceof NetfilterError && err.line === undefined) throw new NetfilterError(err.code, err.message, n + 1);
      throw err;
    }
  }
  if (cur !== undefined) throw new NetfilterError('ERR_IPT_SYNTAX', 'COMMIT expected', lines.length);
  ruleset.commit([...edits.values()]);
}

/** A `-A CHAIN rule…` line without counters: parsed once, then taken from the cache (see rule-cache.ts). */
function append(cache: RuleCache, edit: TableEdit, line: string): void {
  const hit = cache.get(line);
  if (hit !== undefined) {
    edit.insert(hit.chain, hit.rule);
    return;
  }
  const tokens = tokenize(line);
  const chain = tokens[1];
  if (chain === undefined || chain.startsWith('-')) {
    applyCommand(edit, tokens); // throws the usual "-A needs a chain name"
    return;
  }
  const rule = parseRule(tokens.slice(2), edit.table.name);
  cache.put(line, { chain, rule });
  edit.insert(chain, rule);
}

export interface SaveOptions {
  /** Tables to print; default every table a restore or command has touched, in that order. */
  tables?: readonly TableName[];
  /** -c: print real counters on chain lines and `[p:b]` before each rule; otherwise chains show [0:0]. */
  counters?: boolean;
}

/** iptables-save: chains built-in first then by name, rules in the canonical argument order. */
export function save(ruleset: Ruleset, opts: SaveOptions = {}): string {
  const out: string[] = [];
  const tables = opts.tables ?? ruleset.usedTables();
  for (const table of tables) {
    const order = chainOrder(ruleset, table);
    out.push(`*${table}`);
    for (const name of order) {
      const c = ruleset.chain(table, name)!;
      const k = opts.counters ? c.counters : { packets: 0, bytes: 0 };
      out.push(`:${name} ${c.builtin ? c.policy : '-'} [${k.packets}:${k.bytes}]`);
    }
    for (const name of order) {
      for (const r of ruleset.chain(table, name)!.rules) {
        const spec = formatRule(r);
        const prefix = opts.counters ? `[${r.counters.packets}:${r.counters.bytes}] ` : '';
        out.push(`${prefix}-A ${name}${spec ? ` ${spec}` : ''}`);
      }
    }
    out.push('COMMIT');
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
