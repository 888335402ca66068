import { expect } from 'chai';
import { startTestApi, type TestApi } from '../../support/api.js';
import { InformerFactory } from '../../../src/api/client/factory.js';
import { RealClock } from '../../../src/util/clock.js';
import { EndpointsController } from '../../../src/controllers/endpoints/controller.js';
import type { Endpoints } from '../../../src/api/types.js';
import { ipOf, makeNode, makePod, makeService, setReady, settle, until } from './cluster.js';

describe('EndpointsController against the API', () => {
  let api: TestApi;
  let factory: InformerFactory;
  let ctrl: EndpointsController;
  const errors: Error[] = [];

  beforeEach(async () => {
    errors.length = 0;
    api = await startTestApi();
    const clock = new RealClock();
    factory = new InformerFactory(api.client, clock);
    await makeNode(api, 'node-a');
    ctrl = new EndpointsController({ client: api.client, factory, clock, onError: (_k, e) => errors.push(e) });
    await ctrl.start();
  });

  afterEach(async () => {
    await ctrl.stop();
    factory.stop();
    await api.close();
  });

  const get = (name: string) => api.client.get<Endpoints>('endpoints', 'default', name).catch(() => undefined);
  const ips = (ep: Endpoints | undefined, field: 'addresses' | 'notReadyAddresses') =>
    (ep?.subsets ?? []).flatMap((s) => (s[field] ?? []).map((a) => a.ip)).sort();

  it('splits ready and not-ready pods, and follows readiness', async () => {
    await makeService(api, 'web');
    await makePod(api, 'a', { ip: '10.244.1.2' });
    await makePod(api, 'b', { ip: '10.244.1.3', ready: false });
    const ep = await until('endpoints', async () => ((await get('web'))?.subsets?.[0]?.notReadyAddresses ? get('web') : undefined));
    expect(ep.subsets).to.deep.equal([
      {
        addresses: [{ ip: '10.244.1.2', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: (await api.client.get('pods', 'default', 'a')).metadata.uid } }],
        notReadyAddresses: [{ ip: '10.244.1.3', nodeName: 'node-a', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: (await api.client.get('pods', 'default', 'b')).metadata.uid } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
    await setReady(api, 'b', true);
    await until('b ready', async () => ips(await get('web'), 'addresses').length === 2);
    expect(ips(await get('web'), 'notReadyAddresses')).to.deep.equal([]);
  });

  it('follows scaling up and down, writing nothing for irrelevant pod changes', async () => {
    await makeService(api, 'web');
    for (let i = 0; i < 5; i++) await makePod(api, `p${i}`, { ip: ipOf(i) });
    await until('5 addresses', async () => ips(await get('web'), 'addresses').length === 5);
    await api.client.delete('pods', 'default', 'p0', { gracePeriodSeconds: 0 });
    await api.client.delete('pods', 'default', 'p1', { gracePeriodSeconds: 0 });
    await until('3 addresses', async () => ips(await get('web'), 'addresses').length === 3);
    expect(ips(await get('web'), 'addresses')).to.deep.equal([ipOf(2), ipOf(3), ipOf(4)]);

    const rv = (await get('web'))!.metadata.resourceVersion;
    await api.client.patch('pods', 'default', 'p2', 'merge', { metadata: { annotations: { note: 'x' } } });
    await makePod(api, 'other', { ip: '10.244.9.9', labels: { app: 'other' } });
    await settle();
    expect((await get('web'))!.metadata.resourceVersion).to.equal(rv);
  });

  it('drops terminating pods at once, while they still exist', async () => {
    await makeService(api, 'web');
    await makePod(api, 'a', { ip: '10.244.1.2' });
    await makePod(api, 'b', { ip: '10.244.1.3' });
    await until('2 addresses', async () => ips(await get('web'), 'addresses').length === 2);
    await api.client.delete('pods', 'default', 'a'); // graceful: the pod is only marked
    await until('a removed', async () => ips(await get('web'), 'addresses').length === 1);
    expect((await api.client.get('pods', 'default', 'a')).metadata.deletionTimestamp).to.be.a('string');
    expect(ips(await get('web'), 'addresses')).to.deep.equal(['10.244.1.3']);
  });

  it('resolves a named targetPort per pod', async () => {
    await makeService(api, 'web', { ports: [{ name: 'http', port: 80, targetPort: 'web' }] });
    await makePod(api, 'a', { ip: '10.244.1.2', ports: [{ name: 'web', containerPort: 8080 }] });
    await makePod(api, 'b', { ip: '10.244.1.3', ports: [{ name: 'web', containerPort: 9090 }] });
    await makePod(api, 'c', { ip: '10.244.1.4' });
    const ep = await until('2 subsets', async () => ((await get('web'))?.subsets?.length === 2 ? get('web') : undefined));
    expect(ep.subsets!.map((s) => [s.ports![0]!.port, s.addresses!.map((a) => a.ip)])).to.deep.equal([
      [8080, ['10.244.1.2']],
      [9090, ['10.244.1.3']],
    ]);
  });

  it('leaves selector-less services to their users', async () => {
    await makeService(api, 'external', { selector: null });
    await makeService(api, 'manual', { selector: null });
    const mine = await api.client.create<Endpoints>('endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'manual', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 443 }] }],
    });
    await makePod(api, 'a', { ip: '10.244.1.2' });
    await makeService(api, 'web');
    await until('web endpoints', async () => ips(await get('web'), 'addresses').length === 1);
    expect(await get('external')).to.equal(undefined);
    expect((await get('manual'))!.metadata.resourceVersion).to.equal(mine.metadata.resourceVersion);
  });

  it('deletes the Endpoints of a deleted service, and recreates hand-deleted ones', async () => {
    await makeService(api, 'web');
    await makePod(api, 'a', { ip: '10.244.1.2' });
    await until('endpoints', async () => ips(await get('web'), 'addresses').length === 1);
    await api.client.delete('endpoints', 'default', 'web');
    await until('recreated', async () => ips(await get('web'), 'addresses').length === 1);
    await api.client.delete('services', 'default', 'web');
    await until('endpoints gone', async () => !(await get('web')));
    expect(errors).to.deep.equal([]);
  });
});
