/** The meta.k8s.io/v1 Table shapes (k8s.io/apimachinery pkg/apis/meta/v1 types.go). */
import type { ListMeta } from '../types.js';
import type { TableColumnDefinition } from './columns.js';

export type { TableColumnDefinition } from './columns.js';

/** Cells are JSON scalars: strings mostly, integers where the printer emits int64. */
export type TableCell = string | number | boolean | null;

/** Extra facts about a row; pods use `Completed` so clients may hide finished pods. */
export interface TableRowCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** PartialObjectMetadata for includeObject=Metadata, the object for Object, absent for None. */
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: Partial<ListMeta>;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** The clock's now, in milliseconds since the epoch; ages are measured against it. */
  now: number;
  includeObject: IncludeObject;
  /** The list's metadata; absent for a single object, whose resourceVersion is used instead. */
  listMeta?: ListMeta;
}
