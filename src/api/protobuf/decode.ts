/**
 * Kubernetes protobuf request bodies → the JSON object kubectl would have sent for the same command.
 *
 * kubectl's typed clients (create deployment/namespace/configmap/service) POST protobuf; kemu's API
 * speaks JSON, so the body is turned into exactly the JSON Go's encoding/json writes for the same Go
 * object — omitempty and pointer rules included, see schema.ts — and then follows the JSON path
 * (strict field validation, defaulting, validation) unchanged.
 *
 * Wire format: `k8s\0`, then a runtime.Unknown {typeMeta{apiVersion, kind}, raw, contentEncoding,
 * contentType} whose `raw` is the object's own message.
 */
import type { KubeObject } from '../types.js';
import { KINDS, MESSAGES, isMessageType, type FieldSchema, type MessageSchema } from './schema.js';
import {
  ProtobufError,
  WIRE_LEN,
  WIRE_VARINT,
  decodeString,
  malformed,
  readFields,
  readPackedVarints,
  toInt32,
  toInt64,
  type WireField,
} from './wire.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
const EMPTY = new Uint8Array(0);
/** Marks a field encoding/json would leave out. */
const OMIT = Symbol('omit');

/** "v1 Namespace, …, apps/v1 Deployment" for the 415 message. */
export const DECODED_KINDS = Object.keys(KINDS).map((k) => k.replace(/\/(?=[^/]+$)/, ' ')).join(', ');

export function decodeKubernetesProtobuf(body: Uint8Array): KubeObject {
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    throw malformed('it does not start with the k8s\\x00 prefix');
  }
  const env = decodeEnvelope(body.subarray(MAGIC.length));
  const message = KINDS[`${env.apiVersion}/${env.kind}`];
  if (!message) {
    throw new ProtobufError(
      'unsupported',
      `kemu decodes protobuf request bodies only for ${DECODED_KINDS}, not ${env.apiVersion || '""'} ${env.kind || '""'}; send JSON (application/json) instead`,
    );
  }
  if (env.contentEncoding || (env.contentType && env.contentType !== PROTOBUF_MEDIA_TYPE)) {
    throw new ProtobufError('unsupported', `kemu does not decode protobuf envelopes with contentEncoding "${env.contentEncoding}" and contentType "${env.contentType}"; send JSON instead`);
  }
  const obj = decodeMessage(MESSAGES.get(message)!, env.raw);
  // TypeMeta is inlined first in every Kubernetes Go type: kind, then apiVersion.
  return { kind: env.kind, apiVersion: env.apiVersion, ...obj } as KubeObject;
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

function decodeEnvelope(buf: Uint8Array): Envelope {
  const env: Envelope = { apiVersion: '', kind: '', raw: EMPTY, contentEncoding: '', contentType: '' };
  const typeMeta: Uint8Array[] = [];
  for (const f of readFields(buf)) {
    if (f.num > 4) throw unknownField(f.num, 'Unknown');
    expectWire(f, WIRE_LEN, 'Unknown');
    if (f.num === 1) typeMeta.push(f.bytes);
    else if (f.num === 2) env.raw = f.bytes;
    else if (f.num === 3) env.contentEncoding = decodeString(f.bytes);
    else env.contentType = decodeString(f.bytes);
  }
  for (const f of readFields(concat(typeMeta))) {
    if (f.num > 2) throw unknownField(f.num, 'TypeMeta');
    expectWire(f, WIRE_LEN, 'TypeMeta');
    if (f.num === 1) env.apiVersion = decodeString(f.bytes);
    else env.kind = decodeString(f.bytes);
  }
  return env;
}

function decodeMessage(schema: MessageSchema, buf: Uint8Array): Record<string, unknown> {
  // Every occurrence per field number; a singular message field keeps its raw chunks, because
  // protobuf merges repeated occurrences of a message (decoding the concatenation does exactly that).
  const seen = new Map<number, unknown[]>();
  for (const f of readFields(buf)) {
    const field = schema.byNumber.get(f.num);
    if (!field) throw unknownField(f.num, schema.name);
    let values = seen.get(f.num);
    if (!values) seen.set(f.num, (values = []));
    if (isMessageType(field.type) && !field.repeated) {
      expectWire(f, WIRE_LEN, schema.name);
      values.push(f.bytes);
    } else {
      decodeOccurrence(field, f, schema.name, values);
    }
  }
  const out: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const v = emit(field, seen.get(field.num));
    if (v !== OMIT) out[field.json] = v;
  }
  return out;
}

function decodeOccurrence(field: FieldSchema, f: WireField, msg: string, into: unknown[]): void {
  const t = field.type;
  if (t === 'i32' || t === 'i64' || t === 'b') {
    // Repeated numbers may arrive packed (proto3 writers do that); both forms are valid protobuf.
    const raw = field.repeated && f.wire === WIRE_LEN ? readPackedVarints(f.bytes) : [varintOf(f, msg)];
    for (const v of raw) into.push(t === 'i32' ? toInt32(v) : t === 'i64' ? toInt64(v) : v !== 0n);
    return;
  }
  expectWire(f, WIRE_LEN, msg);
  if (t === 's') into.push(decodeString(f.bytes));
  else if (t === 'bytes') into.push(Buffer.from(f.bytes).toString('base64'));
  else if (t === 'map' || t === 'bmap' || t === 'qmap') into.push(decodeMapEntry(field, f.bytes, msg));
  else if (t === 'time') into.push(decodeTime(f.bytes));
  else if (t === 'ios') into.push(decodeIntOrString(f.bytes));
  else if (t === 'qty') into.push(decodeQuantity(f.bytes));
  else into.push(decodeMessage(MESSAGES.get(t)!, f.bytes));
}

