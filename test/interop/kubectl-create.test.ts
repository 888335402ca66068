/**
 * kubectl's imperative generators against `kemu up`. They POST protobuf (not JSON), which kemu
 * decodes into the JSON kubectl would have sent (src/api/protobuf); the objects must then read back
 * through `kubectl get -o json` as if they had been created from a manifest.
 * Needs kubectl on PATH (preinstalled on kemu's machines).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kemuUp, type KemuUp } from '../support/kemu-process.js';

const exec = promisify(execFile);

const TOPOLOGY = 'apiVersion: kemu.dev/v1alpha1\nkind: Topology\nmetadata: {name: t}\nspec:\n  nodes: [{name: cp, role: control-plane}, {name: w1}]\n';
const BLOB = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe('kubectl create (protobuf bodies) against kemu up', function () {
  this.timeout(60_000);
  let kemu: KemuUp;
  const kubectl = async (...args: string[]) => {
    const { stdout } = await exec('kubectl', ['--kubeconfig', kemu.kubeconfig, ...args], { timeout: 20_000, cwd: kemu.dir });
    return stdout;
  };
  const get = async (...args: string[]) => JSON.parse(await kubectl('get', ...args, '-o', 'json'));

  before(async () => {
    kemu = await kemuUp(TOPOLOGY);
    await writeFile(join(kemu.dir, 'app.conf'), 'listen 8080\nworkers 4\n');
    await writeFile(join(kemu.dir, 'blob.bin'), BLOB);
  });
  after(async () => {
    if (kemu) expect(await kemu.stop()).to.equal(0);
  });

  it('create deployment NAME --image', async () => {
    expect(await kubectl('create', 'deployment', 'web', '--image=nginx')).to.equal('deployment.apps/web created\n');
    const d = await get('deployment', 'web');
    expect(d.spec.replicas).to.equal(1);
    expect(d.spec.selector).to.deep.equal({ matchLabels: { app: 'web' } });
    expect(d.spec.template.spec.containers.map((c: any) => [c.name, c.image])).to.deep.equal([['nginx', 'nginx']]);
  });

  it('create deployment NAME --image --replicas --port', async () => {
    await kubectl('create', 'deployment', 'api', '--image=registry.k8s.io/e2e-test-images/agnhost:2.47', '--replicas=3', '--port=8080');
    const d = await get('deployment', 'api');
    expect(d.spec.replicas).to.equal(3);
    const [c] = d.spec.template.spec.containers;
    expect(c.image).to.equal('registry.k8s.io/e2e-test-images/agnhost:2.47');
    expect(c.ports).to.deep.equal([{ containerPort: 8080, protocol: 'TCP' }]);
  });

  it('create deployment NAME --image -- COMMAND', async () => {
    await kubectl('create', 'deployment', 'sleeper', '--image=busybox', '--', 'sleep', '3600');
    expect((await get('deployment', 'sleeper')).spec.template.spec.containers[0].command).to.deep.equal(['sleep', '3600']);
  });

  it('create namespace NAME', async () => {
    expect(await kubectl('create', 'namespace', 'team-a')).to.equal('namespace/team-a created\n');
    expect((await get('namespace', 'team-a')).status.phase).to.equal('Active');
  });

  it('create configmap NAME --from-literal', async () => {
    await kubectl('create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=level=3');
    expect((await get('configmap', 'settings')).data).to.deep.equal({ mode: 'fast', level: '3' });
  });

  it('create configmap NAME --from-file (text and binary) in another namespace', async () => {
    await kubectl('create', 'configmap', 'files', '-n', 'team-a', '--from-file=app.conf', '--from-file=blob.bin');
    const cm = await get('configmap', 'files', '-n', 'team-a');
    expect(cm.data).to.deep.equal({ 'app.conf': 'listen 8080\nworkers 4\n' });
    expect(Buffer.from(cm.binaryData['blob.bin'], 'base64').equals(BLOB)).to.equal(true);
  });

  it('create service clusterip NAME --tcp', async () => {
    expect(await kubectl('create', 'service', 'clusterip', 'web', '--tcp=80:8080')).to.equal('service/web created\n');
    const s = await get('service', 'web');
    expect(s.spec.type).to.equal('ClusterIP');
    expect(s.spec.clusterIP).to.match(/^10\.\d+\.\d+\.\d+$/);
    expect(s.spec.selector).to.deep.equal({ app: 'web' });
    expect(s.spec.ports).to.deep.equal([{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }]);
  });

  it('create service nodeport NAME --tcp --node-port', async () => {
    await kubectl('create', 'service', 'nodeport', 'web-np', '--tcp=80:8080', '--node-port=30080');
    const s = await get('service', 'web-np');
    expect(s.spec.type).to.equal('NodePort');
    expect(s.spec.ports[0]).to.include({ port: 80, targetPort: 8080, nodePort: 30080 });
  });

  it('create service loadbalancer NAME --tcp', async () => {
    await kubectl('create', 'service', 'loadbalancer', 'web-lb', '--tcp=443:8443');
    const s = await get('service', 'web-lb');
    expect(s.spec.type).to.equal('LoadBalancer');
    expect(s.spec.ports[0]).to.include({ port: 443, targetPort: 8443 });
    expect(s.spec.ports[0].nodePort).to.be.within(30000, 32767);
  });

  it('create service externalname NAME --external-name', async () => {
    await kubectl('create', 'service', 'externalname', 'ext', '--external-name=example.com');
    const s = await get('service', 'ext');
    expect(s.spec).to.include({ type: 'ExternalName', externalName: 'example.com' });
    expect(s.spec.clusterIP).to.equal(undefined);
  });

  it('answers a second create with AlreadyExists, like for a JSON body', async () => {
    const err = await kubectl('create', 'namespace', 'team-a').then(
      () => '',
      (e: any) => String(e.stderr),
    );
    expect(err).to.match(/AlreadyExists.*namespaces "team-a" already exists/);
  });
});
