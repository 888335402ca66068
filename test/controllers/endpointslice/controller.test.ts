import { expect } from 'chai';
import { startTestApi, type TestApi } from '../../support/api.js';
import { InformerFactory } from '../../../src/api/client/factory.js';
import { RealClock } from '../../../src/util/clock.js';
import { EndpointSliceController } from '../../../src/controllers/endpointslice/controller.js';
import type { EndpointSlice, Pod } from '../../../src/api/types.js';
import { ipOf, makeNode, makePod, makeService, setReady, settle, until } from '../endpoints/cluster.js';

describe('EndpointSliceController against the API', () => {
  let api: TestApi;
  let factory: InformerFactory;
  let ctrl: EndpointSliceController;
  const errors: Error[] = [];

  beforeEach(async () => {
    errors.length = 0;
    api = await startTestApi();
    const clock = new RealClock();
    factory = new InformerFactory(api.client, clock);
    await makeNode(api, 'node-a', 'zone-1');
    ctrl = new EndpointSliceController({ client: api.client, factory, clock, onError: (_k, e) => errors.push(e) });
    await ctrl.start();
  });

  afterEach(async () => {
    await ctrl.stop();
    factory.stop();
    await api.close();
  });

  const slices = async (service: string) =>
    (await api.client.list<EndpointSlice>('endpointslices', { namespace: 'default', labelSelector: `kubernetes.io/service-name=${service}` })).items;
  const endpoints = async (service: string) => (await slices(service)).flatMap((s) => s.endpoints);

  it('publishes ready, not-ready and terminating endpoints with their conditions and zone', async () => {
    const svc = await makeService(api, 'web');
    const a = await makePod(api, 'a', { ip: '10.244.1.2' });
    await makePod(api, 'b', { ip: '10.244.1.3', ready: false });
    await makePod(api, 'c', { ip: '10.244.1.4' });
    await until('3 endpoints', async () => (await endpoints('web')).length === 3);
    const [slice] = await slices('web');
    expect(slice!.metadata.name).to.match(/^web-[a-z0-9]{5}$/);
    expect(slice!.metadata.labels).to.deep.equal({
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(slice!.metadata.ownerReferences).to.deep.equal([
      { apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(slice!.addressType).to.equal('IPv4');
    expect(slice!.ports).to.deep.equal([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice!.endpoints[0]).to.deep.equal({
      addresses: ['10.244.1.2'],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: a.metadata.uid },
      nodeName: 'node-a',
      zone: 'zone-1',
    });
    expect(slice!.endpoints[1]!.conditions).to.deep.equal({ ready: false, serving: false, terminating: false });

    await api.client.delete('pods', 'default', 'c'); // graceful: still there, terminating
    const c = await until('c terminating', async () => (await endpoints('web')).find((e) => e.targetRef?.name === 'c' && e.conditions?.terminating));
    expect(c.conditions).to.deep.equal({ ready: false, serving: true, terminating: true });
    await setReady(api, 'b', true);
    await until('b ready', async () => (await endpoints('web')).find((e) => e.targetRef?.name === 'b')?.conditions?.ready);
    expect(await slices('web')).to.have.length(1);
  });

  it('splits more than 100 endpoints over slices and repacks on scale-down', async () => {
    await makeService(api, 'web');
    for (let i = 0; i < 230; i++) await makePod(api, `p${i}`, { ip: ipOf(i) });
    await until('230 endpoints', async () => (await endpoints('web')).length === 230);
    const sizes = (await slices('web')).map((s) => s.endpoints.length).sort((x, y) => y - x);
    expect(sizes).to.deep.equal([100, 100, 30]);
    const ips = (await endpoints('web')).map((e) => e.addresses[0]);
    expect(new Set(ips).size).to.equal(230);

    for (let i = 0; i < 200; i++) await api.client.delete('pods', 'default', `p${i}`, { gracePeriodSeconds: 0 });
    await until('30 endpoints', async () => (await endpoints('web')).length === 30);
    for (const s of await slices('web')) expect(s.endpoints.length).to.be.at.most(100);
    expect(errors.filter((e) => !/out of date/.test(e.message))).to.deep.equal([]);
  });

  it('keeps a placeholder slice for an empty selection and fills that same slice later', async () => {
    await makeService(api, 'web');
    const [placeholder] = await until('placeholder', async () => ((await slices('web')).length === 1 ? slices('web') : undefined));
    expect(placeholder!.endpoints).to.deep.equal([]);
    expect(placeholder!.ports).to.deep.equal([]);
    await makePod(api, 'a', { ip: '10.244.1.2' });
    await until('endpoint', async () => (await endpoints('web')).length === 1);
    const after = await slices('web');
    expect(after.map((s) => s.metadata.name)).to.deep.equal([placeholder!.metadata.name]);
  });

  it('writes nothing for pod changes that do not matter', async () => {
    await makeService(api, 'web');
    await makePod(api, 'a', { ip: '10.244.1.2' });
    await until('endpoint', async () => (await endpoints('web')).length === 1);
    await settle();
    const rv = (await slices('web'))[0]!.metadata.resourceVersion;
    await api.client.patch<Pod>('pods', 'default', 'a', 'merge', { metadata: { annotations: { note: 'x' } } });
    await makePod(api, 'other', { ip: '10.244.9.9', labels: { app: 'other' } });
    await settle();
    expect((await slices('web'))[0]!.metadata.resourceVersion).to.equal(rv);
  });

  it('gives each distinct resolution of a named port its own slice', async () => {
    await makeService(api, 'web', { ports: [{ name: 'http', port: 80, targetPort: 'web' }] });
    await makePod(api, 'a', { ip: '10.244.1.2', ports: [{ name: 'web', containerPort: 8080 }] });
    await makePod(api, 'b', { ip: '10.244.1.3', ports: [{ name: 'web', containerPort: 9090 }] });
    await until('2 slices', async () => (await endpoints('web')).length === 2 && (await slices('web')).length === 2);
    const byPort = (await slices('web')).map((s) => [s.ports?.[0]?.port, s.endpoints.map((e) => e.targetRef?.name)]).sort();
    expect(byPort).to.deep.equal([
      [8080, ['a']],
      [9090, ['b']],
    ]);
  });

  it('leaves selector-less services alone, repairs hand-deleted slices, and replaces those of a deleted service', async () => {
    await makeService(api, 'manual', { selector: null });
    await makeService(api, 'web');
    await makePod(api, 'a', { ip: '10.244.1.2' });
    await until('endpoint', async () => (await endpoints('web')).length === 1);
    expect(await slices('manual')).to.deep.equal([]);
    const [first] = await slices('web');
    await api.client.delete('endpointslices', 'default', first!.metadata.name!);
    await until('recreated', async () => {
      const now = await slices('web');
      return now.length === 1 && now[0]!.metadata.name !== first!.metadata.name && now[0]!.endpoints.length === 1;
    });
    // A deleted Service's slices are the garbage collector's (ownerReferences), not this
    // controller's; a new Service of the same name replaces them, as it does not own them.
    const old = await slices('web');
    await api.client.delete('services', 'default', 'web');
    await settle();
    expect((await slices('web')).map((s) => s.metadata.resourceVersion)).to.deep.equal(old.map((s) => s.metadata.resourceVersion));
    const again = await makeService(api, 'web');
    await until('replaced', async () => {
      const now = await slices('web');
      return now.length === 1 && now[0]!.metadata.ownerReferences![0]!.uid === again.metadata.uid && now[0]!.endpoints.length === 1;
    });
  });

  it('waits for a pod’s Node before publishing it', async () => {
    await makeService(api, 'web');
    await makePod(api, 'a', { ip: '10.244.1.2', node: 'node-b' });
    await settle();
    expect(await endpoints('web')).to.deep.equal([]);
    await makeNode(api, 'node-b', 'zone-2');
    const [e] = await until('endpoint', async () => ((await endpoints('web')).length === 1 ? endpoints('web') : undefined));
    expect(e!.zone).to.equal('zone-2');
  });
});
