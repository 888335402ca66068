/**
 * The control plane end to end, through a real `kemu up` process at timing.speed 20 and the HTTP
 * API: podCIDRs, pod IPs, node failure with eviction and endpoints following, cordon, scaling.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HttpClient } from '../../src/api/client/http.js';
import type { EndpointSlice, Node, Pod } from '../../src/api/types.js';
import { kemuUp, REPO, type KemuUp } from '../support/kemu-process.js';
import { netexecDeployment, serviceManifest, topologyHeader } from '../support/manifests.js';

const exec = promisify(execFile);

const TOPOLOGY = topologyHeader('cp-e2e', { speed: 20 }) + netexecDeployment('web', 4) + serviceManifest('web', '[{port: 80, targetPort: http}]');

function inCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [base, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(base!) / size);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('control plane (real kemu up, speed 20)', function () {
  this.timeout(60_000);
  let kemu: KemuUp;
  let api: HttpClient;
  const readyIPs = async () => {
    const slices = await api.list<EndpointSlice>('endpointslices', { namespace: 'default', labelSelector: 'kubernetes.io/service-name=web' });
    return slices.items.flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready).flatMap((e) => e.addresses)).sort();
  };
  const runningPods = async () =>
    (await api.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items.filter(
      (p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  const kemuCli = (...args: string[]) => exec(process.execPath, [join(REPO, 'bin/kemu'), ...args, '--kubeconfig', kemu.kubeconfig]);

  before(async () => {
    kemu = await kemuUp(TOPOLOGY);
    api = new HttpClient(kemu.status.api);
  });
  after(async () => {
    api?.close();
    if (kemu) expect(await kemu.stop()).to.equal(0);
  });

  it('comes up ready: distinct podCIDRs inside podSubnet, pod IPs inside their node podCIDR', async () => {
    expect(kemu.status.ready).to.equal(true);
    const nodes = (await api.list<Node>('nodes')).items;
    const cidrs = nodes.map((n) => n.spec.podCIDR!);
    expect(new Set(cidrs).size).to.equal(3);
    for (const c of cidrs) expect(inCidr(c.split('/')[0]!, '10.244.0.0/16'), c).to.equal(true);
    const pods = await runningPods();
    expect(pods).to.have.length(4);
    for (const p of pods) {
      const node = nodes.find((n) => n.metadata.name === p.spec.nodeName)!;
      expect(inCidr(p.status!.podIP!, node.spec.podCIDR!), `${p.status!.podIP} in ${node.spec.podCIDR}`).to.equal(true);
      expect(p.status!.podIP!.endsWith('.0') || p.status!.podIP!.endsWith('.1')).to.equal(false);
    }
    expect(new Set(pods.map((p) => p.status!.podIP)).size).to.equal(4);
    // The control-plane taint keeps workloads off it.
    expect(pods.every((p) => p.spec.nodeName !== 'cp')).to.equal(true);
    expect(await readyIPs()).to.deep.equal(pods.map((p) => p.status!.podIP!).sort());
  });

  it('a scaled Deployment\'s endpoints follow (the latency is measured in test/bench/control-plane)', async () => {
    await api.patch('deployments', 'default', 'web', 'merge', { spec: { replicas: 6 } }, 'scale');
    const ips = await until('6 ready endpoints', async () => {
      const ips = await readyIPs();
      return ips.length === 6 ? ips : undefined;
    });
    expect(ips).to.deep.equal((await runningPods()).map((p) => p.status!.podIP!).sort());
  });

  it('cordon keeps new pods off a node', async () => {
    await api.patch('nodes', undefined, 'w2', 'strategic', { spec: { unschedulable: true } });
    await api.patch('deployments', 'default', 'web', 'merge', { spec: { replicas: 9 } }, 'scale');
    const pods = await until('9 running pods', async () => {
      const p = await runningPods();
      return p.length === 9 ? p : undefined;
    });
    const onW2Before = 3; // 6 pods spread over w1 and w2 before cordon
    expect(pods.filter((p) => p.spec.nodeName === 'w2').length).to.be.at.most(onW2Before);
    expect(pods.filter((p) => p.spec.nodeName === 'w1').length).to.be.at.least(6);
    await api.patch('nodes', undefined, 'w2', 'strategic', { spec: { unschedulable: false } });
    await api.patch('deployments', 'default', 'web', 'merge', { spec: { replicas: 4 } }, 'scale');
    await until('4 ready endpoints', async () => ((await readyIPs()).length === 4 ? true : undefined));
  });

  it('kemu node stop: NotReady/Unknown, pods evicted after the toleration, recreated elsewhere, endpoints follow; start brings it back', async () => {
    const victim = (await runningPods())[0]!.spec.nodeName!;
    const other = victim === 'w1' ? 'w2' : 'w1';
    await kemuCli('node', 'stop', victim);
    await until('node Unknown', async () => {
      const n = await api.get<Node>('nodes', undefined, victim);
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown' ? n : undefined;
    });
    // The NoExecute taint follows on the node controller's next monitor period, as in Kubernetes.
    await until('unreachable taints', async () => {
      const n = await api.get<Node>('nodes', undefined, victim);
      const taints = n.spec.taints?.map((t) => `${t.key}:${t.effect}`) ?? [];
      return taints.includes('node.kubernetes.io/unreachable:NoExecute') && taints.includes('node.kubernetes.io/unreachable:NoSchedule') ? true : undefined;
    });
    // Endpoints drop the unreachable node's pods (marked not ready) before eviction.
    await until('endpoints without the stopped node', async () => {
      const slices = await api.list<EndpointSlice>('endpointslices', { namespace: 'default', labelSelector: 'kubernetes.io/service-name=web' });
      const ready = slices.items.flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready));
      return ready.every((e) => e.nodeName !== victim) ? true : undefined;
    });
    // 300 s default toleration / speed 20 = 15 s: pods are evicted and replaced on the other node.
    const replaced = await until(
      '4 ready pods on the surviving node',
      async () => {
        const pods = await runningPods();
        return pods.length === 4 && pods.every((p) => p.spec.nodeName === other) ? pods : undefined;
      },
      30_000,
    );
    expect(await readyIPs()).to.deep.equal(replaced.map((p) => p.status!.podIP!).sort());
    const terminating = (await api.list<Pod>('pods', { namespace: 'default' })).items.filter((p) => p.metadata.deletionTimestamp);
    expect(terminating.every((p) => p.spec.nodeName === victim)).to.equal(true);

    await kemuCli('node', 'start', victim);
    await until('node Ready again and its evicted pods gone', async () => {
      const n = await api.get<Node>('nodes', undefined, victim);
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      const left = (await api.list<Pod>('pods', { namespace: 'default' })).items.filter((p) => p.metadata.deletionTimestamp);
      return ready && left.length === 0 && !n.spec.taints?.some((t) => t.key.startsWith('node.kubernetes.io/unreachable')) ? true : undefined;
    });
  });
});
