/**
 * Label selectors with the semantics of k8s.io/apimachinery/pkg/labels: the string grammar kubectl
 * sends in `?labelSelector=` (parsed by ./label-parser.ts) and the metav1.LabelSelector objects that
 * ReplicaSets, Deployments and Services carry. Matching is on the hot path of every controller, so
 * a selector is compiled once and `matches` allocates nothing (Gt/Lt aside).
 */
import { KemuError } from '../../util/errors.js';
import type { LabelSelector } from '../types.js';
import { aggregate, invalidValue, isQualifiedName, isValidLabelValue } from './validation.js';

/** selection.Operator values, spelled as Kubernetes spells them. */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | null | undefined;

export interface LabelMatcher {
  /** True when the selector has no requirements and so matches everything (labels.Everything). */
  readonly empty: boolean;
  /** Sorted by key, as Kubernetes keeps them. */
  readonly requirements: readonly LabelRequirement[];
  matches(labels: Labels): boolean;
  /** The value `key` must equal for any match (a `=`, `==` or single-value `in`), so callers can index. */
  requiredValue(key: string): string | undefined;
  /** The canonical form kube-apiserver would print. */
  toString(): string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64). */
export function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

export class Requirement implements LabelRequirement {
  /** The only value, compared directly: the common `app=web` case needs no Set lookup. */
  private readonly one: string | undefined;
  private readonly set: ReadonlySet<string> | undefined;
  private readonly bound: bigint | undefined;

  constructor(
    readonly key: string,
    readonly operator: LabelOperator,
    readonly values: readonly string[],
  ) {
    this.one = values.length === 1 ? values[0] : undefined;
    this.set = values.length > 1 ? new Set(values) : undefined;
    this.bound = values.length === 1 ? parseInt64(values[0]!) : undefined;
  }

  private contains(v: unknown): boolean {
    return this.set !== undefined ? typeof v === 'string' && this.set.has(v) : v === this.one;
  }

  matches(labels: Labels): boolean {
    const has = labels != null && Object.hasOwn(labels, this.key);
    switch (this.operator) {
      case '=':
      case '==':
      case 'in':
        return has && this.contains(labels![this.key]);
      case '!=':
      case 'notin':
        return !has || !this.contains(labels![this.key]);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || this.bound === undefined) return false;
        const v = parseInt64(String(labels![this.key]));
        if (v === undefined) return false;
        return this.operator === 'gt' ? v > this.bound : v < this.bound;
      }
    }
  }

  toString(): string {
    const prefix = this.operator === '!' ? '!' : '';
    const key = `${prefix}${this.key}`;
    if (this.operator === 'exists' || this.operator === '!') return key;
    // Sort a copy for printing only, as Kubernetes does (the stored order is left alone).
    const vals = this.values.length === 1 ? this.values[0]! : [...this.values].sort().join(',');
    switch (this.operator) {
      case 'in':
        return `${key} in (${vals})`;
      case 'notin':
        return `${key} notin (${vals})`;
      case 'gt':
        return `${key}>${vals}`;
      case 'lt':
        return `${key}<${vals}`;
      default:
        return `${key}${this.operator}${vals}`;
    }
  }
}

class Selector implements LabelMatcher {
  readonly requirements: readonly Requirement[];

  constructor(requirements: Requirement[]) {
    // Stable sort by key, byte order (Go sorts strings bytewise; keys are ASCII).
    this.requirements = requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Labels): boolean {
    const reqs = this.requirements;
    for (let i = 0; i < reqs.length; i++) if (!reqs[i]!.matches(labels)) return false;
    return true;
  }

  requiredValue(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    }
    return undefined;
  }

  toString(): string {
    return this.requirements.map((r) => r.toString()).join(',');
  }
}

/** labels.Everything(): matches all objects. */
export const EVERYTHING: LabelMatcher = new Selector([]);

/** labels.Nothing(): what a nil *metav1.LabelSelector means; matches no object. */
export const NOTHING: LabelMatcher = Object.freeze({
  empty: false,
  requirements: [],
  matches: () => false,
  requiredValue: () => undefined,
  toString: () => '',
});

/**
 * labels.NewRequirement: validates key, operator arity and values. Returns the error text rather
 * than throwing so the parser can prefix it the way Kubernetes does.
 */
export function newRequirement(key: string, op: LabelOperator, values: readonly string[]): Requirement | string {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(invalidValue('key', key, keyErrs.join('; ')));
  switch (op) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalidValue('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidValue('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalidValue('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalidValue('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(invalidValue(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length) errs.push(invalidValue(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  return errs.length ? aggregate(errs) : new Requirement(key, op, values);
}

export function selectorFromRequirements(requirements: Requirement[]): LabelMatcher {
  return new Selector(requirements);
}

const OPERATORS: Readonly<Record<string, LabelOperator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector: a nil selector selects nothing, an empty one everything; keys,
 * operators and values are validated (errors are KemuError ERR_BAD_SELECTOR).
 */
export function labelSelectorFromObject(sel: LabelSelector | null | undefined): LabelMatcher {
  if (sel == null) return NOTHING;
  const cached = compiled.get(sel);
  if (cached) return cached;
  const reqs: Requirement[] = [];
  const add = (r: Requirement | string) => {
    if (typeof r === 'string') throw new KemuError('ERR_BAD_SELECTOR', r);
    reqs.push(r);
  };
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) add(newRequirement(k, '=', [v]));
  for (const expr of sel.matchExpressions ?? []) {
    const op = Object.hasOwn(OPERATORS, expr.operator) ? OPERATORS[expr.operator] : undefined;
    if (op === undefined) {
      throw new KemuError('ERR_BAD_SELECTOR', `${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    }
    add(newRequirement(expr.key, op, [...(expr.values ?? [])]));
  }
  // Only a deeply frozen selector is remembered: its matchLabels and expressions cannot change.
  const frozen = Object.isFrozen(sel.matchLabels ?? sel) && (sel.matchExpressions ?? []).every((e) => Object.isFrozen(e) && Object.isFrozen(e.values ?? e));
  const matcher = reqs.length === 0 ? EVERYTHING : new Selector(reqs);
  return frozen ? remember(sel, matcher) : matcher;
}

/**
 * labels.SelectorFromSet: equality on every pair, as a Service's spec.selector means. Like
 * Kubernetes it does not validate (the set was validated when its object was admitted).
 */
export function selectorFromSet(set: Readonly<Record<string, string>> | null | undefined): LabelMatcher {
  if (set == null) return EVERYTHING;
  const cached = compiled.get(set);
  if (cached) return cached;
  const reqs = Object.keys(set).map((k) => new Requirement(k, '=', [set[k]!]));
  return remember(set, reqs.length === 0 ? EVERYTHING : new Selector(reqs));
}

/**
 * Selectors compiled from frozen objects (the API's stored objects, shared by every informer),
 * which cannot change: each is compiled once however many syncs ask for it. Matchers are
 * immutable, so sharing one is safe.
 */
const compiled = new WeakMap<object, LabelMatcher>();

function remember(source: object, matcher: LabelMatcher): LabelMatcher {
  if (Object.isFrozen(source)) compiled.set(source, matcher);
  return matcher;
}
