import { expect } from 'chai';
import type { Container, Pod } from '../../src/api/types.js';
import { FakeClock } from '../../src/util/clock.js';
import { startWorkloadSandbox, type WorkloadSandbox } from '../../src/apps/sandbox.js';
import { Fabric, settle } from './fabric.js';
import { AGNHOST, makePod, request } from './support.js';

describe('apps: workload sandbox', () => {
  let clock: FakeClock;
  let fabric: Fabric;
  let events: string[];
  let sandboxes: WorkloadSandbox[];

  beforeEach(() => {
    clock = new FakeClock();
    fabric = new Fabric(clock);
    events = [];
    sandboxes = [];
  });
  afterEach(async () => {
    for (const s of sandboxes) void s.stop(0);
    await settle();
  });

  function start(pod: Pod, ip = '10.244.1.5'): WorkloadSandbox {
    const s = startWorkloadSandbox({
      pod, podIP: ip, net: fabric.host(ip), probeNet: fabric.host('10.0.0.100'), clock,
      warn: (reason, message) => events.push(`Warning ${reason}: ${message}`),
      normal: (reason, message) => events.push(`Normal ${reason}: ${message}`),
    });
    sandboxes.push(s);
    return s;
  }
  const netexec = (extra: Partial<Container> = {}): Partial<Container> => ({
    image: AGNHOST, args: ['netexec'], ports: [{ containerPort: 8080 }, { containerPort: 8081, protocol: 'UDP' }], ...extra,
  });

  it('without probes: ready once the pod listens on every declared port', () => {
    const s = start(makePod('web', [netexec()]));
    expect(s.ready()).to.equal(true);
    expect(s.containers()[0]).to.include({ state: 'running', ready: true, emulated: true, program: 'agnhost netexec' });
    const wrong = start(makePod('wrong', [netexec({ ports: [{ containerPort: 80 }] })]), '10.244.1.6');
    expect(wrong.ready()).to.equal(false);
    const none = start(makePod('none', [{ image: 'busybox', command: ['sleep', 'infinity'] }]), '10.244.1.7');
    expect(none.ready()).to.equal(true);
  });

  it('readiness probe decides, through the host network', async () => {
    const s = start(makePod('web', [netexec({ readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 1 } })]));
    const changes: boolean[] = [];
    s.onReadyChange((r) => changes.push(r));
    expect(s.ready()).to.equal(false);
    await settle();
    expect(s.ready()).to.equal(true);
    expect(changes).to.deep.equal([true]);
  });

  it('stop: SIGTERM, the program exits, not killed; the pod is no longer ready', async () => {
    const s = start(makePod('web', [netexec()]));
    const result = await s.stop(30_000);
    expect(result).to.deep.equal({ killed: false });
    expect(s.ready()).to.equal(false);
    expect(s.containers()[0]).to.include({ state: 'terminated', lastExitCode: 0 });
    expect(clock.pendingTimers()).to.equal(0);
  });

  it('stop: a program that outlives the grace period is killed; a shorter second grace brings it forward', async () => {
    const s = start(makePod('sh', [{ image: AGNHOST, args: ['serve-hostname'] }]));
    let result: { killed: boolean } | undefined;
    void s.stop(30_000).then((r) => (result = r));
    clock.advance(1000);
    void s.stop(5000);
    clock.advance(4999);
    await settle();
    expect(result).to.equal(undefined);
    expect((await request(fabric.host('10.0.0.1'), '10.244.1.5', 9376, '/')).body).to.equal('sh');
    clock.advance(1);
    await settle();
    expect(result).to.deep.equal({ killed: true });
    expect(s.containers()[0]!.lastExitCode).to.equal(137);
    expect(fabric.host('10.244.1.5').listeners.size).to.equal(0);
  });

  it('liveness failure: Unhealthy events, Killing, then a restart', async () => {
    const s = start(makePod('live', [netexec({ livenessProbe: { httpGet: { path: '/echo?code=500', port: 8080 }, periodSeconds: 1, failureThreshold: 2 } })], { terminationGracePeriodSeconds: 5 }));
    const first = s.workload('c0');
    await settle();
    clock.advance(1000);
    await settle();
    expect(events.filter((e) => e.startsWith('Warning Unhealthy'))).to.deep.equal(Array(2).fill('Warning Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500'));
    expect(events).to.include('Normal Killing: Container c0 failed liveness probe, will be restarted');
    clock.advance(0);
    await settle();
    expect(s.containers()[0]).to.include({ restartCount: 1, state: 'running' });
    expect(s.workload('c0')).to.not.equal(first);
  });

  it('a crashing program restarts with the kubelet\'s back-off (0, 10 s, 20 s...)', async () => {
    const s = start(makePod('crash', [{ image: 'busybox', command: ['false'] }]));
    const restartsAt: number[] = [];
    const t0 = clock.now();
    for (let ms = 0; ms <= 40_000; ms += 500) {
      await settle(2);
      clock.advance(0);
      await settle(2);
      const n = s.containers()[0]!.restartCount;
      if (n > restartsAt.length) restartsAt.push(clock.now() - t0);
      clock.advance(500);
    }
    expect(restartsAt).to.deep.equal([0, 10_000, 30_000]);
    expect(events.filter((e) => e.startsWith('Warning BackOff'))).to.have.length(3);
    expect(events[0]).to.equal('Warning BackOff: Back-off restarting failed container c0 in pod crash_default(uid-crash)');
  });

  it('restartPolicy Never: an exited container stays terminated', async () => {
    const s = start(makePod('once', [{ image: 'busybox', command: ['true'] }], { restartPolicy: 'Never' }));
    await settle();
    clock.advance(60_000);
    expect(s.containers()[0]).to.include({ state: 'terminated', lastExitCode: 0, restartCount: 0 });
    expect(s.ready()).to.equal(false);
  });

  it('an unknown image runs as pause, warns, and is ready without probes', () => {
    const s = start(makePod('shop', [{ image: 'example.com/shop:1', ports: [{ containerPort: 80 }] }]));
    expect(events).to.deep.equal(['Warning ImageNotEmulated: example.com/shop:1 is not emulated by kemu; running as pause']);
    expect(s.ready()).to.equal(true);
    expect(s.containers()[0]).to.include({ emulated: false, program: 'pause' });
  });

  it('exec probes count as success and are warned about once per container', async () => {
    const s = start(makePod('exec', [netexec({ readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 } })]));
    for (let i = 0; i < 5; i++) {
      await settle();
      clock.advance(1000);
    }
    expect(s.ready()).to.equal(true);
    expect(events.filter((e) => e.includes('ProbeNotEmulated'))).to.have.length(1);
  });

  it('two containers share the pod\'s ports; logs are kept per container', async () => {
    const s = start(makePod('two', [
      { image: 'busybox', command: ['sleep', 'infinity'], ports: [{ containerPort: 8080 }] },
      { image: AGNHOST, args: ['netexec', '--udp-port=-1'] },
    ]));
    expect(s.ready()).to.equal(true);
    expect(s.logs('c1').some((l) => l.endsWith('Started HTTP server on port 8080'))).to.equal(true);
    expect(s.logs('c0')).to.deep.equal([]);
  });
});
