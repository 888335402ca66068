/** docs/topology-format.md must stay true to the schema and to the loader's actual messages. */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopologyText } from '../../src/topology/load.js';
import { schemaPaths, TOPOLOGY_SCHEMA } from '../../src/topology/schema.js';
import type { Field } from '../../src/topology/schema.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'topology-format.md'), 'utf8');
const rowOf = (path: string) => DOC.split('\n').find((l) => l.startsWith(`| \`${path}\` |`));

/** Static defaults by path, as the docs should show them. */
function defaults(f: Field, prefix: string, out: Map<string, string>): Map<string, string> {
  const sub = (k: string, x: Field) => {
    const p = prefix ? `${prefix}.${k}` : k;
    if ('default' in x && x.default !== undefined && x.type !== 'variant') out.set(p, x.default === '' ? '""' : String(x.default));
    defaults(x, p, out);
  };
  if (f.type === 'object') for (const [k, x] of Object.entries(f.fields)) sub(k, x);
  if (f.type === 'variant') for (const v of Object.values(f.variants)) for (const [k, x] of Object.entries(v.fields)) sub(k, x);
  if (f.type === 'list') defaults(f.items, `${prefix}[]`, out);
  return out;
}

describe('docs/topology-format.md', () => {
  it('has a reference row for every schema field', () => {
    expect(schemaPaths().filter((p) => !rowOf(p))).to.deep.equal([]);
  });

  it('shows each static default in the field\'s row', () => {
    const wrong = [...defaults(TOPOLOGY_SCHEMA, '', new Map())].filter(([p, d]) => !rowOf(p)?.includes(`\`${d}\``));
    expect(wrong).to.deep.equal([]);
  });

  it('quotes diagnostics the loader really produces', () => {
    const bad = join(ROOT, 'test', 'topology', 'fixtures', 'bad');
    const produced = new Set<string>();
    for (const f of readdirSync(bad)) {
      const r = loadTopologyText(readFileSync(join(bad, f), 'utf8'), 'f.yaml');
      if (!r.ok) for (const d of r.diagnostics) produced.add(`f.yaml:${d.line}:${d.col}: ${d.message}`);
    }
    const quoted = [...DOC.matchAll(/`(f\.yaml:\d+:\d+: [^`]+)`/g)].map((m) => m[1]!).filter((q) => !q.endsWith('...'));
    expect(quoted.length).to.be.at.least(40);
    expect(quoted.filter((q) => !produced.has(q))).to.deep.equal([]);
  });
});
