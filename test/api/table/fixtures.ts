/** Helpers shared by the table tests: a fixed "now" and timestamps relative to it. */
import { resourceByPlural, type ResourceInfo } from '../../../src/api/resources.js';
import { toTable, type TableCell } from '../../../src/api/table/index.js';
import type { KubeObject } from '../../../src/api/types.js';

export const NOW = Date.parse('2025-06-01T12:00:00Z');
export const S = 1000;
export const M = 60 * S;
export const H = 60 * M;
export const D = 24 * H;

/** An RFC 3339 timestamp `ms` before NOW, second precision as the API server writes them. */
export function ago(ms: number): string {
  return new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function resource(plural: string): ResourceInfo {
  const r = resourceByPlural(plural);
  if (!r) throw new Error(`no resource ${plural}`);
  return r;
}

/** The cells of the one row printed for `obj`. */
export function cells(plural: string, obj: KubeObject): TableCell[] {
  return toTable(resource(plural), [obj], { now: NOW, includeObject: 'None' }).rows[0]!.cells;
}

/** Column headers as kubectl shows them: upper-cased, wide ones only with `-o wide`. */
export function headers(plural: string, wide: boolean): string {
  return toTable(resource(plural), [], { now: NOW, includeObject: 'None' })
    .columnDefinitions.filter((c) => wide || c.priority === 0)
    .map((c) => c.name.toUpperCase())
    .join(' ');
}
