/**
 * The iptables tables of one namespace: chains of rules, edited copy-on-write. Every change goes
 * through a TableEdit, which copies the chain map and each chain it touches, checks what iptables
 * checks (jump targets exist, no loops, a chain is deleted only when empty and unreferenced) and
 * is committed atomically — so an iptables-restore either applies whole or not at all, and chains it
 * did not touch keep their identity (and their compiled form and counters).
 */
import { NetfilterError } from './errors.js';
import { parseRule, tokenize } from './parse-rule.js';
import { RuleCache } from './rule-cache.js';
import { BUILTIN_CHAINS, type Counters, type Rule, TABLE_NAMES, type TableName, formatRule } from './rules.js';

export type Policy = 'ACCEPT' | 'DROP';

export interface Chain {
  readonly name: string;
  readonly builtin: boolean;
  /** Built-in chains only. */
  readonly policy: Policy | undefined;
  readonly rules: readonly Rule[];
  /** Packets that fell off a built-in chain and took its policy. */
  readonly counters: Counters;
}

type MutableChain = { -readonly [K in keyof Chain]: K extends 'rules' ? Rule[] : Chain[K] };

export interface TableState {
  readonly name: TableName;
  chains: ReadonlyMap<string, Chain>;
  /** Number of rules jumping to each user chain. */
  refs: ReadonlyMap<string, number>;
  /** Of those, rules in user chains: only a chain some user chain jumps to can be on a loop. */
  userRefs: ReadonlyMap<string, number>;
  /** Bumped on every commit: compiled jumps re-resolve their target chain by name when it moves. */
  gen: number;
}

const RESERVED = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE', 'REJECT', 'MARK', 'DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT']);

function chainError(code: 'ERR_IPT_NO_CHAIN' | 'ERR_IPT_CHAIN_EXISTS' | 'ERR_IPT_CHAIN_IN_USE', msg: string): NetfilterError {
  return new NetfilterError(code, msg);
}

/**
 * A map seen through the changes of one edit: reads fall through to the table's map, writes stay in
 * the overlay (undefined = deleted) until commit writes them into the table's map. A kube-proxy
 * restore touches a few chains of tens of thousands; copying the whole map per restore cost more
 * than the restore itself.
 */
class Overlay<V> {
  private readonly changes = new Map<string, V | undefined>();
  private cleared = false;

  constructor(private readonly base: ReadonlyMap<string, V>) {}

  get(key: string): V | undefined {
    if (this.changes.has(key)) return this.changes.get(key);
    return this.cleared ? undefined : this.base.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    this.changes.set(key, value);
  }

  delete(key: string): void {
    this.changes.set(key, undefined);
  }

  /** Forgets every entry of the base (and every change so far). */
  clear(): void {
    this.cleared = true;
    this.changes.clear();
  }

  *entries(): IterableIterator<[string, V]> {
    if (!this.cleared) for (const [k, v] of this.base) if (!this.changes.has(k)) yield [k, v];
    for (const [k, v] of this.changes) if (v !== undefined) yield [k, v];
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  /** Writes the changes into `target` (the base itself, owned by the table). */
  applyTo(target: Map<string, V>): void {
    if (this.cleared) target.clear();
    for (const [k, v] of this.changes) {
      if (v === undefined) target.delete(k);
      else target.set(k, v);
    }
  }
}

export class TableEdit {
  private readonly chains: Overlay<Chain>;
  private readonly refs: Overlay<number>;
  private readonly userRefs: Overlay<number>;
  private readonly owned = new Set<string>();
  /** Chains that gained a jump in this edit: a new loop, if any, goes through one of them. */
  private readonly jumpSources = new Set<string>();

  constructor(readonly table: TableState) {
    this.chains = new Overlay(table.chains);
    this.refs = new Overlay(table.refs);
    this.userRefs = new Overlay(table.userRefs);
  }

  chain(name: string): Chain | undefined {
    return this.chains.get(name);
  }

  /** iptables-restore without --noflush: every chain emptied, every user chain gone. */
  flushTable(): void {
    for (const c of [...this.chains.values()]) {
      if (c.builtin) this.writable(c.name).rules = [];
      else this.chains.delete(c.name);
    }
    this.refs.clear();
    this.userRefs.clear();
    this.jumpSources.clear();
  }

  /** A `:NAME POLICY [p:b]` line. Under --noflush an existing user chain is flushed, a new one created. */
  declare(name: string, policy: string, counters: Counters | undefined, noflush: boolean): void {
    const existing = this.chains.get(name);
    if (existing?.builtin) {
      if (policy === '-') throw new NetfilterError('ERR_IPT_SYNTAX', `built-in chain ${name} needs a policy`);
      this.setPolicy(name, policy, counters);
      return;
    }
    if (policy !== '-') throw new NetfilterError('ERR_IPT_SYNTAX', `cannot set policy "${policy}" on user-defined chain ${name}`);
    if (existing && noflush) this.flush(name);
    else this.newChain(name);
  }

