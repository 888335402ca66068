/**
 * The string formats the printers share: label maps and selectors as k8s.io/apimachinery prints
 * them, container lists, and the "+ N more..." endpoint lists.
 */
import type { LabelSelector } from '../types.js';

export type Obj = Record<string, any>;

export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObject) : []);
/** `o[key]` if it is an object, else an empty one: Go's printers see zero-valued structs, never nil. */
export const part = (o: Obj, key: string): Obj => (isObject(o[key]) ? o[key] : {});

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** labels.Set.String(): sorted "k=v" pairs joined by commas. */
function labelSetString(labels: unknown): string {
  if (!isObject(labels)) return '';
  return Object.keys(labels)
    .sort(byCodeUnit)
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** labels.FormatLabels: the set as a string, "<none>" when empty. */
export function formatLabels(labels: unknown): string {
  return labelSetString(labels) || '<none>';
}

const OPERATORS: Record<string, string> = { In: ' in ', NotIn: ' notin ' };

/**
 * metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key, set operators with
 * sorted values. Returns undefined where Go returns an error (unknown operator, bad value count).
 * A nil selector selects nothing and an empty one everything; both print as "".
 */
export function labelSelectorString(selector: LabelSelector | null | undefined): string | undefined {
  if (!isObject(selector)) return '';
  const requirements: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(isObject(selector.matchLabels) ? selector.matchLabels : {})) {
    requirements.push({ key, text: `${key}=${value}` });
  }
  for (const expr of objects(selector.matchExpressions)) {
    const key = String(expr.key ?? '');
    const values: string[] = Array.isArray(expr.values) ? expr.values.map(String) : [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return undefined;
        requirements.push({ key, text: `${key}${OPERATORS[expr.operator]}(${[...values].sort(byCodeUnit).join(',')})` });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) return undefined;
        requirements.push({ key, text: expr.operator === 'Exists' ? key : `!${key}` });
        break;
      default:
        return undefined;
    }
  }
  // Stable sort by key, as selector.Add sorts its requirements.
  return requirements
    .sort((a, b) => byCodeUnit(a.key, b.key))
    .map((r) => r.text)
    .join(',');
}

/** metav1.FormatLabelSelector: like labelSelectorString, but "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(selector: LabelSelector | null | undefined): string {
  const s = labelSelectorString(selector);
  if (s === undefined) return '<error>';
  return s || '<none>';
}

/** layoutContainerCells: container names and images, each comma-joined in spec order. */
export function containerCells(podSpec: unknown): [names: string, images: string] {
  const containers = isObject(podSpec) ? objects(podSpec.containers) : [];
  return [containers.map((c) => c.name ?? '').join(','), containers.map((c) => c.image ?? '').join(',')];
}

/** net.JoinHostPort: IPv6 literals get brackets. */
function joinHostPort(host: string, port: unknown): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const MAX_SHOWN = 3;

/** Joins what was kept and says how many more there were. */
function withMore(list: string[], count: number): string {
  const text = list.join(',');
  return count > list.length ? `${text} + ${count - list.length} more...` : text;
}

/** formatEndpoints for an Endpoints object: "ip:port" for every ready address and port, three shown. */
export function formatEndpoints(subsets: unknown): string {
  const all = objects(subsets);
  if (all.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  const add = (text: string): void => {
    if (list.length < MAX_SHOWN) list.push(text);
    count++;
  };
  for (const ss of all) {
    const ports = objects(ss.ports);
    const addresses = objects(ss.addresses);
    // A headless service may have no ports: then the bare IPs.
    if (ports.length === 0) for (const a of addresses) add(String(a.ip ?? ''));
    else for (const p of ports) for (const a of addresses) add(joinHostPort(String(a.ip ?? ''), p.port ?? 0));
  }
  return withMore(list, count);
}

/** listWithMoreString: like withMore, but "<unset>" for an empty list. */
function listWithMore(items: string[]): string {
  return withMore(items.slice(0, MAX_SHOWN), items.length) || '<unset>';
}

/** formatDiscoveryPorts: port numbers, the name for a port-less entry, "*" for neither. */
export function formatDiscoveryPorts(ports: unknown): string {
  return listWithMore(objects(ports).map((p) => (p.port != null ? String(p.port) : p.name != null ? String(p.name) : '*')));
}

/** formatDiscoveryEndpoints: every address of every endpoint. */
export function formatDiscoveryEndpoints(endpoints: unknown): string {
  return listWithMore(objects(endpoints).flatMap((e) => (Array.isArray(e.addresses) ? e.addresses.map(String) : [])));
}
