/**
 * Diagnostics: one problem in a topology file, at a 1-based line and column, with a stable code
 * that tests and tools match on (the message text may improve; codes do not change).
 */
export type DiagnosticCode =
  | 'IO_ERROR' // the file could not be read
  | 'YAML_SYNTAX' // the yaml package's parse errors
  | 'UNKNOWN_FIELD' // a field the schema (or the Kubernetes kind) does not have
  | 'WRONG_TYPE' // a value of the wrong YAML type
  | 'REQUIRED' // a required field is missing
  | 'BAD_VALUE' // a malformed or unsupported value (durations, enums, names, ranges)
  | 'BAD_CIDR' // an invalid CIDR or one with host bits set
  | 'CIDR_OVERLAP' // two networks that must be disjoint overlap
  | 'DUPLICATE' // duplicate names, addresses, objects
  | 'UNKNOWN_REFERENCE' // a reference to a subnet or node that does not exist
  | 'CONFLICT' // settings that cannot be combined
  | 'CAPACITY' // a network too small for what it must hold
  | 'MISSING_TYPE_META' // a manifest without apiVersion or kind
  | 'UNSUPPORTED_KIND' // a manifest kind kemu does not serve
  | 'INVALID_OBJECT'; // a manifest Kubernetes would reject

export interface Diagnostic {
  file: string;
  /** 1-based; 0 when the problem is not at a place in the file (e.g. it cannot be read). */
  line: number;
  col: number;
  message: string;
  code: DiagnosticCode;
}

/** "FILE:LINE:COL: message", the format editors and CI annotators understand. */
export function formatDiagnostic(d: Diagnostic): string {
  return d.line > 0 ? `${d.file}:${d.line}:${d.col}: ${d.message}` : `${d.file}: ${d.message}`;
}

/** File order; diagnostics at the same place keep the order they were found in. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.line - b.d.line || a.d.col - b.d.col || a.i - b.i)
    .map(({ d }) => d);
}
