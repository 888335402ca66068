/**
 * `kemu run` as a real process (bin/kemu, built dist/): a passing scenario exits 0 and prints its
 * results as JSON, a failed assert exits 1 with the failure in the table, and a scenario with a
 * mistake exits 1 with FILE:LINE:COL before anything starts. Needs `npm run build` first.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, randomNodeAddressBase } from '../support/kemu-process.js';
import { netexecDeployment, serviceManifest } from '../support/manifests.js';

const topology = (asserts: string) => `apiVersion: kemu.dev/v1alpha1
kind: Topology
metadata: {name: e2e-run}
spec:
  nodes: [{name: cp, role: control-plane}, {name: w1}]
  timing: {speed: 20}
  scenario:
    - {step: wait-ready, name: ready, timeout: 20s}
    - {step: ping, name: to-pod, from: node/cp, to: pod/app=web, count: 3}
    - {step: http, name: nodeport, from: external, to: nodeport/w1:30080, count: 3}
${asserts}
${netexecDeployment('web', 1)}${serviceManifest('web', '[{port: 80, targetPort: 8080, nodePort: 30080}]', { type: 'NodePort' })}`;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

describe('kemu run (real process)', function () {
  this.timeout(40_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kemu-run-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function kemuRun(name: string, text: string, ...args: string[]): Promise<Ran> {
    const file = join(dir, name);
    await writeFile(file, text);
    return new Promise((resolve) => {
      execFile(process.execPath, [join(REPO, 'bin/kemu'), 'run', file, '--node-address-base', randomNodeAddressBase(), ...args], { timeout: 35_000 }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('exits 0 when every assert passes and prints the results as JSON', async () => {
    const r = await kemuRun('pass.yaml', topology('    - {step: assert, of: to-pod, reachable: true}\n    - {step: assert, of: nodeport, successRate: 100%, allEndpointsHit: true}'), '--json');
    expect(r.code, r.stderr).to.equal(0);
    const result = JSON.parse(r.stdout);
    expect(result.steps.map((s: { label: string; status: string }) => [s.label, s.status])).to.deep.equal([
      ['ready', 'ok'], ['to-pod', 'ok'], ['nodeport', 'ok'], ['#4 assert', 'ok'], ['#5 assert', 'ok'],
    ]);
    expect(result.asserts).to.deep.equal({ total: 2, passed: 2, failed: 0 });
    expect(result.steps[2].data.succeeded).to.equal(3);
    // --json: progress goes to stderr as JSON lines.
    expect(r.stderr.trim().split('\n').map((l) => JSON.parse(l).event)).to.include.members(['run-start', 'step-done', 'run-done']);
  });

  it('--distinct-ports: the external request reaches w1\'s NodePort on 127.0.0.1 at w1\'s own real port', async () => {
    const r = await kemuRun('distinct.yaml', topology('    - {step: assert, of: nodeport, successRate: 100%}'), '--json', '--distinct-ports');
    expect(r.code, r.stderr).to.equal(0);
    const nodeport = JSON.parse(r.stdout).steps[2].data;
    expect(nodeport.succeeded).to.equal(3);
    expect(nodeport.to).to.include({ ip: '127.0.0.1', port: 30080, node: 'w1' });
    expect(nodeport.to.realPort).to.be.a('number').and.not.equal(30080);
  });

  it('exits 1 when an assert fails, and says which in the table', async () => {
    const r = await kemuRun('fail.yaml', topology('    - {step: assert, of: to-pod, latencyUnder: 1ns}'));
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/assert +#4 assert +FAILED .*FAIL latency p99 < 0\.000001 ms: p99 [\d.]+ ms/);
    expect(r.stdout).to.contain('asserts: 0/1 passed — 1 FAILED');
  });

  it('exits 1 with FILE:LINE:COL for a mistake in the scenario, starting nothing', async () => {
    const r = await kemuRun('bad.yaml', topology('    - {step: assert, of: nope, reachable: true}'));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(`${join(dir, 'bad.yaml')}:11:26: spec.scenario[3].of: no earlier step named "nope" (named so far: ready, to-pod, nodeport)\n`);
    expect(r.stdout).to.equal('');
  });
});
