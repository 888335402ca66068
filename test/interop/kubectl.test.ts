/**
 * kubectl, unmodified, against `kemu up`: every command of the foundation issue's acceptance list.
 * Needs kubectl on PATH (preinstalled on kemu's machines; .ci/run checks for it).
 */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kemuUp, type KemuUp } from '../support/kemu-process.js';
import { netexecDeployment, serviceManifest, topologyHeader } from '../support/manifests.js';

const exec = promisify(execFile);

const TOPOLOGY = topologyHeader('interop')
  + netexecDeployment('web', 2, { args: '[netexec, --http-port=8080]', ports: '[{name: http, containerPort: 8080}]' })
  + serviceManifest('web', '[{name: http, port: 80, targetPort: http, nodePort: 30080}]', { type: 'NodePort' });

describe('kubectl against kemu up', function () {
  this.timeout(60_000);
  let kemu: KemuUp;
  const kubectl = async (...args: string[]) => {
    const { stdout } = await exec('kubectl', ['--kubeconfig', kemu.kubeconfig, ...args], { timeout: 20_000 });
    return stdout;
  };
  const kubectlFails = async (...args: string[]) => {
    try {
      await kubectl(...args);
    } catch (err: any) {
      return String(err.stderr);
    }
    throw new Error(`kubectl ${args.join(' ')} succeeded but should have failed`);
  };

  before(async () => (kemu = await kemuUp(TOPOLOGY)));
  after(async () => {
    if (kemu) expect(await kemu.stop()).to.equal(0);
  });

  it('version reports the server', async () => {
    const out = JSON.parse(await kubectl('version', '-o', 'json'));
    expect(out.serverVersion.gitVersion).to.equal('v1.32.0-kemu');
  });

  it('api-resources lists what kemu serves', async () => {
    const out = await kubectl('api-resources');
    for (const r of ['pods', 'services', 'deployments', 'endpointslices', 'leases', 'nodes']) expect(out).to.match(new RegExp(`^${r}\\s`, 'm'));
    expect(out).to.match(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/m);
  });

  it('get nodes,pods,svc,deploy,rs,ep,endpointslices -o wide', async () => {
    const out = await kubectl('get', 'nodes,pods,svc,deploy,rs,ep,endpointslices', '-o', 'wide');
    expect(out).to.match(/^node\/cp\s+Ready\s+control-plane\s/m);
    expect(out).to.match(/^node\/w1\s+Ready\s+<none>\s/m);
    expect(out).to.match(/INTERNAL-IP/);
    expect(out).to.match(/^service\/web\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+80:30080\/TCP/m);
    expect(out).to.match(/^deployment\.apps\/web\s/m);
    expect(out).to.match(/^service\/kubernetes\s+ClusterIP\s+10\.96\.0\.1\s/m);
  });

  it('get -o yaml returns the object', async () => {
    const out = await kubectl('get', 'svc', 'web', '-o', 'yaml');
    expect(out).to.match(/nodePort: 30080/);
    expect(out).to.match(/uid: [0-9a-f-]{36}/);
  });

  it('get -w receives the events', async () => {
    const watcher = spawn('kubectl', ['--kubeconfig', kemu.kubeconfig, 'get', 'configmaps', '-w', '--no-headers'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const seen = new Promise<void>((resolve) => watcher.stdout.on('data', (d) => ((out += d), /watched-2/.test(out) && resolve())));
    await new Promise((r) => setTimeout(r, 1000));
    for (const name of ['watched-1', 'watched-2']) {
      const file = join(kemu.dir, `${name}.yaml`);
      await writeFile(file, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {a: b}\n`);
      await kubectl('create', '-f', file);
    }
    await seen;
    watcher.kill();
    expect(out).to.match(/watched-1/);
    expect(out).to.match(/watched-2/);
  });

  it('apply -f creates, then applies a change', async () => {
    const file = join(kemu.dir, 'app.yaml');
    const manifest = (image: string, port: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: applied, labels: {app: applied}}
spec:
  replicas: 1
  selector: {matchLabels: {app: applied}}
  template:
    metadata: {labels: {app: applied}}
    spec:
      containers: [{name: c, image: ${image}, ports: [{containerPort: ${port}}]}]
---
apiVersion: v1
kind: Service
metadata: {name: applied}
spec:
  selector: {app: applied}
  ports: [{port: ${port}}]
`;
    await writeFile(file, manifest('registry.k8s.io/e2e-test-images/agnhost:2.47', 8080));
    expect(await kubectl('apply', '-f', file)).to.match(/deployment.apps\/applied created[\s\S]*service\/applied created/);
    await writeFile(file, manifest('registry.k8s.io/e2e-test-images/agnhost:2.48', 9090));
    expect(await kubectl('apply', '-f', file)).to.match(/deployment.apps\/applied configured[\s\S]*service\/applied configured/);
    const d = JSON.parse(await kubectl('get', 'deploy', 'applied', '-o', 'json'));
    expect(d.spec.template.spec.containers[0].image).to.equal('registry.k8s.io/e2e-test-images/agnhost:2.48');
    expect(d.spec.template.spec.containers[0].ports).to.deep.equal([{ containerPort: 9090, protocol: 'TCP' }]);
    const s = JSON.parse(await kubectl('get', 'svc', 'applied', '-o', 'json'));
    expect(s.spec.ports.map((p: any) => p.port)).to.deep.equal([9090]);
    expect(await kubectl('apply', '-f', file)).to.match(/unchanged/);
  });

  it('apply rejects a manifest the API server finds invalid', async () => {
    const file = join(kemu.dir, 'bad.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec:\n  ports: [{port: 70000}]\n');
    const err = await kubectlFails('apply', '-f', file);
    expect(err).to.match(/spec.ports\[0\].port: Invalid value: 70000/);
  });

  it('apply with an unknown field fails strict validation', async () => {
    const file = join(kemu.dir, 'unknown.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: strict}\ndata: {a: b}\nbogus: 1\n');
    const err = await kubectlFails('apply', '-f', file);
    expect(err).to.match(/unknown field "bogus"/);
  });

  it('scale deployment --replicas', async () => {
    expect(await kubectl('scale', 'deployment', 'web', '--replicas', '4')).to.match(/deployment.apps\/web scaled/);
    const d = JSON.parse(await kubectl('get', 'deploy', 'web', '-o', 'json'));
    expect(d.spec.replicas).to.equal(4);
  });

  it('cordon and uncordon', async () => {
    expect(await kubectl('cordon', 'w1')).to.match(/node\/w1 cordoned/);
    expect(await kubectl('get', 'node', 'w1')).to.match(/Ready,SchedulingDisabled/);
    expect(await kubectl('uncordon', 'w1')).to.match(/node\/w1 uncordoned/);
    expect(await kubectl('get', 'node', 'w1')).not.to.match(/SchedulingDisabled/);
  });

  it('describe node and describe svc', async () => {
    const node = await kubectl('describe', 'node', 'w1');
    expect(node).to.match(/Name:\s+w1/);
    expect(node).to.match(/InternalIP:\s+172\.18\./);
    expect(node).to.match(/Ready\s+True/);
    const svc = await kubectl('describe', 'svc', 'web');
    expect(svc).to.match(/Type:\s+NodePort/);
    expect(svc).to.match(/NodePort:\s+http\s+30080\/TCP/);
  });

  it('delete removes objects', async () => {
    expect(await kubectl('delete', 'configmap', 'watched-1')).to.match(/configmap "watched-1" deleted/);
    expect(await kubectlFails('get', 'configmap', 'watched-1')).to.match(/NotFound/);
  });
});
