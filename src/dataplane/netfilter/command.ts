/**
 * iptables commands: the rule-editing verbs shared by iptables-restore lines and single `iptables`
 * invocations (-A -I -D -R -N -X -F -P -Z, and -C / -S for single invocations).
 */
import { NetfilterError, syntax, unsupported } from './errors.js';
import { parseRule, tokenize } from './parse-rule.js';
import { BUILTIN_CHAINS, type Counters, type Rule, TABLE_NAMES, type TableName, formatRule } from './rules.js';
import type { Ruleset, TableEdit } from './tables.js';

const ALIASES: Readonly<Record<string, string>> = {
  '--append': '-A', '--insert': '-I', '--delete': '-D', '--replace': '-R', '--new-chain': '-N', '--new': '-N',
  '--delete-chain': '-X', '--flush': '-F', '--policy': '-P', '--zero': '-Z', '--check': '-C', '--list-rules': '-S',
  '--list': '-L',
};

const isNumber = (s: string | undefined): s is string => s !== undefined && /^\d+$/.test(s);

/**
 * Applies one command (tokens, e.g. ['-A', 'KUBE-SERVICES', '-d', ...]) to a table edit. Returns the
 * -C answer (true for every other command). `counters` is a restore line's [packets:bytes] prefix.
 */
export function applyCommand(e: TableEdit, tokens: readonly string[], counters?: Counters): boolean {
  const [first, ...rest] = tokens;
  const cmd = first === undefined ? undefined : (ALIASES[first] ?? first);
  const table = e.table.name;
  const rule = (args: readonly string[]): Rule => {
    const r = parseRule(args, table);
    if (counters) r.counters = { ...counters };
    return r;
  };
  const chain = (): string => {
    const c = rest.shift();
    if (c === undefined || c.startsWith('-')) throw syntax(`${first} needs a chain name`);
    return c;
  };
  const optionalChain = (): string | undefined => (rest.length === 0 ? undefined : chain());
  const noMore = (): void => {
    if (rest.length > 0) throw syntax(`unexpected argument "${rest[0]}"`);
  };
  switch (cmd) {
    case '-A': { const c = chain(); e.insert(c, rule(rest)); return true; }
    case '-I': {
      const c = chain();
      const pos = isNumber(rest[0]) ? Number(rest.shift()) : 1;
      e.insert(c, rule(rest), pos);
      return true;
    }
    case '-D': {
      const c = chain();
      if (isNumber(rest[0]) && rest.length === 1) e.deleteRule(c, Number(rest[0]));
      else e.deleteRule(c, rule(rest));
      return true;
    }
    case '-R': {
      const c = chain();
      if (!isNumber(rest[0])) throw syntax('-R needs a rule number');
      const pos = Number(rest.shift());
      e.replace(c, pos, rule(rest));
      return true;
    }
    case '-C': { const c = chain(); return e.check(c, rule(rest)); }
    case '-N': { const c = chain(); noMore(); e.newChain(c); return true; }
    case '-X': { const c = optionalChain(); noMore(); e.deleteChain(c); return true; }
    case '-F': { const c = optionalChain(); noMore(); e.flush(c); return true; }
    case '-Z': { const c = optionalChain(); noMore(); e.zero(c); return true; }
    case '-P': {
      const c = chain();
      const policy = rest.shift();
      if (policy === undefined) throw syntax('-P needs a policy');
      noMore();
      e.setPolicy(c, policy);
      return true;
    }
    case '-t': case '--table': throw syntax('"-t" is not allowed here (the table is given by "*table")');
    case '-L': throw unsupported('"-L" (use -S, or Ruleset.listRules for counters)');
    case undefined: throw syntax('empty command');
    default: throw syntax(`unknown command "${first}"`);
  }
}

export interface CommandResult {
  /** 0 success; 1 for -C when the rule does not exist (errors throw NetfilterError instead). */
  exitCode: 0 | 1;
  output: string;
}

/** Chains of a table in iptables-save order: built-in ones first, then user chains by name. */
export function chainOrder(ruleset: Ruleset, table: TableName): string[] {
  const chains = ruleset.table(table).chains;
  const builtin = BUILTIN_CHAINS[table] as readonly string[];
  const user = [...chains.keys()].filter((n) => !builtin.includes(n)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [...builtin, ...user];
}

/** One `iptables ...` invocation, e.g. iptables(rs, '-t nat -C POSTROUTING -j KUBE-POSTROUTING'). */
export function iptables(ruleset: Ruleset, args: string | readonly string[]): CommandResult {
  const tokens = typeof args === 'string' ? tokenize(args) : [...args];
  let table: TableName = 'filter';
  const t = tokens.findIndex((x) => x === '-t' || x === '--table');
  if (t >= 0) {
    const name = tokens[t + 1];
    if (!TABLE_NAMES.includes(name as TableName)) throw new NetfilterError('ERR_IPT_TABLE', `unknown table "${name ?? ''}"`);
    table = name as TableName;
    tokens.splice(t, 2);
  }
  const cmd = tokens[0] === undefined ? undefined : (ALIASES[tokens[0]] ?? tokens[0]);
  if (cmd === '-S') {
    const only = tokens[1];
    const lines: string[] = [];
    for (const name of only === undefined ? chainOrder(ruleset, table) : [only]) {
      const c = ruleset.chain(table, name);
      if (c === undefined) throw new NetfilterError('ERR_IPT_NO_CHAIN', `chain ${name} does not exist in table ${table}`);
      lines.push(c.builtin ? `-P ${name} ${c.policy}` : `-N ${name}`);
      for (const r of c.rules) lines.push(`-A ${name}${formatRule(r) ? ` ${formatRule(r)}` : ''}`);
    }
    return { exitCode: 0, output: lines.map((l) => `${l}\n`).join('') };
  }
  if (cmd === '-C') {
    const e = ruleset.edit(table);
    return { exitCode: applyCommand(e, tokens) ? 0 : 1, output: '' };
  }
  ruleset.apply(table, (e) => applyCommand(e, tokens));
  return { exitCode: 0, output: '' };
}
