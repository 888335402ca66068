/**
 * The Kubernetes manifests of a topology file: type metadata, kinds kemu serves, strict fields,
 * Kubernetes validation (src/api/validation) with each FieldError mapped back to its YAML node,
 * and the cross-object checks a real API server would make on creation (duplicates, namespaces,
 * already-allocated NodePorts and ClusterIPs).
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { apiVersionOf, RESOURCES, resourceForKind } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { findTypeErrors, findUnknownFields, formatFieldError, validateObject } from '../api/validation/index.js';
import type { FieldError } from '../api/validation/index.js';
import type { Reporter } from './reporter.js';
import type { Manifest } from './types.js';
import { checkAllocations } from './allocations.js';
import { describeNode, fieldErrorOffset as offsetOf, pairOf, posAt, startOf } from './yaml-ast.js';

export interface ManifestEnv {
  serviceSubnet?: string;
  /** Names of the topology's nodes (a Node manifest may not redefine one). */
  nodeNames: Set<string>;
}

/** A manifest that passed its own checks, with what the cross-object checks need. */
export interface Checked {
  object: KubeObject;
  doc: Document;
  root: Node;
  label: string;
  namespaced: boolean;
}

const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

const SUPPORTED = [...RESOURCES].sort((a, b) => a.kind.localeCompare(b.kind)).map((r) => `${r.kind} (${apiVersionOf(r)})`).join(', ');

export function checkManifests(docs: { doc: Document; root: Node }[], env: ManifestEnv, r: Reporter): Manifest[] {
  const checked: Checked[] = [];
  for (const { doc, root } of docs) checkDocument(doc, root, env, r, checked);
  checkCrossObject(checked, env, r);
  return checked.map((c) => ({ object: c.object, file: r.file, ...posAt(r.lines, startOf(c.root) ?? 0) }));
}

function scalarAt(node: Node, key: string): { pair?: Pair<Node, Node | null>; value: unknown } {
  const pair = pairOf(node, key);
  return { pair, value: pair && isScalar(pair.value) ? pair.value.value : pair?.value ? pair.value : undefined };
}

function checkDocument(doc: Document, root: Node, env: ManifestEnv, r: Reporter, out: Checked[]): void {
  const at = (n: Node | null | undefined) => startOf(n) ?? startOf(root) ?? 0;
  const apiVersion = scalarAt(root, 'apiVersion');
  const kind = scalarAt(root, 'kind');
  let typed = true;
  for (const [name, f] of [['apiVersion', apiVersion], ['kind', kind]] as const) {
    if (f.value === undefined || f.value === null || f.value === '') {
      r.atOffset(at(root), 'MISSING_TYPE_META', `${name} not set`);
      typed = false;
    } else if (typeof f.value !== 'string') {
      r.atOffset(at(f.pair?.value), 'WRONG_TYPE', `${name}: expected a string, got ${describeNode(doc, f.pair?.value ?? null)}`);
      typed = false;
    }
  }
  if (!typed) return;
  const av = apiVersion.value as string;
  const k = kind.value as string;
  // kubectl expands a v1 List into its items, so kemu does too.
  if (av === 'v1' && k === 'List') {
    const items = pairOf(root, 'items')?.value;
    if (items && !isSeq(items)) r.atOffset(at(items), 'WRONG_TYPE', `items: expected a list, got ${describeNode(doc, items)}`);
    if (isSeq(items)) {
      for (const item of items.items as Node[]) {
        if (isMap(item)) checkDocument(doc, item, env, r, out);
        else r.atOffset(at(item), 'WRONG_TYPE', `items: expected a mapping (a Kubernetes object), got ${describeNode(doc, item)}`);
      }
    }
    return;
  }
  const resource = resourceForKind(av, k);
  if (!resource) {
    const sameKind = RESOURCES.find((x) => x.kind === k);
    const msg = sameKind
      ? `kind ${k} is served as apiVersion ${apiVersionOf(sameKind)}, not ${av}`
      : `unsupported kind ${JSON.stringify(k)} (apiVersion ${av}); kemu supports ${SUPPORTED}`;
    r.atOffset(at(sameKind ? apiVersion.pair?.value : kind.pair?.value), 'UNSUPPORTED_KIND', msg);
    return;
  }

  const object = root.toJS(doc) as KubeObject;
  const raw = object as unknown as Record<string, unknown>;
  const label = labelOf(k, raw.metadata);
  const report = (e: FieldError, code: 'UNKNOWN_FIELD' | 'WRONG_TYPE' | 'INVALID_OBJECT', message: string) =>
    r.atOffset(offsetOf(doc, root, e, code === 'UNKNOWN_FIELD'), code, message);
  for (const e of findUnknownFields(raw)) report(e, 'UNKNOWN_FIELD', `${label}: ${e.message}`);
  const typeErrors = findTypeErrors(raw);
  for (const e of typeErrors) report(e, 'WRONG_TYPE', `${label}: ${formatFieldError(e)}`);
  if (typeErrors.length) return;
  const meta = (object.metadata ??= {});
  // As kube-apiserver does: namespaced objects default to "default", cluster-scoped ones drop it.
  if (resource.namespaced) meta.namespace ??= 'default';
  else delete meta.namespace;
  const errs = validateObject(object, env.serviceSubnet ? { serviceSubnet: env.serviceSubnet } : {});
  for (const e of errs) report(e, 'INVALID_OBJECT', `${label} is invalid: ${formatFieldError(e)}`);
  out.push({ object, doc, root, label, namespaced: resource.namespaced });
}

