/**
 * Which objects a LIST or WATCH returns: namespace, label selector and field selector together.
 * Watches also need transitions: an object that stops matching is reported DELETED and one that
 * starts matching ADDED, as kube-apiserver's watch cache does.
 */
import type { KubeObject } from '../types.js';
import { parseFieldSelector, parseLabelSelector } from '../selectors/index.js';
import { badRequest } from '../errors.js';
import { KemuError } from '../../util/errors.js';

export interface ObjectFilter {
  matches(obj: KubeObject): boolean;
  /** The value the field selector requires for `field` (e.g. spec.nodeName), if it pins one. */
  requiredField(field: string): string | undefined;
  /** True when every object of the namespace matches (no selectors). */
  readonly everything: boolean;
}

export function buildFilter(resource: string, namespace: string, labelSelector?: string, fieldSelector?: string): ObjectFilter {
  let labels: ReturnType<typeof parseLabelSelector> | undefined;
  let fields: ReturnType<typeof parseFieldSelector> | undefined;
  try {
    if (labelSelector) labels = parseLabelSelector(labelSelector);
    if (fieldSelector) fields = parseFieldSelector(fieldSelector, resource);
  } catch (err) {
    if (err instanceof KemuError) throw badRequest(err.message);
    throw err;
  }
  const labelsEmpty = !labels || labels.empty;
  const everything = !namespace && labelsEmpty && !fields;
  return {
    everything,
    requiredField: (field: string) => fields?.requiredValue(field),
    matches(obj: KubeObject): boolean {
      if (namespace && obj.metadata.namespace !== namespace) return false;
      if (!labelsEmpty && !labels!.matches(obj.metadata.labels)) return false;
      if (fields && !fields.matches(obj)) return false;
      return true;
    },
  };
}
