import { expect } from 'chai';
import { FakeClock } from '../../src/util/clock.js';
import { Fabric, settle } from './fabric.js';
import { AGNHOST, exited, startOn } from './support.js';
import type { Loadgen } from '../../src/apps/kemu/loadgen.js';

const LOADGEN = 'kemu.dev/loadgen';

describe('apps: kemu.dev/loadgen', () => {
  let fabric: Fabric;
  let target: ReturnType<typeof startOn>;
  beforeEach(() => {
    fabric = new Fabric();
    target = startOn(fabric, '10.0.0.2', { image: AGNHOST, args: ['netexec'] });
  });
  afterEach(() => target.workload.kill());

  it('closed loop: --requests at --concurrency over keep-alive connections, then a summary and exit 0', async () => {
    const lg = startOn<Loadgen>(fabric, '10.0.0.1', { image: LOADGEN, args: ['--url=http://10.0.0.2:8080/echo?msg=hi', '--rate=0', '--concurrency', '20', '--requests=500', '--report-interval=0'] });
    expect(await exited(lg.workload, 10_000)).to.equal(0);
    const t = lg.workload.totals;
    expect([t.started, t.completed, t.ok, t.skipped]).to.deep.equal([500, 500, 500, 0]);
    expect(t.errors).to.deep.equal({});
    expect(fabric.stats.connections, 'keep-alive reuses at most --concurrency connections').to.be.at.most(20);
    expect(lg.workload.latency.count).to.equal(500);
    expect(lg.logs.at(-1)).to.match(/^loadgen: done after [\d.]+s: requests=500 ok=500 rps=[\d.]+ latency p50=[\d.]+ms p90=[\d.]+ms p99=[\d.]+ms max=[\d.]+ms mean=[\d.]+ms$/);
    await settle();
    expect(fabric.openSockets, 'sockets closed on exit').to.equal(0);
  });

  it('counts non-2xx answers by status and connection errors by code', async () => {
    const lg = startOn<Loadgen>(fabric, '10.0.0.1', { image: LOADGEN, args: ['--url=http://10.0.0.2:8080/echo?code=503', '--rate=0', '--concurrency=4', '--requests=40', '--keepalive=false', '--report-interval=0'] });
    await exited(lg.workload, 5000);
    expect(lg.workload.totals.statuses).to.deep.equal({ 503: 40 });
    const refused = startOn<Loadgen>(fabric, '10.0.0.3', { image: LOADGEN, args: ['--url=http://10.0.0.2:9/', '--rate=0', '--concurrency=2', '--requests=10', '--report-interval=0'] });
    await exited(refused.workload, 5000);
    expect(refused.workload.totals.errors).to.deep.equal({ ECONNREFUSED: 10 });
    expect(refused.logs[1]).to.equal('loadgen: dial tcp 10.0.0.2:9: connect: connection refused');
  });

  it('open loop paces by the clock and reports each interval', async () => {
    const clock = new FakeClock();
    const lg = startOn<Loadgen>(fabric, '10.0.0.1', { image: LOADGEN, args: ['--url=http://10.0.0.2:8080/hostname', '--rate=100', '--concurrency=50', '--duration=1s', '--report-interval=500ms'] }, { clock });
    await settle();
    for (let ms = 0; ms < 1000; ms += 10) {
      clock.advance(10);
      await settle(3);
    }
    await exited(lg.workload, 5000);
    const t = lg.workload.totals;
    expect(t.started).to.be.within(99, 101);
    expect(t.ok).to.equal(t.started);
    expect(lg.logs.filter((l) => /^loadgen: t=0\.5s requests=\d+ ok=\d+ rps=[\d.]+ latency/.test(l))).to.have.length(1);
  });

  it('SIGTERM stops launching, finishes in-flight requests and prints the summary', async () => {
    const lg = startOn<Loadgen>(fabric, '10.0.0.1', { image: LOADGEN, args: ['--url=http://10.0.0.2:8080/hostname', '--rate=0', '--concurrency=5', '--report-interval=0'] });
    await settle(20);
    await lg.workload.stop();
    const t = lg.workload.totals;
    expect(t.completed).to.equal(t.started);
    expect(t.completed).to.be.greaterThan(0);
    expect(lg.workload.exitCode).to.equal(0);
  });

  it('requires --url', async () => {
    const lg = startOn(fabric, '10.0.0.1', { image: LOADGEN });
    expect(await exited(lg.workload)).to.equal(2);
    expect(lg.logs[0]).to.equal('loadgen: --url is required');
  });
});
