import { expect } from 'chai';
import http from 'node:http';
import type { Container } from '../../src/api/types.js';
import { FakeClock } from '../../src/util/clock.js';
import { type ProbeOutcome, type ProbeTarget, runProbe } from '../../src/apps/probe-checks.js';
import { ProbeWorker, probeSettings } from '../../src/apps/probes.js';
import { Fabric, settle } from './fabric.js';
import { AGNHOST, startOn } from './support.js';

describe('apps: probe settings', () => {
  it('Kubernetes defaults for missing or zero fields', () => {
    expect(probeSettings({}, 'readiness')).to.deep.equal({ initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 });
    expect(probeSettings({ periodSeconds: 0, timeoutSeconds: 0, successThreshold: 0, failureThreshold: 0 }, 'readiness').periodMs).to.equal(10_000);
    expect(probeSettings({ successThreshold: 3 }, 'liveness').successThreshold).to.equal(1);
    expect(probeSettings({ initialDelaySeconds: 5, periodSeconds: 2, timeoutSeconds: 3 }, 'startup', 100)).to.include({ initialDelayMs: 500, periodMs: 200, timeoutMs: 300 });
  });
});

describe('apps: probe worker (kubelet result rules, FakeClock)', () => {
  const container = { name: 'app' } as Container;

  function worker(kind: 'readiness' | 'liveness' | 'startup', probe: Record<string, unknown>, outcomes: (ProbeOutcome | 'hang')[]) {
    const clock = new FakeClock();
    const results: boolean[] = [];
    const events: string[] = [];
    let i = 0;
    const w = new ProbeWorker({
      kind, probe, clock, containerStartedAt: clock.now(),
      target: { net: undefined as never, clock, podIP: '10.0.0.2', container, warnOnce: () => {} },
      onResult: (ok) => results.push(ok),
      onFailedAttempt: (m) => events.push(m),
      check: () => {
        const o = outcomes[Math.min(i++, outcomes.length - 1)]!;
        return o === 'hang' ? new Promise(() => {}) : Promise.resolve(o);
      },
    });
    return { w, clock, results, events, attempts: () => i };
  }
  const ok: ProbeOutcome = { ok: true };
  const bad: ProbeOutcome = { ok: false, message: 'HTTP probe failed with statuscode: 500' };

  it('readiness starts failed, turns ready after successThreshold successes, unready after failureThreshold failures', async () => {
    const t = worker('readiness', { periodSeconds: 1, successThreshold: 2, failureThreshold: 2 }, [ok, ok, bad, ok, bad, bad]);
    t.w.start();
    expect(t.w.result).to.equal(false);
    await settle(1);
    expect(t.results).to.deep.equal([]);
    for (let s = 0; s < 5; s++) {
      t.clock.advance(1000);
      await settle(1);
    }
    expect(t.attempts()).to.equal(6);
    expect(t.results).to.deep.equal([true, false]);
    expect(t.events).to.deep.equal(Array(3).fill('Readiness probe failed: HTTP probe failed with statuscode: 500'));
    t.w.stop();
  });

  it('liveness starts succeeded and fails after 3 failures in a row (default)', async () => {
    const t = worker('liveness', {}, [bad, bad, ok, bad, bad, bad]);
    t.w.start();
    expect(t.w.result).to.equal(true);
    for (let s = 0; s < 6; s++) {
      await settle(1);
      t.clock.advance(10_000);
    }
    expect(t.results).to.deep.equal([false]);
    expect(t.attempts()).to.equal(7);
    t.w.stop();
  });

  it('startup is unknown until it succeeds', async () => {
    const t = worker('startup', { periodSeconds: 1, failureThreshold: 30 }, [bad, bad, ok]);
    t.w.start();
    expect(t.w.result).to.equal(undefined);
    for (let s = 0; s < 3; s++) {
      await settle(1);
      t.clock.advance(1000);
    }
    expect(t.results).to.deep.equal([true]);
    t.w.stop();
  });

  it('initialDelaySeconds skips ticks until the container is old enough', async () => {
    const t = worker('readiness', { initialDelaySeconds: 15, periodSeconds: 10 }, [ok]);
    t.w.start();
    t.clock.advance(10_000);
    expect(t.attempts()).to.equal(0);
    t.clock.advance(10_000);
    expect(t.attempts()).to.equal(1);
    t.w.stop();
  });

  it('never runs two attempts at once', async () => {
    const t = worker('readiness', { periodSeconds: 1 }, ['hang']);
    t.w.start();
    t.clock.advance(10_000);
    expect(t.attempts()).to.equal(1);
    t.w.stop();
    expect(t.clock.pendingTimers()).to.equal(0);
  });
});

