/**
 * YAML parsing with positions, and lookups in the yaml package's node tree. Everything that turns
 * a place in the document into FILE:LINE:COL goes through here.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Document, Node, Pair, Tags } from 'yaml';
import type { FieldError } from '../api/validation/index.js';

export interface ParsedYaml {
  docs: Document.Parsed[];
  lines: LineCounter;
}

export interface Pos {
  line: number;
  col: number;
}

/**
 * kubectl reads manifests as YAML 1.1 (go-yaml v2), so kemu does too: `on`, `yes`, `no` are
 * booleans and `010` is octal, exactly as a real cluster would see them. Timestamps and base-60
 * numbers, which go-yaml leaves as strings, stay strings here as well.
 */
function kubectlTags(tags: Tags): Tags {
  return tags.filter((t) => typeof t === 'string' || (t.format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp'));
}

export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter: lines,
    version: '1.1',
    customTags: kubectlTags,
    prettyErrors: false,
    uniqueKeys: true,
  });
  // parseAllDocuments returns an EmptyStream (an array) for empty input, documents otherwise.
  return { docs: Array.from(docs) as Document.Parsed[], lines };
}

export function posAt(lines: LineCounter, offset: number): Pos {
  const p = lines.linePos(offset);
  return { line: p.line, col: p.col };
}

export function startOf(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}

/** Follows an alias (*name) to the node it stands for. */
export function deref(doc: Document, node: unknown): Node | null {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? null;
  return (node as Node | null) ?? null;
}

export function keyText(pair: Pair): string {
  const k = pair.key;
  return isScalar(k) ? String(k.value) : String(k);
}

/** The pair for `key` in a mapping node. */
export function pairOf(node: Node | null, key: string): Pair<Node, Node | null> | undefined {
  if (!isMap(node)) return undefined;
  return (node.items as Pair<Node, Node | null>[]).find((p) => keyText(p) === key);
}

/** "YAML mapping", "list"... for type errors. */
export function describeNode(doc: Document, node: Node | null): string {
  const n = deref(doc, node);
  if (n === null) return 'nothing';
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) {
    const v = n.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
    if (typeof v === 'number') return Number.isInteger(v) ? `the integer ${v}` : `the number ${v}`;
    if (typeof v === 'boolean') return `the boolean ${v}`;
  }
  return 'an unsupported value';
}

/** "spec.ports[0].port" or "data[my key]" → ["spec", "ports", "[0]", "port"] (brackets kept). */
export function splitFieldPath(path: string): string[] {
  const out: string[] = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) out.push(m[1] !== undefined ? m[1] : `[${m[2]}]`);
  return out;
}

export interface Located {
  /** The deepest node the path reached (the path's own node when found). */
  node: Node;
  /**
   * Found: the key of the path's last step (null when that step was a list index).
   * Not found: the key of the deepest mapping entry reached, a better place for "missing" errors.
   */
  key: Node | null;
  found: boolean;
}

/**
 * Walks a Kubernetes field path through a YAML tree. A bracket selects a list index in a list and
 * a key in a mapping. Stops at the deepest existing node when the path leaves the document.
 */
export function locate(doc: Document, root: Node, path: string): Located {
  let node: Node = root;
  let key: Node | null = null;
  const segs = splitFieldPath(path);
  for (const [i, seg] of segs.entries()) {
    const bracket = seg.startsWith('[') ? seg.slice(1, -1) : undefined;
    if (bracket !== undefined && isSeq(node)) {
      const next = /^\d+$/.test(bracket) ? deref(doc, node.items[Number(bracket)]) : null;
      if (next === null) return { node, key, found: false };
      node = next;
      key = null;
      continue;
    }
    const p = isMap(node) ? pairOf(node, bracket ?? seg) : undefined;
    if (!p) return { node, key, found: false };
    const next = deref(doc, p.value);
    // A key with an empty value (`labels:`) has no value node; its key stands for it.
    if (next === null) return { node: p.key, key: p.key, found: i === segs.length - 1 };
    node = next;
    key = p.key;
  }
  return { node, key, found: true };
}

/**
 * Where a FieldError points: the field's value (its key for unknown fields); for errors about a
 * label map, the offending key or value; for a missing field, the key of its parent.
 */
export function fieldErrorOffset(doc: Document, root: Node, e: FieldError, preferKey: boolean): number {
  let loc = locate(doc, root, e.field);
  // Kubernetes reports clusterIP problems on clusterIPs, which manifests rarely spell out.
  if (!loc.found && e.field.startsWith('spec.clusterIPs')) {
    const alt = locate(doc, root, 'spec.clusterIP');
    if (alt.found) loc = alt;
  }
  const fallback = startOf(root) ?? 0;
  if (!loc.found) return startOf(loc.key ?? loc.node) ?? fallback;
  if (isMap(loc.node) && typeof e.value === 'string') {
    const pairs = loc.node.items as Pair<Node, Node | null>[];
    const byKey = pairs.find((p) => keyText(p) === e.value);
    if (byKey) return startOf(byKey.key) ?? fallback;
    const byValue = pairs.find((p) => isScalar(p.value) && p.value.value === e.value);
    if (byValue) return startOf(byValue.value) ?? fallback;
  }
  return startOf(preferKey ? loc.key ?? loc.node : loc.node) ?? fallback;
}
