/**
 * Field selectors as kube-apiserver serves them: the grammar of k8s.io/apimachinery/pkg/fields
 * (`=`, `==`, `!=`, comma-separated, `\` escapes in values) and, per resource, the field labels
 * its conversion func accepts and the selectable field set its registry strategy exposes.
 */
import { KemuError } from '../../util/errors.js';

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  readonly field: string;
  /** `==` parses to `=`, as in Kubernetes. */
  readonly operator: FieldOperator;
  readonly value: string;
}

export interface FieldMatcher {
  readonly empty: boolean;
  readonly requirements: readonly FieldRequirement[];
  matches(obj: unknown): boolean;
  /** The value `field` must equal for any match (fields.Selector.RequiresExactMatch), for indexes. */
  requiredValue(field: string): string | undefined;
  toString(): string;
}

type Extract = (obj: any) => string;

/** Fields absent from an object read as "", as fields.Set.Get does. */
const str = (v: unknown): string => (v == null ? '' : String(v));
const NAME: Extract = (o) => str(o?.metadata?.name);
const NAMESPACE: Extract = (o) => str(o?.metadata?.namespace);

interface ResourceFields {
  readonly fields: Readonly<Record<string, Extract>>;
  /** Old field labels the conversion func rewrites (pods: spec.host → spec.nodeName). */
  readonly aliases?: Readonly<Record<string, string>>;
  /**
   * Resources with their own conversion func say "field label not supported"; the others fall
   * back to runtime.DefaultMetaV1FieldSelectorConversion and its different wording.
   */
  readonly customConversion: boolean;
}

const META_ONLY: ResourceFields = {
  fields: { 'metadata.name': NAME, 'metadata.namespace': NAMESPACE },
  customConversion: false,
};

const RESOURCE_FIELDS: Readonly<Record<string, ResourceFields>> = {
  pods: {
    fields: {
      'metadata.name': NAME,
      'metadata.namespace': NAMESPACE,
      'spec.nodeName': (o) => str(o?.spec?.nodeName),
      'spec.restartPolicy': (o) => str(o?.spec?.restartPolicy),
      'spec.schedulerName': (o) => str(o?.spec?.schedulerName),
      'spec.serviceAccountName': (o) => str(o?.spec?.serviceAccountName),
      'spec.hostNetwork': (o) => String(o?.spec?.hostNetwork === true),
      'status.phase': (o) => str(o?.status?.phase),
      // Kubernetes reads the first of status.podIPs; accept a lone podIP too.
      'status.podIP': (o) => str(o?.status?.podIPs?.[0]?.ip ?? o?.status?.podIP),
      'status.nominatedNodeName': (o) => str(o?.status?.nominatedNodeName),
    },
    aliases: { 'spec.host': 'spec.nodeName' },
    customConversion: true,
  },
  // Nodes and namespaces are cluster-scoped: their conversion funcs reject metadata.namespace.
  nodes: {
    fields: { 'metadata.name': NAME, 'spec.unschedulable': (o) => String(o?.spec?.unschedulable === true) },
    customConversion: true,
  },
  namespaces: {
    fields: { 'metadata.name': NAME, 'status.phase': (o) => str(o?.status?.phase) },
    customConversion: true,
  },
  services: {
    fields: {
      'metadata.name': NAME,
      'metadata.namespace': NAMESPACE,
      'spec.clusterIP': (o) => str(o?.spec?.clusterIP),
      'spec.type': (o) => str(o?.spec?.type),
    },
    customConversion: true,
  },
  events: {
    fields: {
      'metadata.name': NAME,
      'metadata.namespace': NAMESPACE,
      'involvedObject.kind': (o) => str(o?.involvedObject?.kind),
      'involvedObject.namespace': (o) => str(o?.involvedObject?.namespace),
      'involvedObject.name': (o) => str(o?.involvedObject?.name),
      'involvedObject.uid': (o) => str(o?.involvedObject?.uid),
      'involvedObject.apiVersion': (o) => str(o?.involvedObject?.apiVersion),
      'involvedObject.resourceVersion': (o) => str(o?.involvedObject?.resourceVersion),
      'involvedObject.fieldPath': (o) => str(o?.involvedObject?.fieldPath),
      reason: (o) => str(o?.reason),
      reportingComponent: (o) => str(o?.reportingComponent),
      // events.k8s.io-style events leave source empty; Kubernetes falls back to the reporter.
      source: (o) => str(o?.source?.component || o?.reportingComponent),
      type: (o) => str(o?.type),
    },
    customConversion: true,
  },
  replicasets: {
    fields: {
      'metadata.name': NAME,
      'metadata.namespace': NAMESPACE,
      'status.replicas': (o) => String(Math.trunc(Number(o?.status?.replicas ?? 0))),
    },
    customConversion: true,
  },
};

function fieldsOf(resource: string): ResourceFields {
  return Object.hasOwn(RESOURCE_FIELDS, resource) ? RESOURCE_FIELDS[resource]! : META_ONLY;
}

/** The field labels `--field-selector` accepts for a resource (by plural name). */
export function selectableFields(resource: string): string[] {
  const rf = fieldsOf(resource);
  return [...Object.keys(rf.fields), ...Object.keys(rf.aliases ?? {})];
}

function bad(message: string): KemuError {
  return new KemuError('ERR_BAD_SELECTOR', message);
}

/** Splits on commas not escaped by a backslash; the backslashes stay for unescapeValue. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** The first operator occurrence splits the term; `!=` and `==` are tried before `=`. */
function splitTerm(term: string): [string, string, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '=']) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw bad(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    // Go prints the rune with %v, i.e. as its number.
    else if (c === ',' || c === '=') throw bad(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw bad('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.EscapeValue. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

interface Term extends FieldRequirement {
  readonly extract: Extract;
}

class Selector implements FieldMatcher {
  constructor(readonly requirements: readonly Term[]) {}

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(obj: unknown): boolean {
    for (const t of this.requirements) {
      if ((t.extract(obj) === t.value) !== (t.operator === '=')) return false;
    }
    return true;
  }

  requiredValue(field: string): string | undefined {
    return this.requirements.find((t) => t.field === field && t.operator === '=')?.value;
  }

  toString(): string {
    return this.requirements.map((t) => `${t.field}${t.operator}${escapeFieldValue(t.value)}`).join(',');
  }
}

/**
 * Parses `?fieldSelector=` for a resource (plural name, e.g. "pods"). Syntax errors come first,
 * then unsupported fields, in the order kube-apiserver reports them. Errors: ERR_BAD_SELECTOR.
 */
export function parseFieldSelector(s: string, resource: string): FieldMatcher {
  // Kubernetes sorts the raw terms first, which fixes both error order and toString() order.
  const parts = splitTerms(s).sort();
  const parsed: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw bad(`invalid selector: '${s}'; can't understand '${part}'`);
    const [field, op, rhs] = split;
    parsed.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeValue(rhs) });
  }
  const rf = fieldsOf(resource);
  const terms = parsed.map((r): Term => {
    const field = rf.aliases && Object.hasOwn(rf.aliases, r.field) ? rf.aliases[r.field]! : r.field;
    if (!Object.hasOwn(rf.fields, field)) {
      throw bad(
        rf.customConversion
          ? `field label not supported: ${r.field}`
          : `${JSON.stringify(r.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    return { field, operator: r.operator, value: r.value, extract: rf.fields[field]! };
  });
  return new Selector(terms);
}
