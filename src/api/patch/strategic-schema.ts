/**
 * Strategic-merge metadata for the kinds kemu serves: which lists merge and by which key. These are
 * the `patchStrategy` / `patchMergeKey` struct tags of the Kubernetes Go types (k8s.io/api core/v1,
 * apps/v1, discovery/v1, coordination/v1 and apimachinery's ObjectMeta), written down as data.
 *
 * A field not listed here has no patch strategy: a list under it is replaced wholesale (tolerations,
 * taints, Endpoints subsets, EndpointSlice endpoints, container args...) and a map under it merges.
 * Only struct paths that lead to a merging list need to be spelled out.
 */
export interface FieldPatchMeta {
  /** 'merge' merges a list (by mergeKey, or as a set of primitives); 'replace' replaces a map. */
  readonly strategy?: 'merge' | 'replace';
  readonly mergeKey?: string;
  /** The tag also says retainKeys; informative only, since the `$retainKeys` directive drives apply. */
  readonly retainKeys?: boolean;
  /** The Go struct of the field (or of the list's items), when it holds merging lists itself. */
  readonly schema?: StructSchema;
}

export interface StructSchema {
  readonly [field: string]: FieldPatchMeta;
}

const mergeBy = (mergeKey: string, schema?: StructSchema, retainKeys?: boolean): FieldPatchMeta => ({
  strategy: 'merge',
  mergeKey,
  ...(schema ? { schema } : {}),
  ...(retainKeys ? { retainKeys } : {}),
});
/** A list of primitives with `patchStrategy:"merge"`: merged as a set. */
const mergeAsSet: FieldPatchMeta = { strategy: 'merge' };
const struct = (schema: StructSchema): FieldPatchMeta => ({ schema });

const objectMeta: StructSchema = {
  ownerReferences: mergeBy('uid'),
  finalizers: mergeAsSet,
};

const container: StructSchema = {
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
};

const podSpec: StructSchema = {
  volumes: mergeBy('name', undefined, true),
  initContainers: mergeBy('name', container),
  containers: mergeBy('name', container),
  ephemeralContainers: mergeBy('name', container),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: mergeBy('name', undefined, true),
};

const podStatus: StructSchema = {
  conditions: mergeBy('type'),
  podIPs: mergeBy('ip'),
  hostIPs: mergeBy('ip'),
  resourceClaimStatuses: mergeBy('name', undefined, true),
};

const podTemplateSpec: StructSchema = { metadata: struct(objectMeta), spec: struct(podSpec) };

/** Status structs whose only merging list is conditions (by type). */
const conditionsOnly: StructSchema = { conditions: mergeBy('type') };

/** Deployment, ReplicaSet, StatefulSet, DaemonSet: a pod template plus status conditions. */
const workload: StructSchema = {
  metadata: struct(objectMeta),
  spec: struct({ template: struct(podTemplateSpec) }),
  status: struct(conditionsOnly),
};

const metaOnly: StructSchema = { metadata: struct(objectMeta) };

/** Keyed by kind; every kind in src/api/resources.ts has an entry, plus the scale subresource. */
const KINDS: Readonly<Record<string, StructSchema>> = {
  Pod: { metadata: struct(objectMeta), spec: struct(podSpec), status: struct(podStatus) },
  Node: {
    metadata: struct(objectMeta),
    spec: struct({ podCIDRs: mergeAsSet }), // taints: no patch strategy, replaced
    status: struct({ conditions: mergeBy('type'), addresses: mergeBy('type') }),
  },
  Namespace: { metadata: struct(objectMeta), status: struct(conditionsOnly) },
  Service: {
    metadata: struct(objectMeta),
    spec: struct({ ports: mergeBy('port') }),
    status: struct(conditionsOnly),
  },
  Endpoints: metaOnly, // subsets and their addresses have no patch strategy
  Event: metaOnly,
  ConfigMap: metaOnly,
  Deployment: workload,
  ReplicaSet: workload,
  StatefulSet: workload, // volumeClaimTemplates: no patch strategy
  DaemonSet: workload,
  EndpointSlice: metaOnly,
  Lease: metaOnly,
  Scale: metaOnly,
};

/** The schema for a kind, or undefined when strategic merge patch is not available for it. */
export function strategicSchemaForKind(kind: string): StructSchema | undefined {
  return Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
}

export function fieldMeta(schema: StructSchema | undefined, field: string): FieldPatchMeta | undefined {
  return schema && Object.hasOwn(schema, field) ? schema[field] : undefined;
}
