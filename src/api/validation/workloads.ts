/**
 * apps/v1 workloads (pkg/apis/apps/validation). The rule users hit most: the selector is required
 * and must select the pod template's labels. Kubernetes' quirks are kept on purpose: ReplicaSet
 * reuses Deployment's "empty selector" wording, and StatefulSet does not validate its pod spec
 * at admission (only template labels and annotations, under "spec.template.labels").
 */
import { forbidden, goQuote, goStringMap, invalid, notSupported, required } from './field-error.js';
import type { FieldError } from './field-error.js';
import {
  goLabelSelector,
  selectorIsEmpty,
  selectorMatches,
  selectorUnparsable,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateObjectMeta,
} from './meta.js';
import { nameIsDNSSubdomain, isValidPercent } from './names.js';
import { validatePodTemplateSpec } from './pod.js';
import { has, isObj, num, obj, str, strMap } from './util.js';

const NONNEGATIVE = 'must be greater than or equal to 0';

function nonNegative(spec: Record<string, unknown>, field: string): FieldError[] {
  return num(spec[field]) < 0 ? [invalid(`spec.${field}`, num(spec[field]), NONNEGATIVE)] : [];
}

function templateLabels(spec: Record<string, unknown>): unknown {
  return obj(obj(spec.template).metadata).labels;
}

function restartPolicyOf(spec: Record<string, unknown>): string {
  const s = obj(obj(spec.template).spec);
  return has(s, 'restartPolicy') ? str(s.restartPolicy) : 'Always';
}

