/**
 * Defaulting of the small core/v1 and discovery.k8s.io/v1 kinds. Each function mutates the private
 * copy it is given.
 */
import { isObject, objects, type Obj } from './json.js';

/** SetDefaults_Namespace and SetDefaults_NamespaceStatus. */
export function defaultNamespace(ns: Obj): void {
  const meta = ns.metadata;
  // A generateName-only namespace has no name yet, so it gets no name label.
  if (isObject(meta) && typeof meta.name === 'string' && meta.name.length > 0) {
    meta.labels = { ...(isObject(meta.labels) ? meta.labels : {}), 'kubernetes.io/metadata.name': meta.name };
  }
  if (!isObject(ns.status)) ns.status = {};
  if (!ns.status.phase) ns.status.phase = 'Active';
}

/** SetDefaults_NodeStatus: a node reporting capacity but no allocatable can allocate all of it. */
export function defaultNode(node: Obj): void {
  const status = node.status;
  if (isObject(status) && isObject(status.capacity) && (status.allocatable === undefined || status.allocatable === null)) {
    status.allocatable = { ...status.capacity };
  }
}

/** SetDefaults_Endpoints. */
export function defaultEndpoints(ep: Obj): void {
  for (const subset of objects(ep.subsets)) {
    for (const port of objects(subset.ports)) if (!port.protocol) port.protocol = 'TCP';
  }
}

/** SetDefaults_EndpointPort (discovery/v1); the port name is a pointer defaulted to "". */
export function defaultEndpointSlice(slice: Obj): void {
  for (const port of objects(slice.ports)) {
    if (port.name === undefined || port.name === null) port.name = '';
    if (port.protocol === undefined || port.protocol === null) port.protocol = 'TCP';
  }
  // Not a defaulting rule but what clients see: `conditions` is a non-pointer struct Go always
  // serializes, so an endpoint without conditions reads back as `conditions: {}` (all unknown).
  for (const endpoint of objects(slice.endpoints)) {
    if (!isObject(endpoint.conditions)) endpoint.conditions = {};
  }
}
