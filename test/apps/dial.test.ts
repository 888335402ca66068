import { expect } from 'chai';
import { FakeClock } from '../../src/util/clock.js';
import { Fabric, settle } from './fabric.js';
import { AGNHOST, type Running, request, startOn } from './support.js';

describe('apps: netexec /dial between pods', () => {
  let fabric: Fabric;
  let a: Running;
  let b: Running;

  beforeEach(() => {
    fabric = new Fabric();
    fabric.host('10.0.0.1');
    a = startOn(fabric, '10.244.1.5', { image: AGNHOST, args: ['netexec'] }, { podName: 'dialer' });
    b = startOn(fabric, '10.244.2.7', { image: AGNHOST, args: ['netexec'] }, { podName: 'target', resolve: async (h) => h });
  });
  afterEach(() => {
    a.workload.kill();
    b.workload.kill();
  });

  const dial = (query: string) => request(fabric.host('10.0.0.1'), '10.244.1.5', 8080, `/dial?${query}`);

  it('over http returns the target\'s hostname, once per try', async () => {
    const r = await dial('request=hostname&protocol=http&host=10.244.2.7&port=8080&tries=2');
    expect(r.status).to.equal(200);
    expect(r.body).to.equal('{"responses":["target","target"]}');
  });

  it('over udp sends the request as a datagram and returns the answer', async () => {
    const r = await dial('request=hostname&protocol=udp&host=10.244.2.7&port=8081&tries=1');
    expect(r.body).to.equal('{"responses":["target"]}');
    const echo = await dial('request=echo%20Kemu&protocol=UDP&host=10.244.2.7&port=8081');
    expect(echo.body).to.equal('{"responses":["kemu"]}');
  });

  it('through a name resolved by the context', async () => {
    const named = startOn(fabric, '10.244.3.9', { image: AGNHOST, args: ['netexec'] }, {
      podName: 'named', resolve: async (h) => (h === 'target.default.svc.cluster.local' ? '10.244.2.7' : Promise.reject(new Error('nx'))),
    });
    try {
      const r = await request(fabric.host('10.0.0.1'), '10.244.3.9', 8080, '/dial?request=hostname&host=target.default.svc.cluster.local&port=8080');
      expect(r.body).to.equal('{"responses":["target"]}');
    } finally {
      named.workload.kill();
    }
  });

  it('reports Go\'s error texts; "responses" only when the last try answered', async () => {
    const refused = await dial('request=hostname&host=10.244.2.7&port=9999');
    expect(refused.status).to.equal(200);
    expect(refused.body).to.equal('{"errors":["Get \\"http://10.244.2.7:9999/hostname\\": dial tcp 10.244.2.7:9999: connect: connection refused"]}');
    const udpRefused = await dial('request=hostname&protocol=udp&host=10.244.2.7&port=9999');
    expect(udpRefused.body).to.match(/^\{"errors":\["reading from udp connection failed\. err:'read udp 10\.244\.1\.5:\d+-\\u003e10\.244\.2\.7:9999: recvfrom: connection refused'"\]\}$/);
    const unreachable = await dial('request=hostname&host=10.9.9.9&port=80');
    expect(unreachable.body).to.equal('{"errors":["Get \\"http://10.9.9.9:80/hostname\\": dial tcp 10.9.9.9:80: connect: no route to host"]}');
  });

  it('times out after agnhost\'s 5 s (http client timeout, udp read deadline)', async () => {
    const clock = new FakeClock();
    const slow = startOn(fabric, '10.244.4.4', { image: AGNHOST, args: ['netexec'] }, { clock });
    fabric.blackholed.add('10.244.9.9');
    try {
      const httpAnswer = request(fabric.host('10.0.0.1'), '10.244.4.4', 8080, '/dial?request=hostname&host=10.244.9.9&port=8080');
      const udpAnswer = request(fabric.host('10.0.0.1'), '10.244.4.4', 8080, '/dial?request=hostname&protocol=udp&host=10.244.9.9&port=8081');
      await settle(10);
      clock.advance(4999);
      await settle();
      clock.advance(1);
      const [h, u] = await Promise.all([httpAnswer, udpAnswer]);
      expect(h.body).to.equal('{"errors":["Get \\"http://10.244.9.9:8080/hostname\\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"]}');
      expect(u.body).to.match(/^\{"errors":\["reading from udp connection failed\. err:'read udp 10\.244\.4\.4:\d+-\\u003e10\.244\.9\.9:8081: i\/o timeout'"\]\}$/);
    } finally {
      slow.workload.kill();
    }
  });

  it('mixed outcomes keep both lists, in order of the tries', async () => {
    // The target's HTTP server goes away after the first try is answered.
    let tries = 0;
    const net = fabric.host('10.244.1.5');
    const original = net.connectTcp.bind(net);
    net.connectTcp = (h, p, o) => {
      if (h === '10.244.2.7' && ++tries === 2) return original(h, 1, o);
      return original(h, p, o);
    };
    const r = await dial('request=hostname&host=10.244.2.7&port=8080&tries=3');
    const body = JSON.parse(r.body) as { responses: string[]; errors: string[] };
    expect(body.responses).to.deep.equal(['target', 'target']);
    expect(body.errors).to.have.length(1);
    expect(Object.keys(body)).to.deep.equal(['errors', 'responses']);
    // agnhost's quirk: when the last try fails, earlier responses are left out.
    tries = 0;
    const lastFails = await dial('request=hostname&host=10.244.2.7&port=8080&tries=2');
    expect(JSON.parse(lastFails.body)).to.have.all.keys('errors');
  });
});
