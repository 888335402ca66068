/**
 * The resources kemu serves, described once. Discovery, the REST router, the store keys, the
 * clients and kubectl's short names all read this table, so adding a resource is one entry here
 * plus its strategy (defaulting/validation) if it needs one.
 */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceInfo {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural resource name; unique across kemu's resources, so it doubles as the resource key. */
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: Verb[];
  /** Subresources served, e.g. status, binding, scale. */
  subresources: string[];
}

const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function res(
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<Pick<ResourceInfo, 'shortNames' | 'categories' | 'subresources' | 'verbs' | 'singular'>> = {},
): ResourceInfo {
  return {
    group,
    version,
    plural,
    singular: extra.singular ?? kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced,
    shortNames: extra.shortNames ?? [],
    categories: extra.categories ?? [],
    verbs: extra.verbs ?? ALL_VERBS,
    subresources: extra.subresources ?? [],
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  res('', 'v1', 'namespaces', 'Namespace', false, { shortNames: ['ns'], subresources: ['status', 'finalize'] }),
  res('', 'v1', 'nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'] }),
  res('', 'v1', 'pods', 'Pod', true, { shortNames: ['po'], categories: ['all'], subresources: ['status', 'binding'] }),
  res('', 'v1', 'services', 'Service', true, { shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  res('', 'v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  res('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  res('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  res('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
  res('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] }),
  res('apps', 'v1', 'statefulsets', 'StatefulSet', true, { shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'] }),
  res('apps', 'v1', 'daemonsets', 'DaemonSet', true, { shortNames: ['ds'], categories: ['all'], subresources: ['status'] }),
  res('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  res('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  // calico's BGPPeer (cluster-scoped): spec.peerIP, spec.asNumber, optional spec.node; calico-node agents watch it.
  res('crd.projectcalico.org', 'v1', 'bgppeers', 'BGPPeer', false),
];

const byPlural = new Map(RESOURCES.map((r) => [r.plural, r]));
const byKind = new Map(RESOURCES.map((r) => [`${r.group}/${r.kind}`, r]));

export function resourceByPlural(plural: string): ResourceInfo | undefined {
  return byPlural.get(plural);
}

/** Looks a resource up by apiVersion ("v1", "apps/v1") and kind, as a manifest names it. */
export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const r = byKind.get(`${group}/${kind}`);
  return r && r.version === version ? r : undefined;
}

export function apiVersionOf(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The URL path of a collection or object, as the Kubernetes REST API spells it. */
export function resourcePath(r: ResourceInfo, namespace?: string, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** Groups in discovery order (core first, as kube-apiserver lists them). */
export function groupVersions(): { group: string; version: string; resources: ResourceInfo[] }[] {
  const out = new Map<string, { group: string; version: string; resources: ResourceInfo[] }>();
  for (const r of RESOURCES) {
    const key = `${r.group}/${r.version}`;
    if (!out.has(key)) out.set(key, { group: r.group, version: r.version, resources: [] });
    out.get(key)!.resources.push(r);
  }
  return [...out.values()];
}