/** `Service "web"`, or just the kind when the object has no usable name. */
function labelOf(kind: string, metadata: unknown): string {
  const m = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as Record<string, unknown>;
  const name = typeof m.name === 'string' && m.name ? m.name : typeof m.generateName === 'string' && m.generateName ? `${m.generateName}*` : '';
  return name ? `${kind} ${JSON.stringify(name)}` : kind;
}

function checkCrossObject(checked: Checked[], env: ManifestEnv, r: Reporter): void {
  const seen = new Map<string, Checked>();
  const namespaces = new Set(BUILTIN_NAMESPACES);
  for (const c of checked) if (c.object.kind === 'Namespace' && c.object.metadata.name) namespaces.add(c.object.metadata.name);
  for (const c of checked) {
    const m = c.object.metadata;
    const nameAt = offsetOf(c.doc, c.root, { field: 'metadata.name', type: 'FieldValueInvalid', message: '' }, false);
    if (m.name) {
      const id = `${c.object.apiVersion.split('/')[0]}/${c.object.kind}/${m.namespace ?? ''}/${m.name}`;
      const first = seen.get(id);
      const full = c.namespaced ? `${m.namespace}/${m.name}` : m.name;
      if (first) {
        const p = posAt(r.lines, startOf(first.root) ?? 0);
        r.atOffset(nameAt, 'DUPLICATE', `duplicate ${c.object.kind} ${JSON.stringify(full)} (first defined at line ${p.line})`);
      } else seen.set(id, c);
      if (c.object.kind === 'Node' && env.nodeNames.has(m.name)) {
        r.atOffset(nameAt, 'DUPLICATE', `Node ${JSON.stringify(m.name)} is already defined in spec.nodes`);
      }
    }
    if (c.namespaced && m.namespace && !namespaces.has(m.namespace)) {
      const nsAt = offsetOf(c.doc, c.root, { field: 'metadata.namespace', type: 'FieldValueInvalid', message: '' }, false);
      r.atOffset(nsAt, 'UNKNOWN_REFERENCE', `${c.label}: namespace ${JSON.stringify(m.namespace)} not found (add a Namespace manifest)`);
    }
  }
  checkAllocations(checked, env, r);
}
