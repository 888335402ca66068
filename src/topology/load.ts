/**
 * Topology file → LoadedTopology, or every problem found as FILE:LINE:COL diagnostics in file
 * order. A file holds at most one `kind: Topology` document (optional: without it every default
 * applies) and any number of Kubernetes manifests, separated by `---`.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar } from 'yaml';
import type { Document, Node } from 'yaml';
import { applyDefaults, finalize } from './defaults.js';
import type { Draft } from './defaults.js';
import { formatDiagnostic, sortDiagnostics } from './diagnostics.js';
import type { Diagnostic } from './diagnostics.js';
import { checkManifests } from './manifests.js';
import { Reporter } from './reporter.js';
import { TOPOLOGY_SCHEMA } from './schema.js';
import type { LoadedTopology } from './types.js';
import { validateNetworking } from './validate-networking.js';
import { assignAddresses, validateNodes } from './validate-nodes.js';
import { validateTiming } from './validate-timing.js';
import { validateUnderlay } from './validate-underlay.js';
import { finalizeScenario, validateScenario } from './validate-scenario.js';
import { SchemaWalker } from './walk.js';
import { deref, describeNode, pairOf, parseYaml, posAt, startOf } from './yaml-ast.js';

export { formatDiagnostic };
export type { Diagnostic, DiagnosticCode } from './diagnostics.js';

export type LoadResult = { ok: true; value: LoadedTopology } | { ok: false; diagnostics: Diagnostic[] };

export const TOPOLOGY_API_VERSION = 'kemu.dev/v1alpha1';

export async function loadTopologyFile(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    return { ok: false, diagnostics: [{ file: path, line: 0, col: 0, message: `cannot read file: ${why}`, code: 'IO_ERROR' }] };
  }
  return loadTopologyText(text, path);
}

function kindOf(root: Node | null): unknown {
  const p = pairOf(root, 'kind');
  return p && isScalar(p.value) ? p.value.value : undefined;
}

export function loadTopologyText(text: string, fileName: string): LoadResult {
  const { docs, lines } = parseYaml(text);
  const syntax: Diagnostic[] = [];
  let topologyDoc: Document | undefined;
  let topologyBroken = false;
  const manifests: { doc: Document; root: Node }[] = [];
  const misc: Diagnostic[] = [];
  const at = (offset: number) => posAt(lines, offset);
  const diag = (offset: number, code: Diagnostic['code'], message: string): Diagnostic => ({ file: fileName, ...at(offset), message, code });

  for (const doc of docs) {
    const root = deref(doc, doc.contents);
    if (doc.errors.length) {
      for (const e of doc.errors) syntax.push(diag(e.pos[0], 'YAML_SYNTAX', e.message));
      // A broken Topology document must not be replaced by defaults that other checks then trust.
      if (kindOf(root) === 'Topology') topologyBroken = true;
      continue;
    }
    if (root === null || (isScalar(root) && root.value === null)) continue; // empty document
    if (!isMap(root)) {
      misc.push(diag(startOf(root) ?? 0, 'WRONG_TYPE', `a document must be a mapping (a Topology or a Kubernetes object), got ${describeNode(doc, root)}`));
    } else if (kindOf(root) === 'Topology') {
      if (topologyDoc) {
        const first = at(startOf(topologyDoc.contents as Node) ?? 0);
        misc.push(diag(startOf(root) ?? 0, 'DUPLICATE', `only one Topology document is allowed (the first is at line ${first.line})`));
      } else topologyDoc = doc;
    } else manifests.push({ doc, root });
  }

  const topoRoot = topologyDoc?.contents as Node | undefined;
  const fallback = topoRoot ? at(startOf(topoRoot) ?? 0) : { line: 1, col: 1 };
  const r = new Reporter(fileName, lines, fallback);
  const { draft, scenario } = walkTopology(topologyDoc, r);
  if (!topologyBroken) {
    applyDefaults(draft, r);
    validateNetworking(draft, r);
    validateUnderlay(draft, r);
    validateNodes(draft, r);
    validateTiming(draft, r);
    assignAddresses(draft, r);
    validateScenario(scenario, scenarioRefs(draft), r);
  }
  const nodeNames = new Set((draft.nodes ?? []).flatMap((n) => (n?.name ? [n.name] : [])));
  // Without a trustworthy service CIDR, ClusterIPs are not range-checked.
  const serviceSubnet = topologyBroken ? undefined : draft.networking?.serviceSubnet;
  const loaded = checkManifests(manifests, { nodeNames, ...(serviceSubnet ? { serviceSubnet } : {}) }, r);

  const all = sortDiagnostics([...syntax, ...misc, ...r.diagnostics]);
  if (all.length) return { ok: false, diagnostics: all };
  const value: LoadedTopology = { file: fileName, topology: finalize(draft), manifests: loaded };
  if (scenario !== undefined) value.scenario = finalizeScenario(scenario, (path) => r.pos(path));
  return { ok: true, value };
}

function scenarioRefs(t: Draft): { nodes: string[]; subnets: string[]; routers: string[] } {
  const names = <T extends { name?: string } | undefined>(xs: T[] | undefined) => (xs ?? []).flatMap((x) => (x?.name ? [x.name] : []));
  return { nodes: names(t.nodes), subnets: names(t.underlay?.subnets), routers: names(t.underlay?.routers) };
}

/**
 * The Topology document through the schema, hoisted to the Topology's shape ({name, ...spec}); the
 * scenario (spec.scenario) is kept apart: it is what to do with the cluster, not the cluster.
 */
function walkTopology(doc: Document | undefined, r: Reporter): { draft: Draft; scenario: unknown[] | undefined } {
  const w = new SchemaWalker(doc ?? ({} as Document), r);
  const root = doc?.contents as Node | undefined;
  let raw: Record<string, unknown>;
  if (root) {
    r.place('', null, root);
    raw = (w.walk(TOPOLOGY_SCHEMA, root, '') ?? {}) as Record<string, unknown>;
    const av = pairOf(root, 'apiVersion');
    if (av && isScalar(av.value) && av.value.value !== TOPOLOGY_API_VERSION) {
      r.error('apiVersion', 'BAD_VALUE', `apiVersion: unsupported Topology version ${JSON.stringify(av.value.value)} (use ${TOPOLOGY_API_VERSION})`);
    }
  } else {
    // No Topology document: the same defaults as an empty one.
    raw = {
      metadata: w.walk(TOPOLOGY_SCHEMA.fields.metadata!, undefined, 'metadata'),
      spec: w.walk(TOPOLOGY_SCHEMA.fields.spec!, undefined, 'spec'),
    };
  }
  const meta = (raw.metadata ?? {}) as { name?: string };
  const { scenario, ...spec } = (raw.spec ?? {}) as { scenario?: unknown[] };
  return { draft: { name: meta.name, ...spec } as Draft, scenario };
}
