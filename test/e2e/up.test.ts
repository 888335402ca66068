import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HttpClient } from '../../src/api/client/http.js';
import { kemuUp, REPO } from '../support/kemu-process.js';

const exec = promisify(execFile);

async function queryA(port: number, name: string): Promise<string[]> {
  const socket = createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((resolve) => socket.once('message', resolve));
    socket.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
    const decoded = dnsPacket.decode(await reply);
    return (decoded.answers ?? []).flatMap((a) => (a.type === 'A' ? [String(a.data)] : []));
  } finally {
    socket.close();
  }
}

const GOOD = `apiVersion: kemu.dev/v1alpha1
kind: Topology
metadata: {name: e2e}
spec:
  nodes:
    - {name: cp, role: control-plane}
    - {name: w1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080}]
`;

describe('kemu up (real process)', function () {
  this.timeout(30_000);

  it('starts, writes kubeconfig and status, serves the API, and stops cleanly on SIGINT', async () => {
    const kemu = await kemuUp(GOOD);
    try {
      expect(kemu.status.ready).to.equal(true);
      expect(kemu.status.api).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(kemu.status.kubeconfig).to.equal(kemu.kubeconfig);
      expect(kemu.status.nodes.map((n: any) => [n.name, n.internalIP])).to.deep.equal([
        ['cp', '172.18.0.2'],
        ['w1', '172.18.0.3'],
      ]);
      const kubeconfig = await readFile(kemu.kubeconfig, 'utf8');
      expect(kubeconfig).to.contain(`server: ${kemu.status.api}`);
      const client = new HttpClient(kemu.status.api);
      const svc = await client.get<any>('services', 'default', 'web');
      expect(svc.spec.ports[0].nodePort).to.equal(30080);
      const nodes = await client.list('nodes');
      expect(nodes.items.map((n) => n.metadata.name)).to.deep.equal(['cp', 'w1']);
      client.close();
      // The cluster DNS server answers on the address the status file gives.
      expect(kemu.status.dns.address).to.equal('127.0.0.1');
      const answer = await queryA(kemu.status.dns.port, 'web.default.svc.cluster.local');
      expect(answer).to.deep.equal([svc.spec.clusterIP]);
      const lines = kemu.stderr().trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => l.event)).to.include.members(['phase-start', 'phase-done', 'info']);
    } finally {
      expect(await kemu.stop()).to.equal(0);
    }
  });

  it('exits 1 with FILE:LINE:COL errors and starts nothing for a bad file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kemu-bad-'));
    try {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, GOOD.replace('nodePort: 30080', 'nodePort: 80'));
      const kubeconfig = join(dir, 'kubeconfig');
      const err = await exec(process.execPath, [join(REPO, 'bin/kemu'), 'up', file, '--kubeconfig', kubeconfig, '--api-port', '0'], { cwd: dir }).then(
        () => undefined,
        (e) => e,
      );
      expect(err, 'kemu up should fail').to.not.equal(undefined);
      expect(err.code).to.equal(1);
      expect(err.stderr).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:15:\\d+: `, 'm'));
      expect(err.stderr).to.contain('nodePort');
      expect(existsSync(kubeconfig)).to.equal(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('prints help that teaches', async () => {
    const { stdout } = await exec(process.execPath, [join(REPO, 'bin/kemu'), 'up', '--help']);
    expect(stdout).to.contain('--api-port');
    expect(stdout).to.contain('kubectl --kubeconfig .kemu/kubeconfig get nodes,pods,svc -o wide');
  });
});