/** Go's encoding/json view of a field: see the flag rules in schema.ts. */
function emit(field: FieldSchema, values: unknown[] | undefined): unknown {
  const present = values !== undefined && values.length > 0;
  const t = field.type;
  if (field.repeated) return present ? values : field.always ? null : OMIT;
  if (t === 'map' || t === 'bmap' || t === 'qmap') {
    if (!present) return field.always ? null : OMIT;
    const obj: Record<string, unknown> = {};
    // defineProperty, so a key named __proto__ is data (as JSON.parse makes it), not a prototype.
    for (const [k, v] of values as [string, unknown][]) Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
    return obj;
  }
  if (isMessageType(t)) {
    if (present) return decodeMessage(MESSAGES.get(t)!, concat(values as Uint8Array[]));
    if (field.pointer) return field.always ? null : OMIT;
    return decodeMessage(MESSAGES.get(t)!, EMPTY); // a Go struct value is always written
  }
  const last = present ? values[values.length - 1] : undefined; // last one wins for scalars
  if (field.pointer) return present ? last : field.always ? null : OMIT;
  if (t === 'time') return present ? last : null; // metav1.Time{} marshals as null
  if (t === 'ios') return present ? last : 0;
  if (t === 'qty') return present ? last : '0';
  if (field.always) return present ? last : t === 's' || t === 'bytes' ? '' : t === 'b' ? false : 0;
  return present && last !== '' && last !== 0 && last !== false ? last : OMIT;
}

function decodeMapEntry(field: FieldSchema, buf: Uint8Array, msg: string): [string, unknown] {
  // A missing key or value in an entry is the zero value, as in every protobuf runtime.
  let key = '';
  let value: unknown = field.type === 'qmap' ? '0' : '';
  for (const f of readFields(buf)) {
    if (f.num > 2) throw unknownField(f.num, `${msg}.${field.json} entry`);
    expectWire(f, WIRE_LEN, `${msg}.${field.json} entry`);
    if (f.num === 1) key = decodeString(f.bytes);
    else if (field.type === 'map') value = decodeString(f.bytes);
    else if (field.type === 'bmap') value = Buffer.from(f.bytes).toString('base64');
    else value = decodeQuantity(f.bytes);
  }
  return [key, value];
}

/** Seconds of 0001-01-01T00:00:00Z: Go's zero time.Time, which metav1.Time writes as null. */
const ZERO_TIME = -62135596800n;
const MAX_TIME = 253402300799n; // 9999-12-31T23:59:59Z

/** metav1.Time {seconds, nanos}: RFC 3339 in UTC at second precision, as Kubernetes keeps it. */
function decodeTime(buf: Uint8Array): string | null {
  let seconds: bigint | undefined;
  for (const f of readFields(buf)) {
    if (f.num > 2) throw unknownField(f.num, 'Time');
    const v = BigInt.asIntN(64, varintOf(f, 'Time'));
    if (f.num === 1) seconds = v; // nanos (2) are dropped by Kubernetes' own Time.Unmarshal too
  }
  if (buf.length === 0 || seconds === ZERO_TIME) return null;
  const s = seconds ?? 0n;
  if (s < ZERO_TIME || s > MAX_TIME) throw malformed(`time ${s}s is outside years 1-9999`);
  return new Date(Number(s) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** IntOrString {type, intVal, strVal} → the number or the string, as its MarshalJSON does. */
function decodeIntOrString(buf: Uint8Array): number | string {
  let type = 0n;
  let intVal = 0;
  let strVal = '';
  for (const f of readFields(buf)) {
    if (f.num === 1) type = varintOf(f, 'IntOrString');
    else if (f.num === 2) intVal = toInt32(varintOf(f, 'IntOrString'));
    else if (f.num === 3) {
      expectWire(f, WIRE_LEN, 'IntOrString');
      strVal = decodeString(f.bytes);
    } else throw unknownField(f.num, 'IntOrString');
  }
  if (type === 0n) return intVal;
  if (type === 1n) return strVal;
  throw malformed(`IntOrString type ${type} is neither 0 (int) nor 1 (string)`);
}

/** Quantity {string}: kept as written (kubectl sends the canonical form); kemu validates it later. */
function decodeQuantity(buf: Uint8Array): string {
  let s = '0';
  for (const f of readFields(buf)) {
    if (f.num !== 1) throw unknownField(f.num, 'Quantity');
    expectWire(f, WIRE_LEN, 'Quantity');
    s = decodeString(f.bytes);
  }
  return s;
}

function varintOf(f: WireField, msg: string): bigint {
  expectWire(f, WIRE_VARINT, msg);
  return f.varint;
}

function expectWire(f: WireField, wire: number, msg: string): void {
  if (f.wire !== wire) throw malformed(`field ${f.num} of ${msg} has wire type ${f.wire}, expected ${wire}`);
}

function unknownField(num: number, msg: string): ProtobufError {
  return new ProtobufError('unknown-field', `kemu cannot decode protobuf field ${num} of ${msg}; send JSON instead`);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  return chunks.length === 0 ? EMPTY : Buffer.concat(chunks);
}
