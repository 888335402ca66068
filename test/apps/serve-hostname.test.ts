import { expect } from 'chai';
import { FakeClock } from '../../src/util/clock.js';
import { Fabric, settle } from './fabric.js';
import { AGNHOST, exited, request, startOn, udpAsk } from './support.js';

function readAll(fabric: Fabric, ip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = fabric.host('10.0.0.1').connectTcp(ip, port);
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.on('end', () => {
      s.end();
      resolve(text);
    });
    s.on('error', reject);
  });
}

describe('apps: agnhost serve-hostname', () => {
  let fabric: Fabric;
  beforeEach(() => {
    fabric = new Fabric();
    fabric.host('10.0.0.1');
  });

  it('serves the hostname over HTTP on 9376 by default', async () => {
    const s = startOn(fabric, '10.0.0.2', { image: AGNHOST, args: ['serve-hostname'] }, { podName: 'sh-http' });
    try {
      expect([...s.workload.listening]).to.deep.equal(['9376/TCP']);
      const r = await request(fabric.host('10.0.0.1'), '10.0.0.2', 9376, '/anything');
      expect([r.status, r.body]).to.deep.equal([200, 'sh-http']);
      expect(s.logs.some((l) => /HTTP request from 10\.0\.0\.1:\d+$/.test(l))).to.equal(true);
    } finally {
      s.workload.kill();
    }
  });

  it('--close adds Connection: close', async () => {
    const s = startOn(fabric, '10.0.0.2', { image: AGNHOST, args: ['serve-hostname', '--close', '--port', '80'] });
    try {
      const r = await request(fabric.host('10.0.0.1'), '10.0.0.2', 80, '/');
      expect(r.headers.connection).to.equal('close');
    } finally {
      s.workload.kill();
    }
  });

  it('raw TCP and UDP modes (--http=false) on one port', async () => {
    const s = startOn(fabric, '10.0.0.2', { image: AGNHOST, args: ['serve-hostname', '--tcp', '--udp', '--http=false', '--port=9000'] }, { podName: 'raw' });
    try {
      expect([...s.workload.listening].sort()).to.deep.equal(['9000/TCP', '9000/UDP']);
      expect(await readAll(fabric, '10.0.0.2', 9000)).to.equal('raw');
      expect((await udpAsk(fabric.host('10.0.0.1'), '10.0.0.2', 9000, 'anything'))?.text).to.equal('raw');
    } finally {
      s.workload.kill();
    }
  });

  it('refuses HTTP together with TCP/UDP (log.Fatal, exit 1)', async () => {
    const s = startOn(fabric, '10.0.0.2', { image: AGNHOST, args: ['serve-hostname', '--tcp'] });
    expect(await exited(s.workload)).to.equal(1);
    expect(s.logs.at(-1)).to.match(/Can't server TCP\/UDP mode and HTTP mode at the same time$/);
  });

  it('on SIGTERM keeps serving and only exits after 60 s', async () => {
    const clock = new FakeClock();
    const s = startOn(fabric, '10.0.0.2', { image: AGNHOST, args: ['serve-hostname'] }, { clock });
    const stopped = s.workload.stop();
    expect(s.logs.slice(-2).map((l) => l.slice(20))).to.deep.equal(['Shutting down after receiving signal: terminated.', 'Awaiting pod deletion.']);
    expect((await request(fabric.host('10.0.0.1'), '10.0.0.2', 9376, '/')).body).to.equal('pod-10-0-0-2');
    clock.advance(59_999);
    expect(s.workload.exitCode).to.equal(undefined);
    clock.advance(1);
    await stopped;
    expect(s.workload.exitCode).to.equal(0);
  });

  it('the old serve_hostname image parses Go flags (-port 9377 -udp -http=false)', async () => {
    const s = startOn(fabric, '10.0.0.2', { image: 'gcr.io/google_containers/serve_hostname:1.4', args: ['-port', '9377', '-udp', '-http=false'] }, { podName: 'old' });
    try {
      expect([...s.workload.listening]).to.deep.equal(['9377/UDP']);
      expect((await udpAsk(fabric.host('10.0.0.1'), '10.0.0.2', 9377, 'x'))?.text).to.equal('old');
    } finally {
      s.workload.kill();
    }
  });
});

describe('apps: pause programs', () => {
  it('agnhost pause prints Paused and exits 2 on SIGTERM (after --delay-shutdown)', async () => {
    const clock = new FakeClock();
    const fabric = new Fabric(clock);
    const s = startOn(fabric, '10.0.0.2', { image: AGNHOST, args: ['pause', '--delay-shutdown=3'] }, { clock });
    expect(s.logs).to.deep.equal(['Paused']);
    const stopped = s.workload.stop();
    clock.advance(3000);
    await stopped;
    expect(s.workload.exitCode).to.equal(2);
    expect(s.logs.at(-1)).to.equal('Sleeping 3 seconds before exit ...exiting 2');
  });

  it('registry.k8s.io/pause exits 0 on SIGTERM and listens on nothing', async () => {
    const s = startOn(new Fabric(), '10.0.0.2', { image: 'registry.k8s.io/pause:3.10' });
    expect(s.program).to.equal('pause');
    expect(s.workload.listening.size).to.equal(0);
    await s.workload.stop();
    expect(s.workload.exitCode).to.equal(0);
  });

  it('busybox sleep ignores SIGTERM (PID 1) until SIGKILL', async () => {
    const s = startOn(new Fabric(), '10.0.0.2', { image: 'busybox', command: ['sleep', '3600'] });
    void s.workload.stop();
    await settle();
    expect(s.workload.exitCode).to.equal(undefined);
    s.workload.kill();
    expect(s.workload.exitCode).to.equal(137);
  });

  it('sleep N exits 0 after N seconds; a bad interval is an error', async () => {
    const clock = new FakeClock();
    const s = startOn(new Fabric(clock), '10.0.0.2', { image: 'busybox', command: ['sleep', '1m', '30'] }, { clock });
    clock.advance(89_999);
    expect(s.workload.exitCode).to.equal(undefined);
    clock.advance(1);
    expect(s.workload.exitCode).to.equal(0);
    const bad = startOn(new Fabric(), '10.0.0.2', { image: 'busybox', command: ['sleep', 'soon'] });
    expect(await exited(bad.workload)).to.equal(1);
    expect(bad.logs).to.deep.equal(["sleep: invalid time interval 'soon'"]);
  });
});
