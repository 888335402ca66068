/**
 * `npm run bench`: runs every test/bench/*.bench.ts (or those named on the command line) one after
 * another and prints each ratio against its in-run baseline. Results go into docs/benchmarks.md by hand,
 * with the command that produced them.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { report, type BenchResult } from './harness.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

process.stdout.write(`kemu benchmarks — node ${process.version}, ${new Date().toISOString()}\n`);
for (const f of files) {
  const mod = (await import(new URL(f, import.meta.url).href)) as { run(): Promise<BenchResult> };
  report(await mod.run());
}
