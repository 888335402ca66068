/**
 * FieldError: one field-level validation failure, shaped like k8s.io/apimachinery's field.Error so the
 * API server can turn a list of them into a 422 Status (causes[].field / message) and the topology
 * loader can point at the offending YAML node. formatFieldError reproduces Kubernetes' wording
 * (field.Error.Error()) byte for byte, because users paste these messages into search engines.
 */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany';

export interface FieldError {
  /** Kubernetes field path, e.g. "spec.ports[0].port", "data[my key]"; "" means the whole object. */
  field: string;
  type: FieldErrorType;
  /** Kubernetes' "detail" (may be empty). */
  message: string;
  /** The offending value as plain data; absent when Kubernetes omits it from the message. */
  value?: unknown;
  /** How Go's %#v prints the value when it is not a plain scalar (a struct, a nil map...). */
  goValue?: string;
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
};

// Kubernetes never prints the value of these types (field.Error.ErrorBody).
const VALUELESS = new Set<FieldErrorType>(['FieldValueRequired', 'FieldValueForbidden', 'FieldValueTooLong']);

/** `spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive` */
export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/** The message without the leading field path (field.Error.ErrorBody()). */
export function fieldErrorBody(e: FieldError): string {
  let s = TYPE_TEXT[e.type];
  if (!VALUELESS.has(e.type) && (e.goValue !== undefined || Object.prototype.hasOwnProperty.call(e, 'value'))) {
    s += `: ${e.goValue ?? goFormat(e.value)}`;
  }
  if (e.message) s += `: ${e.message}`;
  return s;
}

// ---- constructors named after field.Required, field.Invalid... ----------------------------------

export function required(field: string, detail = ''): FieldError {
  return { field, type: 'FieldValueRequired', message: detail };
}

export function invalid(field: string, value: unknown, detail: string, goValue?: string): FieldError {
  const e: FieldError = { field, type: 'FieldValueInvalid', message: detail, value };
  if (goValue !== undefined) e.goValue = goValue;
  return e;
}

export function notSupported(field: string, value: unknown, valid: readonly string[]): FieldError {
  const detail = valid.length ? `supported values: ${valid.map(goQuote).join(', ')}` : '';
  return { field, type: 'FieldValueNotSupported', message: detail, value };
}

export function duplicate(field: string, value: unknown, goValue?: string): FieldError {
  const e: FieldError = { field, type: 'FieldValueDuplicate', message: '', value };
  if (goValue !== undefined) e.goValue = goValue;
  return e;
}

export function forbidden(field: string, detail: string): FieldError {
  return { field, type: 'FieldValueForbidden', message: detail };
}

export function tooLong(field: string, maxBytes: number): FieldError {
  return { field, type: 'FieldValueTooLong', message: `must have at most ${maxBytes} bytes` };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  return { field, type: 'FieldValueTooMany', message: `must have at most ${max} items`, value: actual };
}

// ---- field paths (field.Path.Child / Index / Key) ------------------------------------------------

export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

// ---- Go value rendering ----------------------------------------------------------------------------

/** strconv.Quote: Go's %q for strings. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** %#v of map[string]string; a nil map prints as map[string]string(nil). Keys sorted, as fmt does. */
export function goStringMap(m: unknown): string {
  if (m === null || m === undefined || typeof m !== 'object') return 'map[string]string(nil)';
  const entries = Object.entries(m as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]string{${entries.map(([k, v]) => `${goQuote(k)}:${goQuote(String(v))}`).join(', ')}}`;
}

/** %#v of []string; nil prints as []string(nil). */
export function goStringSlice(a: unknown): string {
  if (!Array.isArray(a)) return '[]string(nil)';
  return `[]string{${a.map((s) => goQuote(String(s))).join(', ')}}`;
}

/** Renders plain data the way field.Error prints a BadValue of the matching Go type. */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return goStringSlice(v);
  if (typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')) {
    return goStringMap(v);
  }
  return JSON.stringify(v);
}
