/**
 * Update-only rules: the fields Kubernetes freezes once an object exists. Both objects are expected
 * as the store holds them (defaulted); an absent field in the new object where Kubernetes' strategy
 * would carry the old value over (clusterIP, uid) counts as unchanged.
 */
import { forbidden, goStringSlice, invalid } from './field-error.js';
import type { FieldError } from './field-error.js';
import { goLabelSelector } from './meta.js';
import { nodePodCIDRs } from './misc.js';
import { effectiveClusterIPs } from './service.js';
import { arr, obj, semanticEqual, str } from './util.js';

const IMMUTABLE = 'field is immutable';

const POD_UPDATABLE = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
].join(',');

const STS_UPDATABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function metaUpdate(n: Record<string, unknown>, o: Record<string, unknown>): FieldError[] {
  const nm = obj(n.metadata);
  const om = obj(o.metadata);
  const errs: FieldError[] = [];
  for (const f of ['name', 'namespace']) {
    if (str(nm[f]) !== str(om[f])) errs.push(invalid(`metadata.${f}`, str(nm[f]), IMMUTABLE));
  }
  if (str(nm.uid) && str(om.uid) && nm.uid !== om.uid) errs.push(invalid('metadata.uid', str(nm.uid), IMMUTABLE));
  return errs;
}

function podUpdate(n: Record<string, unknown>, o: Record<string, unknown>): FieldError[] {
  const ns = obj(n.spec);
  const os = obj(o.spec);
  // Munge the allowed changes into the old spec's values, then any remaining difference is forbidden.
  const munged: Record<string, unknown> = { ...ns };
  for (const f of ['containers', 'initContainers']) {
    const oldList = arr(os[f]);
    munged[f] = arr(ns[f]).map((c, i) => (i < oldList.length ? { ...obj(c), image: obj(oldList[i]).image } : c));
  }
  munged.activeDeadlineSeconds = os.activeDeadlineSeconds;
  const oldTol = arr(os.tolerations);
  const newTol = arr(ns.tolerations);
  if (oldTol.every((t) => newTol.some((x) => semanticEqual(t, x)))) munged.tolerations = os.tolerations;
  if (typeof os.terminationGracePeriodSeconds === 'number' && os.terminationGracePeriodSeconds < 0 && ns.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = os.terminationGracePeriodSeconds;
  }
  // Kubernetes appends a Go diff of the two specs here; kemu leaves it out.
  return semanticEqual(munged, os) ? [] : [forbidden('spec', `pod updates may not change fields other than ${POD_UPDATABLE}`)];
}

function serviceUpdate(n: Record<string, unknown>, o: Record<string, unknown>): FieldError[] {
  const ns = obj(n.spec);
  const os = obj(o.spec);
  // Changing to or from ExternalName is how Kubernetes lets users drop or gain a ClusterIP.
  if (str(ns.type) === 'ExternalName' || str(os.type) === 'ExternalName') return [];
  const newIPs = effectiveClusterIPs(ns);
  const oldIPs = effectiveClusterIPs(os);
  if (newIPs.length > 0 && oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    return [invalid('spec.clusterIPs[0]', newIPs, 'may not change once set', goStringSlice(newIPs))];
  }
  return [];
}

function selectorUpdate(n: Record<string, unknown>, o: Record<string, unknown>): FieldError[] {
  const nsel = obj(n.spec).selector;
  const osel = obj(o.spec).selector;
  return semanticEqual(nsel, osel) ? [] : [invalid('spec.selector', nsel ?? null, IMMUTABLE, goLabelSelector(nsel))];
}

function statefulSetUpdate(n: Record<string, unknown>, o: Record<string, unknown>): FieldError[] {
  const strip = (s: unknown) => {
    const c: Record<string, unknown> = { ...obj(s) };
    for (const f of STS_UPDATABLE) delete c[f];
    if (!str(c.podManagementPolicy)) c.podManagementPolicy = 'OrderedReady';
    return c;
  };
  if (semanticEqual(strip(n.spec), strip(o.spec))) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

function nodeUpdate(n: Record<string, unknown>, o: Record<string, unknown>): FieldError[] {
  const oldC = nodePodCIDRs(obj(o.spec));
  const newC = nodePodCIDRs(obj(n.spec));
  // The node IPAM controller may set podCIDRs once; after that they are frozen.
  if (oldC.length > 0 && !semanticEqual(oldC, newC)) {
    return [forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid')];
  }
  return [];
}

function configMapUpdate(n: Record<string, unknown>, o: Record<string, unknown>): FieldError[] {
  if (o.immutable !== true) return [];
  const errs: FieldError[] = [];
  const msg = 'field is immutable when `immutable` is set';
  if (n.immutable !== true) errs.push(forbidden('immutable', msg));
  if (!semanticEqual(n.data, o.data)) errs.push(forbidden('data', msg));
  if (!semanticEqual(n.binaryData, o.binaryData)) errs.push(forbidden('binaryData', msg));
  return errs;
}

function endpointSliceUpdate(n: Record<string, unknown>, o: Record<string, unknown>): FieldError[] {
  return str(n.addressType) === str(o.addressType) ? [] : [invalid('addressType', str(n.addressType), IMMUTABLE)];
}

const BY_KIND: Record<string, (n: Record<string, unknown>, o: Record<string, unknown>) => FieldError[]> = {
  Pod: podUpdate,
  Service: serviceUpdate,
  Deployment: selectorUpdate,
  ReplicaSet: selectorUpdate,
  DaemonSet: selectorUpdate,
  StatefulSet: statefulSetUpdate,
  Node: nodeUpdate,
  ConfigMap: configMapUpdate,
  EndpointSlice: endpointSliceUpdate,
};

/** The update-only errors (immutable fields), without re-validating the new object. */
export function immutabilityErrors(n: Record<string, unknown>, o: Record<string, unknown>): FieldError[] {
  const kindRule = Object.hasOwn(BY_KIND, str(n.kind)) ? BY_KIND[str(n.kind)] : undefined;
  return [...metaUpdate(n, o), ...(kindRule ? kindRule(n, o) : [])];
}
