/**
 * The kubernetes plugin's modes and its life with the API: pods verified/disabled, default TTL,
 * no fallthrough, SERVFAIL before sync, readiness, and objects created after start resolving as
 * soon as the informers see them.
 */
import { expect } from 'chai';
import { kubernetes, type KubernetesOptions } from '../../src/dns/kubernetes/plugin.js';
import { compose, type DnsResponse, type Handler } from '../../src/dns/types.js';
import { InformerView } from '../../src/dns/kubernetes/view.js';
import { reverseName } from '../../src/dns/names.js';
import { ask, dataOf, rr, slice, startFixture, svc, type DnsFixture } from './fixture.js';
import { OBJECTS } from './objects.js';
import { InformerFactory } from '../../src/api/client/factory.js';
import { RealClock } from '../../src/util/clock.js';

const Z = 'cluster.local';

async function until(cond: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('dns kubernetes plugin (modes and informers)', function () {
  let fx: DnsFixture;
  let view: InformerView;
  const chain = (o: Partial<KubernetesOptions>): Handler => compose([kubernetes({ zones: [Z, 'in-addr.arpa'], view, ...o }).plugin]);

  before(async () => {
    fx = await startFixture(OBJECTS);
    view = await fx.view(true);
  });
  after(() => fx.close());

  it('pods verified: answers only an IP a pod of that namespace has', async () => {
    const h = chain({ podMode: 'verified' });
    const ok = await ask(h, `10-244-3-7.testns.pod.${Z}`, 'A');
    expect(ok.rcode).to.equal('NOERROR');
    expect(ok.answers!.map(rr)).to.deep.equal([`10-244-3-7.testns.pod.${Z}. 5 IN A 10.244.3.7`]);
    expect((await ask(h, `10-244-3-8.testns.pod.${Z}`, 'A')).rcode).to.equal('NXDOMAIN');
    expect((await ask(h, `10-244-3-7.default.pod.${Z}`, 'A')).rcode).to.equal('NXDOMAIN');
  });

  it('pods disabled (the default): every pod name is NXDOMAIN', async () => {
    const res = await ask(chain({}), `10-244-3-7.testns.pod.${Z}`, 'A');
    expect(res.rcode).to.equal('NXDOMAIN');
    expect(res.authorities!.map(rr)).to.deep.equal([`${Z}. 5 IN SOA ns.dns.${Z}. hostmaster.${Z}. ${view.modified()} 7200 1800 86400 5`]);
  });

  it('without fallthrough an unknown PTR is NXDOMAIN in the reverse zone, with its SOA', async () => {
    const res = await ask(chain({}), reverseName('192.0.2.1'), 'PTR');
    expect(res.rcode).to.equal('NXDOMAIN');
    expect(res.authorities![0]!.name).to.equal('in-addr.arpa');
  });

  it('fallthrough with no zones passes every name error on', async () => {
    const h = compose([kubernetes({ zones: [Z], view, fallthrough: [] }).plugin]);
    expect((await ask(h, `nope.testns.svc.${Z}`, 'A')).rcode).to.equal('REFUSED'); // the chain's end
  });

  it('before the informers sync, a name error is SERVFAIL and ready() is false', async () => {
    // A view whose informers never started: nothing synced, nothing known.
    const cold = new InformerView(new InformerFactory(fx.api.client, new RealClock()), fx.viewClock, false);
    const k = kubernetes({ zones: [Z], view: cold });
    expect(k.readiness.ready()).to.equal(false);
    expect((await ask(compose([k.plugin]), `svc1.testns.svc.${Z}`, 'A')).rcode).to.equal('SERVFAIL');
    expect(kubernetes({ zones: [Z], view }).readiness.ready()).to.equal(true);
  });

  it('a Service created after start resolves as soon as the informer sees it; deleted, it is gone', async () => {
    const h = chain({ ttl: 30 });
    const name = `late.testns.svc.${Z}`;
    expect((await ask(h, name, 'A')).rcode).to.equal('NXDOMAIN');
    await fx.api.client.create('services', svc('late', 'testns', { clusterIP: '10.96.0.200', ports: [{ name: 'http', port: 80 }] }));
    await until(async () => (await ask(h, name, 'A')).rcode === 'NOERROR');
    expect((await ask(h, name, 'A')).answers!.map(rr)).to.deep.equal([`${name}. 30 IN A 10.96.0.200`]);
    await fx.api.client.delete('services', 'testns', 'late');
    await until(async () => (await ask(h, name, 'A')).rcode === 'NXDOMAIN');
  });

  it('a headless service gains and loses endpoints with its EndpointSlices', async () => {
    const h = chain({ ttl: 30 });
    const name = `hdls-none.testns.svc.${Z}`;
    expect((await ask(h, name, 'A')).rcode).to.equal('NXDOMAIN');
    await fx.api.client.create('endpointslices', slice('hdls-none-x', 'testns', 'hdls-none', [{ ip: '10.244.9.9' }], [{ name: 'http', port: 80 }]));
    await until(async () => (await ask(h, name, 'A')).rcode === 'NOERROR');
    expect((await ask(h, reverseName('10.244.9.9'), 'PTR')).answers!.map(rr)).to.deep.equal([
      `${reverseName('10.244.9.9')}. 30 IN PTR 10-244-9-9.${name}.`,
    ]);
    await fx.api.client.delete('endpointslices', 'testns', 'hdls-none-x');
    await until(async () => (await ask(h, name, 'A')).rcode === 'NXDOMAIN');
  });

  it('memoizes answers until the cluster view changes (the same shared object, then a fresh one)', async () => {
    const h = chain({ ttl: 30 });
    // Ask through the wire seam, keeping the response object the chain returned.
    const req = async () => {
      let got: DnsResponse | undefined;
      await ask(async (r) => (got = await h(r)), `svc1.testns.svc.${Z}`, 'A');
      return got!;
    };
    const a = await req();
    expect(a.shared).to.equal(true);
    expect(await req()).to.equal(a);
    const gen = view.generation();
    await fx.api.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'memo-bump' } });
    await until(() => view.generation() !== gen);
    expect(await req()).to.not.equal(a);
  });

  it('the SOA serial follows the last Service/EndpointSlice change on the clock', async () => {
    const before = view.modified();
    fx.viewClock.advance(120_000);
    await fx.api.client.create('services', svc('serial', 'testns', { clusterIP: '10.96.0.201', ports: [{ port: 80 }] }));
    await until(() => view.modified() === before + 120);
    const soa = (await ask(chain({}), Z, 'SOA')).answers![0]!;
    expect((dataOf(soa) as { serial: number }).serial).to.equal(before + 120);
  });
});