  newChain(name: string): void {
    if (this.chains.has(name)) throw chainError('ERR_IPT_CHAIN_EXISTS', `chain ${name} already exists`);
    if (name.length === 0 || name.length > 28 || name.startsWith('-') || name === '!' || RESERVED.has(name) || /\s/.test(name)) {
      throw new NetfilterError('ERR_IPT_SYNTAX', `invalid chain name "${name}"`);
    }
    this.chains.set(name, { name, builtin: false, policy: undefined, rules: [], counters: { packets: 0, bytes: 0 } });
    this.owned.add(name);
  }

  /** -X [NAME]: without a name, every user chain. */
  deleteChain(name?: string): void {
    if (name === undefined) {
      for (const c of [...this.chains.values()]) if (!c.builtin) this.deleteChain(c.name);
      return;
    }
    const c = this.get(name);
    if (c.builtin) throw chainError('ERR_IPT_CHAIN_IN_USE', `cannot delete built-in chain ${name}`);
    if ((this.refs.get(name) ?? 0) > 0) throw chainError('ERR_IPT_CHAIN_IN_USE', `chain ${name} is still referenced`);
    if (c.rules.length > 0) throw chainError('ERR_IPT_CHAIN_IN_USE', `chain ${name} is not empty`);
    this.chains.delete(name);
    this.refs.delete(name);
    this.userRefs.delete(name);
  }

  /** -F [NAME]: without a name, every chain of the table. */
  flush(name?: string): void {
    const names = name === undefined ? [...this.chains.keys()] : [this.get(name).name];
    for (const n of names) {
      const c = this.writable(n);
      for (const r of c.rules) this.unref(c, r);
      c.rules = [];
    }
  }

  setPolicy(name: string, policy: string, counters?: Counters): void {
    const c = this.get(name);
    if (!c.builtin) throw new NetfilterError('ERR_IPT_SYNTAX', `cannot set a policy on user-defined chain ${name}`);
    if (policy !== 'ACCEPT' && policy !== 'DROP') throw new NetfilterError('ERR_IPT_SYNTAX', `bad policy "${policy}" (ACCEPT or DROP)`);
    const w = this.writable(name);
    w.policy = policy;
    if (counters) w.counters = { ...counters };
  }

  /** -A, or -I at 1-based `position`. */
  insert(name: string, rule: Rule, position?: number): void {
    const c = this.writable(name);
    const at = position === undefined ? c.rules.length : position - 1;
    if (at < 0 || at > c.rules.length) throw new NetfilterError('ERR_IPT_BAD_RULE', `index of insertion too big in chain ${name}`);
    this.ref(c, rule);
    if (at === c.rules.length) c.rules.push(rule);
    else c.rules.splice(at, 0, rule);
  }

  /** -D by rule (first rule with the same canonical text) or by 1-based number. */
  deleteRule(name: string, which: Rule | number): void {
    const c = this.writable(name);
    const at = typeof which === 'number' ? which - 1 : this.indexOf(c, which);
    if (at < 0 || at >= c.rules.length) throw new NetfilterError('ERR_IPT_BAD_RULE', `bad rule (does a matching rule exist in chain ${name}?)`);
    this.unref(c, c.rules[at]!);
    c.rules.splice(at, 1);
  }

  /** -R: replaces rule number `position`. */
  replace(name: string, position: number, rule: Rule): void {
    this.deleteRule(name, position);
    this.insert(name, rule, position);
  }

  /** -C. */
  check(name: string, rule: Rule): boolean {
    return this.indexOf(this.get(name), rule) >= 0;
  }

  /** -Z [NAME]. */
  zero(name?: string): void {
    // Counters are shared by every version of a chain, so they are zeroed in place, as the kernel does.
    for (const c of name === undefined ? [...this.chains.values()] : [this.get(name)]) {
      for (const counters of [c.counters, ...c.rules.map((r) => r.counters)]) {
        counters.packets = 0;
        counters.bytes = 0;
      }
    }
  }

  /** Checks what can only be checked on the whole table (no jump loops), as iptables-restore does at COMMIT. */
  validate(): void {
    this.checkLoops();
    this.jumpSources.clear();
  }

  /** Validates and makes the result the table's state. */
  commit(): void {
    this.validate();
    const t = this.table;
    this.chains.applyTo(t.chains as Map<string, Chain>);
    this.refs.applyTo(t.refs as Map<string, number>);
    this.userRefs.applyTo(t.userRefs as Map<string, number>);
    t.gen++;
  }

  private get(name: string): Chain {
    const c = this.chains.get(name);
    if (c === undefined) throw chainError('ERR_IPT_NO_CHAIN', `chain ${name} does not exist in table ${this.table.name}`);
    return c;
  }

  private writable(name: string): MutableChain {
    const c = this.get(name);
    if (this.owned.has(name)) return c as MutableChain;
    const copy: MutableChain = { ...c, rules: [...c.rules] };
    this.chains.set(name, copy);
    this.owned.add(name);
    return copy;
  }

  private indexOf(c: Chain, rule: Rule): number {
    const text = formatRule(rule);
    return c.rules.findIndex((r) => formatRule(r) === text);
  }

