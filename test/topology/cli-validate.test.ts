/** `kemu validate`: output on each stream and the exit code. */
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateCommand } from '../../src/cli/validate.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const demo = join(ROOT, 'topologies', 'demo.yaml');
const calico = join(ROOT, 'topologies', 'calico-cross-subnet.yaml');
const bad = join(ROOT, 'test', 'topology', 'fixtures', 'bad', 'overlap-pod-service.yaml');

async function run(files: string[], json = false): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (c: Buffer) => (o += c.toString()));
  err.on('data', (c: Buffer) => (e += c.toString()));
  const code = await validateCommand(files, { json }, out, err);
  return { code, out: o, err: e };
}

describe('cli: kemu validate', () => {
  it('prints a summary per valid file and exits 0', async () => {
    expect(await run([demo, calico])).to.deep.equal({
      code: 0,
      out: `${demo}: ok (3 nodes, 2 manifests, cni flannel/vxlan, proxy iptables)\n${calico}: ok (5 nodes, 2 manifests, cni calico/ipip+crossSubnet, proxy iptables)\n`,
      err: '',
    });
  });

  it('prints diagnostics on stderr and exits 1 when any file is invalid', async () => {
    expect(await run([bad, demo])).to.deep.equal({
      code: 1,
      out: `${demo}: ok (3 nodes, 2 manifests, cni flannel/vxlan, proxy iptables)\n`,
      err: `${bad}:7:20: spec.networking.serviceSubnet: 10.96.0.0/12 overlaps podSubnet 10.96.0.0/16\n`,
    });
  });

  it('reports a missing file', async () => {
    const r = await run(['/nonexistent/kemu.yaml']);
    expect(r).to.deep.equal({ code: 1, out: '', err: '/nonexistent/kemu.yaml: cannot read file: no such file\n' });
  });

  it('--json prints one array of results on stdout', async () => {
    const r = await run([demo, bad], true);
    expect(r.code).to.equal(1);
    expect(r.err).to.equal('');
    expect(JSON.parse(r.out)).to.deep.equal([
      { file: demo, ok: true, nodes: 3, manifests: 2, cni: 'flannel/vxlan', proxy: 'iptables' },
      {
        file: bad,
        ok: false,
        diagnostics: [
          { file: bad, line: 7, col: 20, code: 'CIDR_OVERLAP', message: 'spec.networking.serviceSubnet: 10.96.0.0/12 overlaps podSubnet 10.96.0.0/16' },
        ],
      },
    ]);
  });

  it('exits 1 without files', async () => {
    expect(await run([])).to.deep.equal({ code: 1, out: '', err: 'kemu validate: no files given\n' });
  });
});
