/** A tiny protobuf writer for tests: builds the byte strings the decoder is tested with. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function varint(v: bigint | number): Buffer {
  let x = BigInt.asUintN(64, BigInt(v)); // negatives are sign-extended to 10 bytes, as Go writes them
  const out: number[] = [];
  do {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x ? b | 0x80 : b);
  } while (x);
  return Buffer.from(out);
}

const tag = (num: number, wire: number) => varint((BigInt(num) << 3n) | BigInt(wire));

/** A varint field (int32, int64, bool). */
export const int = (num: number, v: bigint | number | boolean) => Buffer.concat([tag(num, 0), varint(typeof v === 'boolean' ? Number(v) : v)]);

/** A length-delimited field: a string, bytes or an already encoded message. */
export function len(num: number, payload: string | Uint8Array): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  return Buffer.concat([tag(num, 2), varint(bytes.length), bytes]);
}

/** A message field from its encoded fields. */
export const msg = (num: number, ...fields: Buffer[]) => len(num, Buffer.concat(fields));

/** A map<string, string|bytes> entry. */
export const entry = (num: number, key: string, value: string | Uint8Array) => msg(num, len(1, key), len(2, value));

export const MAGIC = Buffer.from('k8s\0', 'latin1');

/** `k8s\0` + runtime.Unknown{typeMeta, raw, contentEncoding: "", contentType: ""}, as kubectl writes it. */
export function envelope(apiVersion: string, kind: string, ...raw: Buffer[]): Buffer {
  return Buffer.concat([MAGIC, msg(1, len(1, apiVersion), len(2, kind)), len(2, Buffer.concat(raw)), len(3, ''), len(4, '')]);
}

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface Fixture {
  name: string;
  args: string[];
  bytes: Buffer;
  json: any;
}

/** The bodies kubectl 1.32 POSTed, with the JSON its --dry-run=client -o json printed (capture-fixtures.ts). */
export function loadFixtures(): Fixture[] {
  const index: { name: string; args: string[] }[] = JSON.parse(readFileSync(FIXTURES + 'index.json', 'utf8'));
  return index.map(({ name, args }) => ({
    name,
    args,
    bytes: Buffer.from(readFileSync(`${FIXTURES}${name}.pb.hex`, 'utf8').replace(/\s+/g, ''), 'hex'),
    json: JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')),
  }));
}
