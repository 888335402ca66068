/**
 * Server-side printing: what kube-apiserver answers to `Accept: application/json;as=Table;v=v1;
 * g=meta.k8s.io`, which is how an unmodified kubectl asks for `kubectl get` output. kubectl renders
 * the cells as they come, so the columns and cell texts here are the Kubernetes printers' own.
 * Pure: objects in, a Table out (sharing structure with the inputs, never modifying them).
 */
import type { ResourceInfo } from '../resources.js';
import type { KubeObject, ListMeta } from '../types.js';
import { COLUMNS, DEFAULT_COLUMNS, type TableColumnDefinition } from './columns.js';
import { podRow } from './pod.js';
import { APPS_PRINTERS } from './printers-apps.js';
import { CORE_PRINTERS, type RowPrinter } from './printers-core.js';
import type { Table, TableCell, TableOptions, TableRow, TableRowCondition } from './types.js';

export type { IncludeObject, Table, TableCell, TableColumnDefinition, TableOptions, TableRow, TableRowCondition } from './types.js';
export { ageSince, humanDuration } from './duration.js';

type Printed = { cells: TableCell[]; conditions?: TableRowCondition[] };
type Printer = (obj: Record<string, any>, now: number) => Printed;

// Keyed by plural resource name.
const PRINTERS: Partial<Record<string, Printer>> = {
  pods: podRow,
  ...wrap(CORE_PRINTERS),
  ...wrap(APPS_PRINTERS),
};

function wrap(printers: Record<string, RowPrinter>): Record<string, Printer> {
  return Object.fromEntries(Object.entries(printers).map(([plural, print]) => [plural, (obj, now) => ({ cells: print(obj, now) })]));
}

/** RFC 3339 in UTC without fractions, as Go's time.RFC3339 prints; Go's zero time when unset. */
function rfc3339(ts: unknown): string {
  const t = typeof ts === 'string' ? Date.parse(ts) : NaN;
  return Number.isNaN(t) ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The generic apiserver's fallback for resources without a printer: name and creation time. */
function defaultRow(obj: Record<string, any>): Printed {
  return { cells: [obj.metadata?.name ?? '', rfc3339(obj.metadata?.creationTimestamp)] };
}

/** ListMeta as Go serializes it: empty fields omitted. */
function tableMetadata(objects: readonly KubeObject[], listMeta: ListMeta | undefined): Partial<ListMeta> {
  // A single object converted on its own (GET, or one watch event) carries its own resourceVersion.
  const source: Partial<ListMeta> = listMeta ?? (objects.length === 1 ? { resourceVersion: objects[0]!.metadata?.resourceVersion ?? '' } : {});
  const out: Partial<ListMeta> = {};
  if (source.resourceVersion) out.resourceVersion = source.resourceVersion;
  if (source.continue) out.continue = source.continue;
  if (source.remainingItemCount !== undefined && source.remainingItemCount !== null) out.remainingItemCount = source.remainingItemCount;
  return out;
}

/** Builds the meta.k8s.io/v1 Table kube-apiserver would return for `objects` of `resource`. */
export function toTable(resource: ResourceInfo, objects: readonly KubeObject[], opts: TableOptions): Table {
  const printer = PRINTERS[resource.plural];
  const columns: TableColumnDefinition[] = printer ? (COLUMNS[resource.plural] ?? DEFAULT_COLUMNS) : DEFAULT_COLUMNS;
  const rows: TableRow[] = objects.map((obj) => {
    const printed = printer ? printer(obj, opts.now) : defaultRow(obj);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    if (opts.includeObject === 'Object') row.object = obj;
    else if (opts.includeObject !== 'None') {
      row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
    }
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: tableMetadata(objects, opts.listMeta),
    columnDefinitions: columns.map((c) => ({ ...c })),
    rows,
  };
}
