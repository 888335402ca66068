/**
 * Collects diagnostics and knows where every Topology field sits in the file, so semantic checks
 * can report by field path ("spec.nodes[2].address") without touching YAML nodes. A field that
 * is not in the file (a default) is reported at its nearest ancestor that is.
 */
import type { LineCounter, Node } from 'yaml';
import type { Diagnostic, DiagnosticCode } from './diagnostics.js';
import { posAt, startOf } from './yaml-ast.js';
import type { Pos } from './yaml-ast.js';

export type Where = 'key' | 'value';

/** "a.b[2].c" → "a.b[2]" → "a.b" → "a" → "". */
export function parentPath(path: string): string {
  const m = /^(.*)(\.[^.[\]]+|\[[^\]]*\])$/.exec(path);
  return m ? m[1]! : '';
}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  private readonly places = new Map<string, { key: Node | null; value: Node | null }>();
  private readonly invalid = new Set<string>();

  constructor(
    readonly file: string,
    readonly lines: LineCounter,
    /** Where to report problems with fields absent from the file (the Topology document, or 1:1). */
    private readonly fallback: Pos,
  ) {}

  place(path: string, key: Node | null, value: Node | null): void {
    this.places.set(path, { key, value });
  }

  /** True when the field is written in the file (even as an empty value). */
  has(path: string): boolean {
    return this.places.has(path);
  }

  /** Marks a field whose value was rejected (so it is absent from the draft, not defaulted). */
  markInvalid(path: string): void {
    this.invalid.add(path);
  }

  /** True when the field is written in the file with an acceptable value. */
  hasValid(path: string): boolean {
    return this.places.has(path) && !this.invalid.has(path);
  }

  pos(path: string, where: Where = 'value'): Pos {
    for (let p = path; ; p = parentPath(p)) {
      const place = this.places.get(p);
      const node = place && (where === 'key' && p === path ? place.key ?? place.value : place.value ?? place.key);
      const offset = startOf(node);
      if (offset !== undefined) return posAt(this.lines, offset);
      if (p === '') return this.fallback;
    }
  }

  /** Reports at a field. Problems inside a value already rejected are consequences, not news. */
  error(path: string, code: DiagnosticCode, message: string, where: Where = 'value'): void {
    for (let p = path; p !== ''; p = parentPath(p)) if (this.invalid.has(p)) return;
    this.add(this.pos(path, where), code, message);
  }

  atOffset(offset: number, code: DiagnosticCode, message: string): void {
    this.add(posAt(this.lines, offset), code, message);
  }

  add(pos: Pos, code: DiagnosticCode, message: string): void {
    this.diagnostics.push({ file: this.file, line: pos.line, col: pos.col, message, code });
  }
}
