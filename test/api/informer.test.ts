import { expect } from 'chai';
import { Informer } from '../../src/api/client/informer.js';
import { RealClock } from '../../src/util/clock.js';
import { startTestApi, podManifest, type TestApi } from '../support/api.js';

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('Informer', () => {
  let api: TestApi;
  let inf: Informer<any>;
  beforeEach(async () => (api = await startTestApi()));
  afterEach(async () => {
    inf?.stop();
    await api.close();
  });

  it('lists, then follows adds, updates and deletes', async () => {
    await api.client.create('pods', { ...podManifest('a'), metadata: { name: 'a', namespace: 'default' } });
    inf = new Informer(api.client, 'pods', { clock: new RealClock() });
    const seen: string[] = [];
    inf.addHandlers({
      onAdd: (o) => seen.push(`add ${o.metadata.name}`),
      onUpdate: (_o, n) => seen.push(`update ${n.metadata.name}`),
      onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    inf.start();
    await inf.waitForSync();
    await api.client.create('pods', { ...podManifest('b'), metadata: { name: 'b', namespace: 'default' } });
    await api.client.patch('pods', 'default', 'a', 'merge', { metadata: { labels: { x: 'y' } } });
    await api.client.delete('pods', 'default', 'b');
    await settle();
    expect(seen).to.deep.equal(['add a', 'add b', 'update a', 'delete b']);
    expect(inf.list().map((p) => p.metadata.name)).to.deep.equal(['default/a'.split('/')[1]]);
  });

  it('keeps custom and namespace indexes in step with the cache', async () => {
    await api.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    inf = new Informer(api.client, 'pods', { clock: new RealClock() });
    inf.addIndex('app', (p) => (p.metadata.labels?.app ? [p.metadata.labels.app] : []));
    inf.start();
    await inf.waitForSync();
    await api.client.create('pods', { ...podManifest('a', { app: 'web' }), metadata: { name: 'a', namespace: 'default', labels: { app: 'web' } } });
    await api.client.create('pods', { ...podManifest('b', { app: 'web' }), metadata: { name: 'b', namespace: 'other', labels: { app: 'web' } } });
    await settle();
    expect(inf.byIndex('app', 'web').map((p) => p.metadata.name).sort()).to.deep.equal(['a', 'b']);
    expect(inf.listNamespace('other').map((p) => p.metadata.name)).to.deep.equal(['b']);
    await api.client.patch('pods', 'default', 'a', 'merge', { metadata: { labels: { app: 'db' } } });
    await api.client.delete('pods', 'other', 'b');
    await settle();
    expect(inf.byIndex('app', 'web')).to.deep.equal([]);
    expect(inf.byIndex('app', 'db').map((p) => p.metadata.name)).to.deep.equal(['a']);
    expect(inf.listNamespace('other')).to.deep.equal([]);
  });

  it('files status writes without moving objects between index values, and an index added late', async () => {
    inf = new Informer(api.client, 'pods', { clock: new RealClock() });
    let calls = 0;
    inf.addIndex('app', (p) => {
      calls++;
      return p.metadata.labels?.app ? [p.metadata.labels.app] : [];
    });
    inf.start();
    await inf.waitForSync();
    const a = await api.client.create<any>('pods', { ...podManifest('a'), metadata: { name: 'a', namespace: 'default', labels: { app: 'web', tier: 'x' } } });
    await api.client.update('pods', { ...a, status: { phase: 'Running' } }, 'status');
    await settle();
    expect(calls).to.equal(2); // once per event: the old values are remembered, not recomputed
    expect(inf.byIndex('app', 'web').map((p) => p.status?.phase)).to.deep.equal(['Running']);
    inf.addIndex('tier', (p) => (p.metadata.labels?.tier ? [p.metadata.labels.tier] : []));
    await api.client.patch('pods', 'default', 'a', 'merge', { metadata: { labels: { app: 'db', tier: 'y' } } });
    await settle();
    expect(inf.byIndex('app', 'web')).to.deep.equal([]);
    expect(inf.byIndex('app', 'db').map((p) => p.metadata.name)).to.deep.equal(['a']);
    expect(inf.byIndex('tier', 'x')).to.deep.equal([]);
    expect(inf.byIndex('tier', 'y').map((p) => p.metadata.name)).to.deep.equal(['a']);
    await api.client.delete('pods', 'default', 'a', { gracePeriodSeconds: 0 });
    await settle();
    expect(inf.byIndex('tier', 'y')).to.deep.equal([]);
    expect(inf.listNamespace('default')).to.deep.equal([]);
  });

  it('follows a burst of writes larger than the watch history without losing any', async () => {
    api.close();
    api = await startTestApi({ historySize: 2 });
    inf = new Informer(api.client, 'pods', { clock: new RealClock(), retryMs: 10 });
    const seen: string[] = [];
    inf.addHandlers({ onAdd: (o) => seen.push(`add ${o.metadata.name}`), onDelete: (o) => seen.push(`delete ${o.metadata.name}`) });
    inf.start();
    await inf.waitForSync();
    expect(inf.size()).to.equal(0);
    // The watch is subscribed, so events are queued for it even though the store keeps only 2.
    for (let i = 0; i < 5; i++) await api.client.create('pods', { ...podManifest(`p${i}`), metadata: { name: `p${i}`, namespace: 'default' } });
    await settle();
    expect(inf.size()).to.equal(5);
    expect(seen.filter((s) => s.startsWith('add')).length).to.equal(5);
  });
});