describe('apps: probe checks over the network', () => {
  let fabric: Fabric;
  let clock: FakeClock;
  let app: ReturnType<typeof startOn>;
  let warnings: string[];
  const container = { name: 'app', ports: [{ name: 'http', containerPort: 8080 }] } as Container;
  const target = (): ProbeTarget => ({ net: fabric.host('10.0.0.100'), clock, podIP: '10.0.0.2', container, warnOnce: (_r, m) => warnings.push(m) });

  beforeEach(() => {
    clock = new FakeClock();
    fabric = new Fabric(clock);
    warnings = [];
    app = startOn(fabric, '10.0.0.2', { image: AGNHOST, args: ['netexec'] }, { clock });
  });
  afterEach(() => app.workload.kill());

  const cases: [string, Record<string, unknown>, ProbeOutcome][] = [
    ['httpGet 200', { httpGet: { path: '/healthz', port: 8080 } }, { ok: true }],
    ['httpGet by port name, path without a slash', { httpGet: { path: 'hostname', port: 'http' } }, { ok: true }],
    ['httpGet 3xx is success', { httpGet: { path: '/redirect?location=/x', port: 8080 } }, { ok: true }],
    ['httpGet 500', { httpGet: { path: '/echo?code=500', port: 8080 } }, { ok: false, message: 'HTTP probe failed with statuscode: 500' }],
    ['httpGet refused', { httpGet: { path: '/', port: 81 } }, { ok: false, message: 'Get "http://10.0.0.2:81/": dial tcp 10.0.0.2:81: connect: connection refused' }],
    ['httpGet unknown port name', { httpGet: { port: 'metrics' } }, { ok: false, message: "couldn't find port: metrics in app" }],
    ['tcpSocket open', { tcpSocket: { port: 8080 } }, { ok: true }],
    ['tcpSocket refused', { tcpSocket: { port: 81 } }, { ok: false, message: 'dial tcp 10.0.0.2:81: connect: connection refused' }],
  ];
  for (const [name, probe, want] of cases) {
    it(name, async () => {
      expect(await runProbe(probe, 'readiness', target(), 1000)).to.deep.equal(want);
      await settle();
    });
  }

  it('timeoutSeconds bounds httpGet and tcpSocket (an unanswering host)', async () => {
    fabric.blackholed.add('10.0.0.9');
    const h = runProbe({ httpGet: { host: '10.0.0.9', port: 80, path: '/' } }, 'liveness', target(), 1000);
    const t = runProbe({ tcpSocket: { host: '10.0.0.9', port: 80 } }, 'liveness', target(), 1000);
    await settle();
    clock.advance(1000);
    expect(await h).to.deep.equal({ ok: false, message: 'Get "http://10.0.0.9:80/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)' });
    expect(await t).to.deep.equal({ ok: false, message: 'dial tcp 10.0.0.9:80: i/o timeout' });
  });

  it('sends the kubelet\'s headers plus httpHeaders', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
    fabric.host('10.0.0.3').listenTcp(8080, (s) => server.emit('connection', s));
    expect(await runProbe({ httpGet: { host: '10.0.0.3', port: 8080, httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } }, 'readiness', target(), 1000)).to.deep.equal({ ok: true });
    expect(seen[0]).to.include({ 'user-agent': 'kube-probe/1.32', accept: '*/*', connection: 'close', 'x-probe': 'yes' });
  });

  it('exec and grpc are not emulated: success, with a ProbeNotEmulated warning', async () => {
    for (let i = 0; i < 3; i++) expect(await runProbe({ exec: { command: ['true'] } }, 'liveness', target(), 1000)).to.deep.equal({ ok: true });
    expect(await runProbe({ grpc: { port: 9090 } }, 'readiness', target(), 1000)).to.deep.equal({ ok: true });
    // runProbe asks for every attempt; the container runner keeps the "once".
    expect(warnings.filter((w) => w.startsWith('exec probes are not emulated by kemu'))).to.have.length(3);
    expect(warnings.at(-1)).to.equal('grpc probes are not emulated by kemu; the readiness probe of container app counts as succeeding');
  });
});
