/** Namespace, ConfigMap, Node, Lease and Event validation. */
import { child, duplicate, goQuote, index, invalid, key, required, tooLong } from './field-error.js';
import type { FieldError } from './field-error.js';
import { validateLabelName, validateObjectMeta } from './meta.js';
import { validateTaintEffect } from './pod.js';
import { isCIDR, isConfigMapKey, isValidLabelValue, nameIsDNSLabel, nameIsDNSSubdomain, VALID_CIDR_MSG } from './names.js';
import { arr, has, isObj, num, obj, str, strMap } from './util.js';

const MAX_CONFIGMAP_BYTES = 1024 * 1024;

export function validateNamespace(ns: Record<string, unknown>): FieldError[] {
  return validateObjectMeta(ns.metadata, false, nameIsDNSLabel);
}

export function validateConfigMap(cm: Record<string, unknown>): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, true, nameIsDNSSubdomain);
  const data = strMap(cm.data);
  const binary = strMap(cm.binaryData);
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key('data', k), k, m));
    if (Object.prototype.hasOwnProperty.call(binary, k)) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(str(v));
  }
  for (const [k, v] of Object.entries(binary)) {
    for (const m of isConfigMapKey(k)) errs.push(invalid(key('binaryData', k), k, m));
    size += Buffer.from(str(v), 'base64').length;
  }
  // Kubernetes reports the size on the whole object (an empty field path).
  if (size > MAX_CONFIGMAP_BYTES) errs.push(tooLong('', MAX_CONFIGMAP_BYTES));
  return errs;
}

/** Node taints; also used by the topology loader for spec.nodes[].taints. */
export function validateTaints(taints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(taints).forEach((raw, i) => {
    const t = obj(raw);
    const p = index(path, i);
    const k = str(t.key);
    const value = str(t.value);
    const effect = str(t.effect);
    errs.push(...validateLabelName(k, child(p, 'key')));
    const msgs = isValidLabelValue(value);
    if (msgs.length) errs.push(invalid(child(p, 'value'), value, msgs.join(';')));
    errs.push(...validateTaintEffect(effect, false, child(p, 'effect')));
    const id = `${effect}\u0000${k}`;
    if (seen.has(id)) {
      const go = `core.Taint{Key:${goQuote(k)}, Value:${goQuote(value)}, Effect:${goQuote(effect)}, TimeAdded:(*v1.Time)(nil)}`;
      errs.push({ ...duplicate(p, t, go), message: 'taints must be unique by key and effect pair' });
      return;
    }
    seen.add(id);
  });
  return errs;
}

/** Node podCIDRs as the API server sees them after syncing the legacy podCIDR field. */
export function nodePodCIDRs(spec: Record<string, unknown>): string[] {
  const cidrs = arr(spec.podCIDRs).map(str);
  if (cidrs.length === 0 && str(spec.podCIDR)) return [str(spec.podCIDR)];
  return cidrs;
}

export function validateNode(node: Record<string, unknown>): FieldError[] {
  const errs = validateObjectMeta(node.metadata, false, nameIsDNSSubdomain);
  const spec = obj(node.spec);
  errs.push(...validateTaints(spec.taints, 'spec.taints'));
  const cidrs = nodePodCIDRs(spec);
  cidrs.forEach((c, i) => {
    if (!isCIDR(c)) errs.push(invalid(index('spec.podCIDRs', i), c, VALID_CIDR_MSG));
  });
  if (cidrs.length > 1) {
    const v4 = cidrs.filter((c) => c.includes('.')).length;
    if (cidrs.length > 2 || v4 !== 1) errs.push(invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
  }
  return errs;
}

export function validateLease(lease: Record<string, unknown>): FieldError[] {
  const errs = validateObjectMeta(lease.metadata, true, nameIsDNSSubdomain);
  const spec = obj(lease.spec);
  if (has(spec, 'leaseDurationSeconds') && num(spec.leaseDurationSeconds) <= 0) {
    errs.push(invalid('spec.leaseDurationSeconds', num(spec.leaseDurationSeconds), 'must be greater than 0'));
  }
  if (has(spec, 'leaseTransitions') && num(spec.leaseTransitions) < 0) {
    errs.push(invalid('spec.leaseTransitions', num(spec.leaseTransitions), 'must be greater than or equal to 0'));
  }
  return errs;
}

/**
 * core/v1 Events are validated leniently by Kubernetes (legacyValidateEvent): the name is not
 * syntax-checked, only the involved object's namespace must agree with the event's.
 */
export function validateEvent(ev: Record<string, unknown>): FieldError[] {
  const meta = obj(ev.metadata);
  const errs: FieldError[] = [];
  if (!str(meta.name) && !str(meta.generateName)) errs.push(required('metadata.name', 'name or generateName is required'));
  const ns = str(meta.namespace);
  const involved = isObj(ev.involvedObject) ? str(ev.involvedObject.namespace) : '';
  // Events with eventTime ("new" events) follow other rules, which kemu leaves unchecked.
  if (!has(ev, 'eventTime') && (involved ? ns !== involved : ns !== '' && ns !== 'default')) {
    errs.push(invalid('involvedObject.namespace', involved, 'does not match event.namespace'));
  }
  return errs;
}
