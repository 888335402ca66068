import { expect } from 'chai';
import { startTestApi, podManifest, type TestApi } from '../support/api.js';
import { FakeClock } from '../../src/util/clock.js';
import { EventRecorder } from '../../src/controllers/events.js';
import { PodManager } from '../../src/node/pods.js';
import { InMemoryRuntime } from '../../src/node/runtime.js';
import { buildNode } from '../../src/node/registration.js';
import type { Event, Pod } from '../../src/api/types.js';

const NODE = 'node-a';

/** Polls (real time) until `fn` returns a truthy value; the fake clock only drives kemu's timers. */
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('PodManager (kubelet pods) against the API', () => {
  let api: TestApi;
  let clock: FakeClock;
  let runtime: InMemoryRuntime;
  let manager: PodManager;

  async function setup(opts: { podCIDR?: string; stopDelayMs?: number } = {}): Promise<void> {
    clock = new FakeClock();
    api = await startTestApi({ clock });
    const node = buildNode({ name: NODE, role: 'worker', internalIP: '172.18.0.3', labels: {}, taints: [] }, clock.now());
    if (opts.podCIDR) node.spec = { podCIDR: opts.podCIDR, podCIDRs: [opts.podCIDR] };
    await api.client.create('nodes', node);
    runtime = new InMemoryRuntime({ clock, startDelayMs: 500, stopDelayMs: opts.stopDelayMs ?? 0 });
    const recorder = new EventRecorder(api.client, clock, 'kubelet', NODE);
    manager = new PodManager({ client: api.client, clock, nodeName: NODE, runtime, recorder });
    await manager.start();
  }

  afterEach(async () => {
    await manager?.stopAll();
    await api?.close();
  });

  async function runPod(name: string, extra: Record<string, unknown> = {}): Promise<void> {
    await api.client.create('pods', { ...podManifest(name, { app: 'web' }), metadata: { name, namespace: 'default', labels: { app: 'web' } }, ...extra } as Pod);
    await api.client.create('pods', { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: 'default' }, target: { kind: 'Node', name: NODE } }, 'binding');
  }
  const get = (name: string) => api.client.get<Pod>('pods', 'default', name).catch(() => undefined);
  const condition = (p: Pod | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type)?.status;
  const events = async (reason: string) =>
    (await api.client.list<Event>('events', { namespace: 'default' })).items.filter((e) => e.reason === reason);

  it('runs a bound pod with an IP from the podCIDR, Ready only once the runtime says so', async () => {
    await setup({ podCIDR: '10.244.1.0/24' });
    await runPod('web-1');
    const running = await until('Running', async () => ((await get('web-1'))?.status?.phase === 'Running' ? get('web-1') : undefined));
    const s = running!.status!;
    expect(s.podIP).to.match(/^10\.244\.1\.\d+$/);
    expect(s.podIP).to.not.be.oneOf(['10.244.1.0', '10.244.1.1', '10.244.1.255']);
    expect(s.podIPs).to.deep.equal([{ ip: s.podIP }]);
    expect(s.hostIP).to.equal('172.18.0.3');
    expect(s.hostIPs).to.deep.equal([{ ip: '172.18.0.3' }]);
    expect(s.startTime).to.be.a('string');
    expect(s.conditions!.map((c) => `${c.type}=${c.status}`)).to.deep.equal([
      'PodReadyToStartContainers=True',
      'Initialized=True',
      'Ready=False',
      'ContainersReady=False',
      'PodScheduled=True',
    ]);
    const cs = s.containerStatuses![0];
    expect(cs).to.include({ name: 'app', ready: false, restartCount: 0, started: true, image: 'registry.k8s.io/e2e-test-images/agnhost:2.47' });
    expect(cs.containerID).to.match(/^kemu:\/\/[0-9a-f]{64}$/);
    expect(cs.imageID).to.match(/^registry\.k8s\.io\/e2e-test-images\/agnhost@sha256:[0-9a-f]{64}$/);
    expect(cs.state.running.startedAt).to.be.a('string');

    clock.advance(500);
    const ready = await until('Ready', async () => (condition(await get('web-1'), 'Ready') === 'True' ? get('web-1') : undefined));
    expect(condition(ready, 'ContainersReady')).to.equal('True');
    expect(ready!.status!.containerStatuses![0].ready).to.equal(true);
    expect(ready!.status!.podIP).to.equal(s.podIP);
    expect((await events('Started')).map((e) => e.message)).to.deep.equal(['Started container app']);
  });

  it('never gives two pods the same IP', async () => {
    await setup({ podCIDR: '10.244.1.0/24' });
    for (let i = 0; i < 5; i++) await runPod(`web-${i}`);
    const ips = await until('all pods have IPs', async () => {
      const list = await Promise.all([0, 1, 2, 3, 4].map((i) => get(`web-${i}`)));
      return list.every((p) => p?.status?.podIP) ? list.map((p) => p!.status!.podIP!) : undefined;
    });
    expect(new Set(ips).size).to.equal(5);
  });

  it('stops a deleted pod gracefully, deletes it, and frees its IP for the next pod', async () => {
    // A /30 has a single pod address (.2): the second pod waits for the first one's IP.
    await setup({ podCIDR: '10.244.1.0/30', stopDelayMs: 2000 });
    await runPod('first');
    await until('first Running', async () => (await get('first'))?.status?.phase === 'Running');
    await runPod('second');
    await until('exhaustion event', async () => (await events('FailedCreatePodSandBox')).length > 0);
    const warning = (await events('FailedCreatePodSandBox'))[0]!;
    expect(warning.type).to.equal('Warning');
    expect(warning.message).to.include('no IP addresses available in range set: 10.244.1.1-10.244.1.2');
    expect((await get('second'))!.status!.phase).to.equal('Pending');

    clock.advance(500);
    await until('first Ready', async () => condition(await get('first'), 'Ready') === 'True');
    await api.client.delete('pods', 'default', 'first');
    await until('Killing event', async () => (await events('Killing')).length > 0);
    const terminating = await get('first');
    expect(terminating!.metadata.deletionTimestamp).to.be.a('string');
    expect(condition(terminating, 'Ready')).to.equal('True'); // still draining

    clock.advance(2000);
    await until('first gone', async () => !(await get('first')));
    const second = await until('second Running', async () => ((await get('second'))?.status?.phase === 'Running' ? get('second') : undefined));
    expect(second!.status!.podIP).to.equal('10.244.1.2');
  });

  it('kills a pod whose workload outlives its grace period', async () => {
    await setup({ podCIDR: '10.244.1.0/24', stopDelayMs: 60_000 });
    await runPod('slow', { spec: { ...podManifest('slow').spec, terminationGracePeriodSeconds: 5 } });
    await until('Running', async () => (await get('slow'))?.status?.phase === 'Running');
    await api.client.delete('pods', 'default', 'slow');
    await until('Killing event', async () => (await events('Killing')).length > 0);
    clock.advance(4000);
    await new Promise((r) => setTimeout(r, 20));
    expect(await get('slow')).to.not.equal(undefined);
    clock.advance(1000);
    await until('slow gone', async () => !(await get('slow')));
    expect(runtime.running()).to.equal(0);
  });

  it('leaves a pod on a node without podCIDR in ContainerCreating with a warning, until the CIDR comes', async () => {
    await setup();
    await runPod('stuck');
    await until('warning', async () => (await events('FailedCreatePodSandBox')).length > 0);
    const [ev] = await events('FailedCreatePodSandBox');
    expect(ev!.message).to.match(/^Failed to create pod sandbox: .*failed to setup network for sandbox "[0-9a-f]+": node "node-a" pod cidr not assigned$/);
    const stuck = await until('status', async () => ((await get('stuck'))?.status?.containerStatuses ? get('stuck') : undefined));
    expect(stuck!.status!.phase).to.equal('Pending');
    expect(stuck!.status!.podIP).to.equal(undefined);
    expect(stuck!.status!.containerStatuses![0].state).to.deep.equal({ waiting: { reason: 'ContainerCreating' } });

    await api.client.patch('nodes', undefined, NODE, 'merge', { spec: { podCIDR: '10.244.7.0/24', podCIDRs: ['10.244.7.0/24'] } });
    const ok = await until('Running', async () => ((await get('stuck'))?.status?.phase === 'Running' ? get('stuck') : undefined));
    expect(ok!.status!.podIP).to.equal('10.244.7.2');
  });

  it('gives a host-network pod the node address, podCIDR or not', async () => {
    await setup();
    await runPod('hostnet', { spec: { ...podManifest('hostnet').spec, hostNetwork: true } });
    const p = await until('Running', async () => ((await get('hostnet'))?.status?.phase === 'Running' ? get('hostnet') : undefined));
    expect(p!.status!.podIP).to.equal('172.18.0.3');
    expect(await events('FailedCreatePodSandBox')).to.deep.equal([]);
  });

  it('tears down the sandbox of a force-deleted pod and reuses nothing it should not', async () => {
    await setup({ podCIDR: '10.244.1.0/24' });
    await runPod('gone');
    await until('Running', async () => (await get('gone'))?.status?.phase === 'Running');
    expect(runtime.running()).to.equal(1);
    await api.client.delete('pods', 'default', 'gone', { gracePeriodSeconds: 0 });
    await until('sandbox stopped', async () => runtime.running() === 0);
    expect(manager.runningPods()).to.deep.equal([]);
  });

  it('stopAll drops every sandbox and writes nothing more, like a powered-off host', async () => {
    await setup({ podCIDR: '10.244.1.0/24' });
    await runPod('web-1');
    await until('Running', async () => (await get('web-1'))?.status?.phase === 'Running');
    await manager.stopAll();
    expect(runtime.running()).to.equal(0);
    const statusBefore = (await get('web-1'))!.status;
    clock.advance(1000); // past the start delay: nobody reports the pod Ready
    await api.client.delete('pods', 'default', 'web-1');
    await new Promise((r) => setTimeout(r, 30));
    const after = await get('web-1');
    expect(after!.metadata.deletionTimestamp).to.be.a('string'); // nobody finishes the deletion
    expect(after!.status).to.deep.equal(statusBefore);

    await manager.start(); // the host is back: the pod deleted meanwhile is finished off
    await until('pod gone', async () => !(await get('web-1')));
  });
});
