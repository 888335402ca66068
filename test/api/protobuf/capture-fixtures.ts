/**
 * Regenerates the fixtures of the protobuf decoder tests from the real kubectl:
 *
 *   npx tsx test/api/protobuf/capture-fixtures.ts
 *
 * For every command in fixtures/index.json it runs kubectl twice: against a recording proxy (kemu's
 * test API behind it answers discovery; the POST body is stored as `<name>.pb.hex` and answered
 * with a 400, so nothing is created), and with `--dry-run=client -o json` for the JSON kubectl
 * would send instead (`<name>.json`). Not a test: mocha only runs *.test.ts.
 */
import { execFile } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestApi } from '../../support/api.js';

const exec = promisify(execFile);
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface FixtureCase {
  name: string;
  args: string[];
}

/** The files `--from-file` reads: one text file, one that is not UTF-8 (→ binaryData). */
export const INPUT_FILES: Record<string, Buffer> = {
  'app.conf': Buffer.from('listen 8080\nworkers 4\n'),
  'blob.bin': Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
};

async function main(): Promise<void> {
  const cases: FixtureCase[] = JSON.parse(await readFile(join(FIXTURES, 'index.json'), 'utf8'));
  const api = await startTestApi();
  const upstream = new URL(api.url);
  let captured: { path: string; contentType: string; body: Buffer } | undefined;
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') {
        captured = { path: req.url ?? '', contentType: String(req.headers['content-type']), body: Buffer.concat(chunks) };
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'captured', reason: 'BadRequest', code: 400 }));
        return;
      }
      const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const dir = await mkdtemp(join(tmpdir(), 'kemu-pb-'));
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    const server = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    await writeFile(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${server}"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`);
    for (const [name, data] of Object.entries(INPUT_FILES)) await writeFile(join(dir, name), data);
    for (const c of cases) {
      captured = undefined;
      await exec('kubectl', ['--kubeconfig', kubeconfig, ...c.args], { cwd: dir }).catch(() => undefined); // fails on the 400
      if (!captured) throw new Error(`${c.name}: kubectl sent no POST`);
      const { path, contentType, body } = captured as { path: string; contentType: string; body: Buffer };
      if (contentType !== 'application/vnd.kubernetes.protobuf') throw new Error(`${c.name}: kubectl sent ${contentType}`);
      // Flags after `--` belong to the container command, so the dry-run flags go before it.
      const cut = c.args.includes('--') ? c.args.indexOf('--') : c.args.length;
      const dry = [...c.args.slice(0, cut), '--dry-run=client', '-o', 'json', ...c.args.slice(cut)];
      const { stdout } = await exec('kubectl', ['--kubeconfig', kubeconfig, ...dry], { cwd: dir });
      await writeFile(join(FIXTURES, `${c.name}.pb.hex`), `${body.toString('hex').replace(/(.{64})/g, '$1\n').trim()}\n`);
      await writeFile(join(FIXTURES, `${c.name}.json`), stdout);
      console.log(`${c.name}: POST ${path.split('?')[0]} ${body.length} bytes`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    proxy.close();
    await api.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
