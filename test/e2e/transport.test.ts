/**
 * Pod transport through a real `kemu up` (flannel VXLAN, kube-proxy iptables): emulated netexec pods
 * answer `kemu curl` over kemu's TCP via a ClusterIP; a real HTTP server on this machine, bridged in
 * as a pod (kemu.dev/bridge), answers a request made from another pod; `kemu port-forward` exposes a
 * pod port on a real loopback port; `kemu node show` prints flannel's routes as `ip route` does.
 */
import { expect } from 'chai';
import { type ChildProcess, spawn } from 'node:child_process';
import { type Server, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { HttpClient } from '../../src/api/client/http.js';
import type { Pod, Service } from '../../src/api/types.js';
import { kemuCli, kemuUp, REPO, type KemuUp } from '../support/kemu-process.js';
import { netexecDeployment, serviceManifest, topologyHeader } from '../support/manifests.js';

function topology(realPort: number): string {
  return topologyHeader('transport', { speed: 20 })
    + netexecDeployment('web', 2, { ports: '[{name: http, containerPort: 8080}]' }) + serviceManifest('web', '[{port: 80, targetPort: http}]')
    + `---
apiVersion: v1
kind: Pod
metadata: {name: mine, labels: {app: mine}}
spec:
  nodeName: w2
  containers:
    - name: bridge
      image: kemu.dev/bridge
      args: [--port=8080:127.0.0.1:${realPort}]
      ports: [{containerPort: 8080}]
${serviceManifest('mine', '[{port: 80, targetPort: 8080}]')}`;
}

describe('pod transport (real kemu up): kemu curl, bridged real server, port-forward, node show', function () {
  this.timeout(60_000);
  let kemu: KemuUp;
  let real: Server;
  let api: HttpClient;
  const seenByReal: string[] = [];
  const children: ChildProcess[] = [];
  const cli = (...args: string[]) => kemuCli(kemu.kubeconfig, ...args);

  before(async () => {
    real = createServer((req, res) => {
      seenByReal.push(req.url ?? '');
      res.end(`real server on this machine answered ${req.url}`);
    });
    await new Promise<void>((r) => real.listen(0, '127.0.0.1', () => r()));
    kemu = await kemuUp(topology((real.address() as AddressInfo).port));
    api = new HttpClient(kemu.status.api);
  });
  after(async () => {
    for (const c of children) c.kill('SIGINT');
    api?.close();
    const stderr = kemu?.stderr() ?? '';
    expect(await kemu?.stop(), stderr.slice(-2000)).to.equal(0);
    await new Promise<void>((r) => real.close(() => r()));
  });

  const webPods = async (): Promise<string[]> =>
    (await api.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items.map((p) => p.metadata.name!).sort();

  it('kemu curl reaches netexec through the ClusterIP, from a node and from a pod', async () => {
    const svc = await api.get<Service>('services', 'default', 'web');
    const names = await webPods();
    const fromNode = await cli('curl', `http://${svc.spec.clusterIP}/hostname`);
    expect(fromNode.code, fromNode.stderr).to.equal(0);
    expect(names).to.include(fromNode.stdout);
    const fromPod = await cli('curl', '-i', '--from', `pod/${names[0]}`, `http://${svc.spec.clusterIP}/echo?msg=hello`);
    expect(fromPod.code, fromPod.stderr).to.equal(0);
    expect(fromPod.stdout).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(fromPod.stdout.endsWith('\r\n\r\nhello')).to.equal(true);
  });

  it('a closed port is "Connection refused" with curl\'s exit code 7', async () => {
    const pod = (await api.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items[0]!;
    const r = await cli('curl', `http://${pod.status!.podIP}:9999/`);
    expect(r.code).to.equal(7);
    expect(r.stderr).to.equal(`curl: (7) Failed to connect to ${pod.status!.podIP} port 9999: Connection refused\n`);
  });

  it('a real server bridged as a pod answers a request from another pod through its Service', async () => {
    const svc = await api.get<Service>('services', 'default', 'mine');
    const [from] = await webPods();
    const r = await cli('curl', '--from', `pod/${from}`, `http://${svc.spec.clusterIP}/from-the-emulation`);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('real server on this machine answered /from-the-emulation');
    expect(seenByReal).to.include('/from-the-emulation');
  });

  it('kemu port-forward exposes a pod port on a real loopback port', async () => {
    const [pod] = await webPods();
    const child = spawn(process.execPath, [join(REPO, 'bin/kemu'), 'port-forward', `pod/${pod}`, ':8080', '--kubeconfig', kemu.kubeconfig]);
    children.push(child);
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`port-forward exited ${code}`)));
    });
    const body = await new Promise<string>((resolve, reject) => {
      get(`http://127.0.0.1:${port}/hostname`, { agent: false }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      }).on('error', reject);
    });
    expect(body).to.equal(pod);
  });

  it('kemu node show prints flannel\'s VXLAN routes and neighbours as iproute2 does', async () => {
    const routes = await cli('node', 'show', 'w1', 'routes');
    expect(routes.code, routes.stderr).to.equal(0);
    expect(routes.stdout).to.match(/^10\.244\.\d+\.0\/24 via 10\.244\.\d+\.0 dev flannel\.1 onlink ?$/m);
    expect(routes.stdout).to.match(/^default via 172\.18\.0\.1 dev eth0/m);
    const fdb = await cli('node', 'show', 'w1', 'fdb');
    expect(fdb.stdout).to.match(/dev flannel\.1 dst 172\.18\.0\.\d+ self permanent/);
    const bad = await cli('node', 'show', 'w1', 'nonsense');
    expect(bad.code).to.equal(2);
  });
});
