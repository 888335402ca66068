/**
 * The Kubernetes object validator shared by the API server (which answers 422 with its output) and
 * the topology loader (which maps each error back to a YAML position). Pure: objects in, errors out.
 *
 * Objects are validated as kube-apiserver validates them after defaulting: a field Kubernetes
 * defaults (Service type, port protocol, restartPolicy...) is read at its default when absent, so
 * the caller may pass objects straight from a manifest. Values of the wrong JSON type are reported
 * first and alone, as Kubernetes fails decoding before it validates.
 */
import type { KubeObject } from '../types.js';
import type { FieldError } from './field-error.js';
import { validateEndpointSlice, validateEndpoints } from './endpoints.js';
import { validateConfigMap, validateEvent, validateLease, validateNamespace, validateNode } from './misc.js';
import { validatePod } from './pod.js';
import { validateService } from './service.js';
import type { ServiceValidationOptions } from './service.js';
import { findTypeErrors } from './structure.js';
import { immutabilityErrors } from './update.js';
import { validateDaemonSet, validateDeployment, validateReplicaSet, validateStatefulSet } from './workloads.js';

export type { FieldError, FieldErrorType } from './field-error.js';
export { formatFieldError, fieldErrorBody } from './field-error.js';
export { findUnknownFields, findTypeErrors } from './structure.js';
export { validateTaints } from './misc.js';
export { validateLabels, validateLabelName, selectorMatches } from './meta.js';
export { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './names.js';

export interface ValidateOptions extends ServiceValidationOptions {}

type Validator = (o: Record<string, unknown>, opts: ValidateOptions) => FieldError[];

const VALIDATORS: Record<string, Validator> = {
  Namespace: validateNamespace,
  Node: validateNode,
  Pod: validatePod,
  Service: validateService,
  Endpoints: validateEndpoints,
  Event: validateEvent,
  ConfigMap: validateConfigMap,
  Deployment: validateDeployment,
  ReplicaSet: validateReplicaSet,
  StatefulSet: validateStatefulSet,
  DaemonSet: validateDaemonSet,
  EndpointSlice: validateEndpointSlice,
  Lease: validateLease,
};

/** Kinds validateObject knows; any other kind gets no kind-specific checks. */
export const VALIDATED_KINDS: readonly string[] = Object.keys(VALIDATORS);

export function validateObject(obj: KubeObject, opts: ValidateOptions = {}): FieldError[] {
  const o = obj as unknown as Record<string, unknown>;
  const typeErrors = findTypeErrors(o);
  if (typeErrors.length) return typeErrors;
  const v = Object.hasOwn(VALIDATORS, String(obj.kind)) ? VALIDATORS[String(obj.kind)] : undefined;
  return v ? v(o, opts) : [];
}

/**
 * validateObject(newObj) followed by validateUpdate(newObj, oldObj) when there is an old object —
 * the API server's checks for one write — with the type walk done once instead of twice.
 */
export function validateWrite(newObj: KubeObject, oldObj: KubeObject | undefined, opts: ValidateOptions = {}): FieldError[] {
  const o = newObj as unknown as Record<string, unknown>;
  const typeErrors = findTypeErrors(o);
  if (typeErrors.length) return typeErrors; // validateUpdate adds nothing to type errors
  const v = Object.hasOwn(VALIDATORS, String(newObj.kind)) ? VALIDATORS[String(newObj.kind)] : undefined;
  const errs = v ? v(o, opts) : [];
  return oldObj ? [...errs, ...immutabilityErrors(o, oldObj as unknown as Record<string, unknown>)] : errs;
}

/**
 * The update-only rules (immutable fields such as Service clusterIP, workload selectors, Pod spec,
 * StatefulSet spec). It does not re-validate the new object: callers run validateObject(newObj)
 * as well, as the API server does on every write.
 */
export function validateUpdate(newObj: KubeObject, oldObj: KubeObject): FieldError[] {
  const n = newObj as unknown as Record<string, unknown>;
  if (findTypeErrors(n).length) return [];
  return immutabilityErrors(n, oldObj as unknown as Record<string, unknown>);
}