  private ref(from: Chain, rule: Rule): void {
    const t = rule.target;
    if (t.kind !== 'jump' && t.kind !== 'goto') return;
    const target = this.chains.get(t.chain);
    if (target === undefined) throw chainError('ERR_IPT_NO_CHAIN', `couldn't load target "${t.chain}": no such chain in table ${this.table.name}`);
    if (target.builtin) throw new NetfilterError('ERR_IPT_SYNTAX', `cannot jump to built-in chain ${t.chain}`);
    this.refs.set(t.chain, (this.refs.get(t.chain) ?? 0) + 1);
    if (!from.builtin) this.userRefs.set(t.chain, (this.userRefs.get(t.chain) ?? 0) + 1);
    this.jumpSources.add(from.name);
  }

  private unref(from: Chain, rule: Rule): void {
    const t = rule.target;
    if (t.kind !== 'jump' && t.kind !== 'goto') return;
    this.refs.set(t.chain, (this.refs.get(t.chain) ?? 1) - 1);
    if (!from.builtin) this.userRefs.set(t.chain, (this.userRefs.get(t.chain) ?? 1) - 1);
  }

  /**
   * Depth-first search over jumps; a back edge is a loop (iptables' ELOOP). The table had no loop
   * before this edit, so a new one contains a jump added now, from a chain that some user chain
   * jumps to (built-in chains cannot be jumped to, so cannot be on a loop): the search starts only
   * from those. A kube-proxy restore rewrites KUBE-SERVICES (jumped to from built-ins only) and a
   * few service chains, so it searches a few chains rather than all of them.
   */
  private checkLoops(): void {
    const state = new Map<string, 1 | 2>(); // 1 on the path, 2 done
    const visit = (name: string): void => {
      state.set(name, 1);
      for (const r of this.chains.get(name)?.rules ?? []) {
        const t = r.target;
        if (t.kind !== 'jump' && t.kind !== 'goto') continue;
        const s = state.get(t.chain);
        if (s === 1) throw new NetfilterError('ERR_IPT_LOOP', `jump from ${name} to ${t.chain} makes a loop`);
        if (s === undefined) visit(t.chain);
      }
      state.set(name, 2);
    };
    for (const name of this.jumpSources) {
      if (!state.has(name) && this.chains.has(name) && (this.userRefs.get(name) ?? 0) > 0) visit(name);
    }
  }
}

export class Ruleset {
  private readonly tables = {} as Record<TableName, TableState>;
  private readonly loaded: TableName[] = [];
  private readonly ruleCaches = new Map<TableName, RuleCache>();
  /** Bumped on every commit, so users of the ruleset notice changes with one comparison. */
  version = 0;

  constructor() {
    for (const name of TABLE_NAMES) {
      const chains = new Map<string, Chain>();
      for (const c of BUILTIN_CHAINS[name]) chains.set(c, { name: c, builtin: true, policy: 'ACCEPT', rules: [], counters: { packets: 0, bytes: 0 } });
      this.tables[name] = { name, chains, refs: new Map(), userRefs: new Map(), gen: 0 };
    }
  }

  table(name: TableName): TableState {
    const t = this.tables[name];
    if (t === undefined) throw new NetfilterError('ERR_IPT_TABLE', `no table "${name}"`);
    return t;
  }

  /** Parsed restore lines of a table (restore's cache; see rule-cache.ts). */
  ruleCache(name: TableName): RuleCache {
    let c = this.ruleCaches.get(name);
    if (c === undefined) {
      c = new RuleCache();
      this.ruleCaches.set(name, c);
    }
    return c;
  }

  edit(name: TableName): TableEdit {
    return new TableEdit(this.table(name));
  }

  /** Commits edits of several tables together (all were checked by building them). */
  commit(edits: readonly TableEdit[]): void {
    for (const e of edits) {
      e.commit();
      if (!this.loaded.includes(e.table.name)) this.loaded.push(e.table.name);
    }
    this.version++;
  }

  /** Tables in the order first used, as the kernel lists loaded tables (iptables-save's order). */
  usedTables(): readonly TableName[] {
    return this.loaded;
  }

  /** Runs one edit operation and commits it: the single-command path (`iptables -A ...`). */
  apply<T>(table: TableName, op: (e: TableEdit) => T): T {
    const e = this.edit(table);
    const result = op(e);
    this.commit([e]);
    return result;
  }

  /** Convenience for code and tests: appends a rule given as iptables arguments or as a Rule. */
  append(table: TableName, chain: string, rule: string | Rule): void {
    const r = typeof rule === 'string' ? parseRule(tokenize(rule), table) : rule;
    this.apply(table, (e) => e.insert(chain, r));
  }

  chain(table: TableName, name: string): Chain | undefined {
    return this.table(table).chains.get(name);
  }

  /** Rules of a chain with their counters, as `iptables -L CHAIN -v` lists them. */
  listRules(table: TableName, chain: string): Array<{ rule: string; packets: number; bytes: number }> {
    const c = this.chain(table, chain);
    if (c === undefined) throw chainError('ERR_IPT_NO_CHAIN', `chain ${chain} does not exist in table ${table}`);
    return c.rules.map((r) => ({ rule: formatRule(r), packets: r.counters.packets, bytes: r.counters.bytes }));
  }
}