/** Shared by Deployment and ReplicaSet: selector, template and selector/labels agreement. */
function validateReplicatedSpec(spec: Record<string, unknown>, what: 'deployment'): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(spec.selector)) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    if (selectorIsEmpty(spec.selector)) {
      errs.push(invalid('spec.selector', spec.selector, `empty selector is invalid for ${what}`, goLabelSelector(spec.selector)));
    }
  }
  // An unparsable selector is reported as such and the template is not looked at (as in Kubernetes).
  if (selectorUnparsable(spec.selector)) {
    errs.push(invalid('spec.selector', spec.selector, 'invalid label selector', goLabelSelector(spec.selector)));
    return errs;
  }
  // A nil selector selects nothing, so a missing selector also reports the mismatch.
  const labels = templateLabels(spec);
  if (!(isObj(spec.selector) && selectorIsEmpty(spec.selector)) && !selectorMatches(spec.selector, strMap(labels))) {
    errs.push(invalid('spec.template.metadata.labels', labels ?? null, '`selector` does not match template `labels`', goStringMap(labels)));
  }
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  const restart = restartPolicyOf(spec);
  if (restart !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  if (has(obj(obj(spec.template).spec), 'activeDeadlineSeconds')) {
    const v = obj(obj(spec.template).spec).activeDeadlineSeconds;
    // Deployments share ReplicaSet's template check, wording included.
    errs.push(invalid('spec.template.spec.activeDeadlineSeconds', v, 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

export function validateDeployment(d: Record<string, unknown>): FieldError[] {
  const errs = validateObjectMeta(d.metadata, true, nameIsDNSSubdomain);
  const spec = obj(d.spec);
  errs.push(...nonNegative(spec, 'replicas'));
  errs.push(...validateReplicatedSpec(spec, 'deployment'));
  errs.push(...validateDeploymentStrategy(obj(spec.strategy)));
  errs.push(...nonNegative(spec, 'minReadySeconds'));
  errs.push(...nonNegative(spec, 'revisionHistoryLimit'));
  if (has(spec, 'progressDeadlineSeconds')) {
    const pds = num(spec.progressDeadlineSeconds);
    if (pds < 0) errs.push(invalid('spec.progressDeadlineSeconds', pds, NONNEGATIVE));
    else if (pds <= num(spec.minReadySeconds)) errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

/** IntOrString prints through its String() method: numbers bare, strings unquoted. */
function intOrPercent(v: unknown, path: string): { errs: FieldError[]; value: number } {
  if (typeof v === 'string') {
    const msgs = isValidPercent(v);
    return { errs: msgs.map((m) => invalid(path, v, m, v)), value: msgs.length ? NaN : Number(v.slice(0, -1)) };
  }
  const n = num(v);
  return { errs: n < 0 ? [invalid(path, n, NONNEGATIVE)] : [], value: n };
}

function validateDeploymentStrategy(strategy: Record<string, unknown>): FieldError[] {
  const type = has(strategy, 'type') ? str(strategy.type) : 'RollingUpdate';
  if (type === 'Recreate') {
    return has(strategy, 'rollingUpdate')
      ? [forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")]
      : [];
  }
  if (type !== 'RollingUpdate') {
    // Kubernetes prints the whole strategy struct; a non-nil pointer would show a memory address there.
    const ru = has(strategy, 'rollingUpdate') ? '(*apps.RollingUpdateDeployment)(0xc000000000)' : '(*apps.RollingUpdateDeployment)(nil)';
    const e = notSupported('spec.strategy', type, ['Recreate', 'RollingUpdate']);
    return [{ ...e, goValue: `apps.DeploymentStrategy{Type:${goQuote(type)}, RollingUpdate:${ru}}` }];
  }
  const ru = obj(strategy.rollingUpdate);
  const p = 'spec.strategy.rollingUpdate';
  // Kubernetes defaults both to 25%.
  const mu = intOrPercent(has(ru, 'maxUnavailable') ? ru.maxUnavailable : '25%', `${p}.maxUnavailable`);
  const ms = intOrPercent(has(ru, 'maxSurge') ? ru.maxSurge : '25%', `${p}.maxSurge`);
  const errs = [...mu.errs, ...ms.errs];
  const shown = (v: unknown) => (typeof v === 'string' ? v : String(num(v)));
  if (mu.value === 0 && ms.value === 0) {
    errs.push(invalid(`${p}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0', shown(ru.maxUnavailable)));
  }
  if (typeof ru.maxUnavailable === 'string' && mu.value > 100) {
    errs.push(invalid(`${p}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%', ru.maxUnavailable));
  }
  return errs;
}

export function validateReplicaSet(rs: Record<string, unknown>): FieldError[] {
  const errs = validateObjectMeta(rs.metadata, true, nameIsDNSSubdomain);
  const spec = obj(rs.spec);
  errs.push(...nonNegative(spec, 'replicas'));
  errs.push(...nonNegative(spec, 'minReadySeconds'));
  errs.push(...validateReplicatedSpec(spec, 'deployment'));
  return errs;
}

export function validateStatefulSet(sts: Record<string, unknown>): FieldError[] {
  const errs = validateObjectMeta(sts.metadata, true, nameIsDNSSubdomain);
  const spec = obj(sts.spec);
  const pmp = has(spec, 'podManagementPolicy') ? str(spec.podManagementPolicy) : 'OrderedReady';
  if (pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    errs.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = obj(spec.updateStrategy);
  const ust = has(us, 'type') ? str(us.type) : 'RollingUpdate';
  if (ust === 'OnDelete' && has(us, 'rollingUpdate')) {
    errs.push(invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (ust !== 'OnDelete' && ust !== 'RollingUpdate') {
    const ru = has(us, 'rollingUpdate') ? '(*apps.RollingUpdateStatefulSetStrategy)(0xc000000000)' : '(*apps.RollingUpdateStatefulSetStrategy)(nil)';
    const go = `apps.StatefulSetUpdateStrategy{Type:${goQuote(ust)}, RollingUpdate:${ru}}`;
    errs.push(invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'", go));
  }
  errs.push(...nonNegative(spec, 'replicas'));
  errs.push(...nonNegative(spec, 'minReadySeconds'));
  if (!isObj(spec.selector)) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    if (selectorIsEmpty(spec.selector)) {
      errs.push(invalid('spec.selector', spec.selector, 'empty selector is invalid for statefulset', goLabelSelector(spec.selector)));
    }
  }
  const labels = templateLabels(spec);
  if (selectorUnparsable(spec.selector)) {
    // StatefulSet reports the unparsable selector without a detail.
    errs.push(invalid('spec.selector', spec.selector, '', goLabelSelector(spec.selector)));
  } else if (!(isObj(spec.selector) && selectorIsEmpty(spec.selector)) && !selectorMatches(spec.selector, strMap(labels))) {
    errs.push(invalid('spec.template.metadata.labels', labels ?? null, '`selector` does not match template `labels`', goStringMap(labels)));
  }
  const meta = obj(obj(spec.template).metadata);
  errs.push(...validateLabels(meta.labels, 'spec.template.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'spec.template.annotations'));
  const restart = restartPolicyOf(spec);
  if (restart !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  return errs;
}

export function validateDaemonSet(ds: Record<string, unknown>): FieldError[] {
  const errs = validateObjectMeta(ds.metadata, true, nameIsDNSSubdomain);
  const spec = obj(ds.spec);
  // apps/v1 requires the selector; Kubernetes then also reports the template mismatch below.
  if (!isObj(spec.selector)) errs.push(required('spec.selector'));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const labels = templateLabels(spec);
  if (!selectorUnparsable(spec.selector) && !selectorMatches(spec.selector, strMap(labels))) {
    errs.push(invalid('spec.template.metadata.labels', labels ?? null, '`selector` does not match template `labels`', goStringMap(labels)));
  }
  if (isObj(spec.selector) && selectorIsEmpty(spec.selector)) {
    errs.push(invalid('spec.selector', spec.selector, 'empty selector is invalid for daemonset', goLabelSelector(spec.selector)));
  }
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  const restart = restartPolicyOf(spec);
  if (restart !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  errs.push(...nonNegative(spec, 'minReadySeconds'));
  return errs;
}
