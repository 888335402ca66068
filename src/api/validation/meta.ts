/**
 * ObjectMeta, labels, annotations and label selectors (apimachinery's api/validation and
 * apis/meta/v1/validation), plus the selector matching that workload validation needs.
 */
import { child, forbidden, goQuote, goStringMap, goStringSlice, index, invalid, required, tooLong } from './field-error.js';
import type { FieldError } from './field-error.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue } from './names.js';
import type { NameValidator } from './names.js';
import { arr, isObj, num, obj, str, strMap } from './util.js';

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateLabelName(k: string, path: string): FieldError[] {
  return isQualifiedName(k).map((m) => invalid(path, k, m));
}

/** Errors carry the map's path (not the key's), exactly as Kubernetes reports them. */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(strMap(labels))) {
    errs.push(...validateLabelName(k, path));
    for (const m of isValidLabelValue(str(v))) errs.push(invalid(path, str(v), m));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(strMap(annotations))) {
    // Annotation keys are qualified names except that case does not matter.
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, m));
    size += Buffer.byteLength(k) + Buffer.byteLength(str(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export function validateObjectMeta(meta: unknown, namespaced: boolean, nameFn: NameValidator, path = 'metadata'): FieldError[] {
  const m = obj(meta);
  const errs: FieldError[] = [];
  const name = str(m.name);
  const generateName = str(m.generateName);
  if (generateName) for (const msg of nameFn(generateName, true)) errs.push(invalid(child(path, 'generateName'), generateName, msg));
  if (!name && !generateName) errs.push(required(child(path, 'name'), 'name or generateName is required'));
  else if (name) for (const msg of nameFn(name, false)) errs.push(invalid(child(path, 'name'), name, msg));
  const ns = str(m.namespace);
  if (namespaced) {
    if (!ns) errs.push(required(child(path, 'namespace')));
    else for (const msg of isDNS1123Label(ns)) errs.push(invalid(child(path, 'namespace'), ns, msg));
  } else if (ns) {
    errs.push(forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  if (num(m.generation) < 0) errs.push(invalid(child(path, 'generation'), m.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(m.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(path, 'annotations')));
  return errs;
}

// ---- label selectors ---------------------------------------------------------------------------------

export function validateLabelSelector(selector: unknown, path: string): FieldError[] {
  if (!isObj(selector)) return [];
  const errs = validateLabels(selector.matchLabels, child(path, 'matchLabels'));
  arr(selector.matchExpressions).forEach((raw, i) => {
    const r = obj(raw);
    const p = index(child(path, 'matchExpressions'), i);
    const values = arr(r.values).map(str);
    const op = str(r.operator);
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) errs.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) errs.push(forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(invalid(child(p, 'operator'), op, 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(str(r.key), child(p, 'key')));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(v)) errs.push(invalid(index(child(p, 'values'), j), v, m));
    });
  });
  return errs;
}

/**
 * Whether metav1.LabelSelectorAsSelector would fail: it re-validates every requirement (operator,
 * value count, key and value syntax), and workload validation then skips the template checks.
 */
export function selectorUnparsable(selector: unknown): boolean {
  if (!isObj(selector)) return false;
  for (const [k, v] of Object.entries(strMap(selector.matchLabels))) {
    if (isQualifiedName(k).length || isValidLabelValue(str(v)).length) return true;
  }
  return arr(selector.matchExpressions).some((raw) => {
    const r = obj(raw);
    const values = arr(r.values).map(str);
    const op = str(r.operator);
    if (isQualifiedName(str(r.key)).length || values.some((v) => isValidLabelValue(v).length)) return true;
    if (op === 'In' || op === 'NotIn') return values.length === 0;
    if (op === 'Exists' || op === 'DoesNotExist') return values.length > 0;
    return true;
  });
}

export function selectorIsEmpty(selector: unknown): boolean {
  const s = obj(selector);
  return Object.keys(strMap(s.matchLabels)).length + arr(s.matchExpressions).length === 0;
}

/**
 * metav1.LabelSelectorAsSelector(...).Matches(labels). A nil selector selects nothing and an empty
 * one everything, as in Kubernetes.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return false;
  for (const [k, v] of Object.entries(strMap(selector.matchLabels))) if (labels[k] !== v) return false;
  for (const raw of arr(selector.matchExpressions)) {
    const r = obj(raw);
    const k = str(r.key);
    const values = arr(r.values).map(str);
    const present = Object.prototype.hasOwnProperty.call(labels, k);
    switch (str(r.operator)) {
      case 'In':
        if (!present || !values.includes(labels[k]!)) return false;
        break;
      case 'NotIn':
        if (present && values.includes(labels[k]!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** %#v of a metav1.LabelSelector, as Kubernetes prints it in selector errors. */
export function goLabelSelector(selector: unknown): string {
  const s = obj(selector);
  const ml = s.matchLabels === undefined || s.matchLabels === null ? goStringMap(null) : goStringMap(s.matchLabels);
  const exprs = Array.isArray(s.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions
        .map((raw) => {
          const r = obj(raw);
          const values = Array.isArray(r.values) ? goStringSlice(r.values) : goStringSlice(null);
          return `v1.LabelSelectorRequirement{Key:${goQuote(str(r.key))}, Operator:${goQuote(str(r.operator))}, Values:${values}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${exprs}}`;
}
