import { expect } from 'chai';
import { FakeClock } from '../../src/util/clock.js';
import { Fabric, settle } from './fabric.js';
import { AGNHOST, type Running, request, startOn, udpAsk } from './support.js';
import type { Netexec } from '../../src/apps/agnhost/netexec.js';

describe('apps: agnhost netexec', () => {
  let fabric: Fabric;
  let server: Running<Netexec>;
  const client = () => fabric.host('10.0.0.1');

  beforeEach(() => {
    fabric = new Fabric();
    client();
    server = startOn<Netexec>(fabric, '10.0.0.2', { image: AGNHOST, args: ['netexec', '--http-port=8080', '--udp-port', '8081'] }, { podName: 'netexec-0' });
  });
  afterEach(() => server.workload.kill());

  it('listens on 8080/TCP and 8081/UDP and logs like agnhost', () => {
    expect(server.program).to.equal('agnhost netexec');
    expect([...server.workload.listening].sort()).to.deep.equal(['8080/TCP', '8081/UDP']);
    expect(server.logs.some((l) => /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d Started HTTP server on port 8080$/.test(l))).to.equal(true);
    expect(server.logs.some((l) => l.endsWith('Started UDP server on port  8081'))).to.equal(true);
  });

  const cases: [string, number, string | RegExp][] = [
    ['/hostname', 200, 'netexec-0'],
    ['/hostName', 200, 'netexec-0'],
    ['/echo?msg=hello%20world', 200, 'hello world'],
    ['/echo?msg=gone&code=404', 404, 'gone'],
    ['/echo?msg=x&code=abc', 200, 'argument \'code\' must be an integer or empty, got "abc"\n'],
    ['/healthz', 200, ''],
    ['/readyz', 200, 'ok'],
    ['/', 200, /^NOW: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC m=\+\d+\.\d{9}$/],
    ['/no/such/path', 200, /^NOW: /],
    ['/header?key=x-test', 200, 'yes'],
    ['/shell?cmd=ls', 200, '{"error":"kemu: /shell is not emulated (no shell in an emulated pod)"}'],
    ['/upload', 200, '{"error":"Unable to upload file."}'],
    ['/dial?host=10.0.0.2&port=8080', 400, 'request parameter not specified. <nil>\n'],
    ['/dial?request=hostname&tries=x', 400, 'tries parameter is invalid. strconv.Atoi: parsing "x": invalid syntax\n'],
    ['/dial?request=hostname&protocol=tcp', 400, 'unsupported protocol. tcp\n'],
    ['/dial?request=hostname&host=10.0.0.2&port=99999', 400, 'host and/or port param are invalid. address 99999: invalid port\n'],
    ['/dial?request=hostname&host=web.example&port=80', 400, 'host and/or port param are invalid. lookup web.example: no such host\n'],
    ['/dial?request=hostname&host=10.0.0.2&port=8080&tries=0', 200, '{}'],
  ];
  for (const [path, status, body] of cases) {
    it(`GET ${path} → ${status}`, async () => {
      const r = await request(client(), '10.0.0.2', 8080, path, { headers: { 'X-Test': 'yes' } });
      expect(r.status).to.equal(status);
      if (typeof body === 'string') expect(r.body).to.equal(body);
      else expect(r.body).to.match(body);
    });
  }

  it('/clientip is the address and port the server saw', async () => {
    const net = client();
    const seen: number[] = [];
    const original = net.connectTcp.bind(net);
    net.connectTcp = (h, p, o) => {
      const s = original(h, p, o);
      seen.push(s.localPort!);
      return s;
    };
    const r = await request(net, '10.0.0.2', 8080, '/clientip');
    expect(r.body).to.equal(`10.0.0.1:${seen[0]}`);
  });

  it('/header without a key is the request headers as Go JSON (canonical keys, no Host)', async () => {
    const r = await request(client(), '10.0.0.2', 8080, '/header', { headers: { 'x-forwarded-for': '1.2.3.4', 'X-A': '<b>' } });
    const parsed = JSON.parse(r.body) as Record<string, string[]>;
    expect(parsed['X-Forwarded-For']).to.deep.equal(['1.2.3.4']);
    expect(parsed.Host).to.equal(undefined);
    expect(r.body).to.include('"X-A":["\\u003cb\\u003e"]');
  });

  it('answers POSTed form values like r.FormValue', async () => {
    const r = await request(client(), '10.0.0.2', 8080, '/echo?msg=query', {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'msg=from+body',
    });
    expect(r.body).to.equal('from body');
  });

  it('redirects unclean paths (301) and /redirect with Go\'s body', async () => {
    const clean = await request(client(), '10.0.0.2', 8080, '/a/../hostname?x=1');
    expect(clean.status).to.equal(301);
    expect(clean.headers.location).to.equal('/hostname?x=1');
    const r = await request(client(), '10.0.0.2', 8080, '/redirect?location=/echo%3Fmsg%3Dfoobar&code=307');
    expect(r.status).to.equal(307);
    expect(r.headers.location).to.equal('/echo?msg=foobar');
    expect(r.body).to.equal('<a href="/echo?msg=foobar">Temporary Redirect</a>.\n\n');
  });

  const udpCases: [string, string | undefined][] = [
    ['hostname', 'netexec-0'],
    ['  HOSTNAME \n', 'netexec-0'],
    ['echo Hello World', 'hello world'],
    ['echo', undefined],
    ['whatever', undefined],
    ['', undefined],
  ];
  for (const [cmd, answer] of udpCases) {
    it(`UDP ${JSON.stringify(cmd)} → ${answer === undefined ? 'no answer' : JSON.stringify(answer)}`, async () => {
      const r = await udpAsk(client(), '10.0.0.2', 8081, cmd, 100);
      expect(r?.text).to.equal(answer);
    });
  }

  it('UDP clientip answers ip:port and unknown commands are logged', async () => {
    const r = await udpAsk(client(), '10.0.0.2', 8081, 'clientip');
    expect(r?.text).to.equal(`10.0.0.1:${r?.localPort}`);
    await udpAsk(client(), '10.0.0.2', 8081, 'Bogus', 50);
    expect(server.logs.some((l) => /Unknown UDP command received from 10\.0\.0\.1:\d+: bogus$/.test(l))).to.equal(true);
  });

  it('with --udp-port=-1 there is no UDP server and /healthz answers 412', async () => {
    const alone = startOn(fabric, '10.0.0.3', { image: AGNHOST, args: ['netexec', '--udp-port=-1'] });
    try {
      expect([...alone.workload.listening]).to.deep.equal(['8080/TCP']);
      expect((await request(client(), '10.0.0.3', 8080, '/healthz')).status).to.equal(412);
      expect((await request(client(), '10.0.0.3', 8080, '/readyz')).status).to.equal(412);
    } finally {
      alone.workload.kill();
    }
  });

  it('--http-override serves one path for every request, without client details', async () => {
    const o = startOn(fabric, '10.0.0.3', { image: AGNHOST, args: ['netexec', '--http-override=/echo?msg=fixed', '--udp-port=-1'] });
    try {
      expect((await request(client(), '10.0.0.3', 8080, '/hostname')).body).to.equal('fixed');
    } finally {
      o.workload.kill();
    }
  });

  it('SIGTERM with --delay-shutdown keeps serving, /readyz says 503, then exits 0', async () => {
    const clock = new FakeClock();
    const d = startOn(fabric, '10.0.0.3', { image: AGNHOST, args: ['netexec', '--delay-shutdown=1'] }, { clock });
    const stopped = d.workload.stop();
    const r = await request(client(), '10.0.0.3', 8080, '/readyz');
    expect([r.status, r.body]).to.deep.equal([503, 'shutting down']);
    expect((await request(client(), '10.0.0.3', 8080, '/healthz')).status).to.equal(200);
    clock.advance(999);
    expect(d.workload.exitCode).to.equal(undefined);
    clock.advance(1);
    await stopped;
    expect(d.workload.exitCode).to.equal(0);
    expect(d.workload.listening.size).to.equal(0);
  });

  it('/exit?code=3&timeout=1s answers, closes and exits 3; /shutdown exits 0 at once', async () => {
    const r = await request(client(), '10.0.0.2', 8080, '/exit?code=3&timeout=1s');
    expect(r.status).to.equal(200);
    await settle();
    expect(server.workload.exitCode).to.equal(3);
    const other = startOn(fabric, '10.0.0.3', { image: AGNHOST, args: ['netexec'] });
    const failed = await request(client(), '10.0.0.3', 8080, '/shutdown').then(() => 'answered', (e: Error & { code?: string }) => e.code);
    expect(failed).to.equal('ECONNRESET');
    expect(other.workload.exitCode).to.equal(0);
  });

  it('a malformed request gets Go\'s 400 and is counted', async () => {
    const s = client().connectTcp('10.0.0.2', 8080);
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString()));
    const closed = new Promise((resolve) => s.on('close', resolve));
    s.end('NOT HTTP AT ALL\r\n\r\n');
    await closed;
    expect(answer).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer.endsWith('400 Bad Request')).to.equal(true);
    expect(server.workload.dropped).to.equal(1);
  });
});
