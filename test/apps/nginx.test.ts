import { expect } from 'chai';
import { Fabric } from './fabric.js';
import { request, startOn } from './support.js';

describe('apps: nginx', () => {
  it('serves the welcome page on 80, nginx\'s error pages elsewhere, and logs each request', async () => {
    const fabric = new Fabric();
    const s = startOn(fabric, '10.0.0.2', { image: 'nginx:1.27' });
    const net = fabric.host('10.0.0.1');
    try {
      expect([...s.workload.listening]).to.deep.equal(['80/TCP']);
      const home = await request(net, '10.0.0.2', 80, '/', { headers: { 'User-Agent': 'curl/8.5.0' } });
      expect(home.status).to.equal(200);
      expect(home.body).to.include('<title>Welcome to nginx!</title>');
      expect(home.headers.server).to.match(/^nginx\/\d+\.\d+\.\d+$/);
      expect((await request(net, '10.0.0.2', 80, '/missing')).status).to.equal(404);
      expect((await request(net, '10.0.0.2', 80, '/', { method: 'POST' })).status).to.equal(405);
      expect(s.logs.find((l) => l.includes('"GET / HTTP/1.1"'))).to.match(/^10\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 \d+ "-" "curl\/8\.5\.0" "-"$/);
    } finally {
      s.workload.kill();
    }
  });

  it('nginx-unprivileged listens on 8080; SIGTERM (the image\'s SIGQUIT) is a graceful exit 0', async () => {
    const fabric = new Fabric();
    const s = startOn(fabric, '10.0.0.2', { image: 'nginxinc/nginx-unprivileged:stable' });
    expect([...s.workload.listening]).to.deep.equal(['8080/TCP']);
    await s.workload.stop();
    expect(s.workload.exitCode).to.equal(0);
    expect(s.workload.listening.size).to.equal(0);
  });
});
