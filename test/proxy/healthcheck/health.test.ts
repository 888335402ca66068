/**
 * Service health checks: the state from the proxy's maps (which Services, how many local ready
 * endpoints), kube-proxy's exact answer, and the server on a host's namespace answering node:http
 * requests that arrive over kemu TCP from a pod on another node.
 */
import { expect } from 'chai';
import { type IncomingMessage, request } from 'node:http';
import { TcpLayer } from '../../../src/dataplane/tcp/index.js';
import { ServiceHealthServer } from '../../../src/proxy/healthcheck/server.js';
import { healthCheckOf, healthResponse } from '../../../src/proxy/healthcheck/state.js';
import { SimClock, twoPods } from '../../dataplane/tcp/support.js';
import { NODE, ep, mapsFor, service, slice } from '../fixtures.js';

const lb = (name: string, hcPort: number, policy: 'Local' | 'Cluster' = 'Local') => service('default', name, {
  type: 'LoadBalancer', clusterIP: '10.96.5.5', externalTrafficPolicy: policy, ...(policy === 'Local' ? { healthCheckNodePort: hcPort } : {}),
  ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30500 }, { name: 'https', port: 443, protocol: 'TCP', nodePort: 30501 }],
});
const lbSlice = (name: string, eps: ReturnType<typeof ep>[]) => slice('default', name, `${name}-1`, eps, [{ name: 'http', port: 8080 }, { name: 'https', port: 8443 }]);

describe('proxy/healthcheck', () => {
  it('healthCheckOf: Local-policy LoadBalancers only, counting this node\'s ready endpoints', () => {
    const maps = mapsFor(
      [lb('a', 32001), lb('b', 0, 'Cluster'), lb('c', 32003)],
      [
        lbSlice('a', [ep('10.244.1.5', NODE), ep('10.244.1.6', NODE, { ready: false, serving: true, terminating: true }), ep('10.244.2.5', 'worker-2')]),
        lbSlice('b', [ep('10.244.1.7', NODE)]),
      ],
    );
    const u = healthCheckOf(maps.services, maps.endpoints);
    expect([...u.services.values()]).to.deep.equal([
      { namespace: 'default', name: 'a', port: 32001, localEndpoints: 1 },
      { namespace: 'default', name: 'c', port: 32003, localEndpoints: 0 },
    ]);
    expect([...u.removed]).to.deep.equal(['default/b']);
    const partial = healthCheckOf(maps.services, maps.endpoints, ['default/c:http/TCP', 'default/gone:http/TCP']);
    expect([...partial.services.keys()]).to.deep.equal(['default/c']);
    expect([...partial.removed]).to.deep.equal(['default/gone']);
  });

  it('healthResponse: 200 with local endpoints, 503 without or when the proxy is unhealthy; kube-proxy\'s body', () => {
    const ok = healthResponse('default', 'a', 2);
    expect(ok.status).to.equal(200);
    expect(ok.headers).to.deep.equal({ 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
    expect(ok.body).to.equal('{\n\t"service": {\n\t\t"namespace": "default",\n\t\t"name": "a"\n\t},\n\t"localEndpoints": 2,\n\t"serviceProxyHealthy": true\n}');
    expect(JSON.parse(ok.body)).to.deep.equal({ service: { namespace: 'default', name: 'a' }, localEndpoints: 2, serviceProxyHealthy: true });
    expect(healthResponse('default', 'a', 0).status).to.equal(503);
    const sick = healthResponse('default', 'a', 3, false);
    expect(sick.status).to.equal(503);
    expect(JSON.parse(sick.body).serviceProxyHealthy).to.equal(false);
  });

  it('serves the checks on the node over kemu TCP: 200/503 as endpoints come and go; ports open and close', async function () {
    this.timeout(10_000);
    const clock = new SimClock();
    const { net, b } = await twoPods({ clock, kind: 'memory' });
    const n1 = net.node('n1');
    const server = new ServiceHealthServer(n1.ns);
    const get = async (port: number): Promise<{ status: number; body: string; type?: string } | string> => {
      let out: { status: number; body: string; type?: string } | string | undefined;
      const req = request({
        host: n1.eth0.address, port, path: '/healthz',
        createConnection: () => TcpLayer.of(b.ns).connect({ host: n1.eth0.address, port }) as never,
      }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => (out = { status: res.statusCode!, body: Buffer.concat(chunks).toString(), type: res.headers['content-type'] }));
      });
      req.on('error', (e: Error & { code?: string }) => (out = e.code ?? e.message));
      req.end();
      await clock.run(() => out !== undefined, 30_000);
      return out!;
    };
    try {
      let maps = mapsFor([lb('a', 32001)], [lbSlice('a', [ep('10.244.0.9', 'n1')])], 'n1');
      server.update(healthCheckOf(maps.services, maps.endpoints));
      const up = await get(32001);
      expect(up).to.deep.include({ status: 200, type: 'application/json' });
      expect(JSON.parse((up as { body: string }).body)).to.deep.equal({ service: { namespace: 'default', name: 'a' }, localEndpoints: 1, serviceProxyHealthy: true });
      maps = mapsFor([lb('a', 32001)], [lbSlice('a', [ep('10.244.1.9', 'n2')])], 'n1');
      server.update(healthCheckOf(maps.services, maps.endpoints));
      expect(await get(32001)).to.deep.include({ status: 503 });
      maps = mapsFor([lb('a', 32002)], [], 'n1');
      server.update(healthCheckOf(maps.services, maps.endpoints));
      expect([...server.listening()]).to.deep.equal([['default/a', 32002]]);
      expect(await get(32001), 'the old port is closed').to.equal('ECONNREFUSED');
      expect(await get(32002)).to.deep.include({ status: 503 });
      maps = mapsFor([lb('a', 0, 'Cluster')], [], 'n1');
      server.update(healthCheckOf(maps.services, maps.endpoints));
      expect(server.listening().size).to.equal(0);
    } finally {
      server.close();
      await net.stop();
    }
  });
});
