import { expect } from 'chai';
import type { KubeObject, OwnerReference } from '../../../src/api/types.js';
import { GarbageCollector } from '../../../src/controllers/gc/controller.js';
import { advance, getOrUndefined, harness, settle, waitFor, type Harness } from '../nodelifecycle/support.js';

const IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.47';
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: IMAGE }] } };

const ref = (o: KubeObject, controller = true): OwnerReference => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name!,
  uid: o.metadata.uid!,
  controller,
  blockOwnerDeletion: true,
});

describe('gc GarbageCollector (real API)', () => {
  let h: Harness;
  let gc: GarbageCollector | undefined;

  beforeEach(async () => {
    h = await harness('garbage-collector');
    gc = new GarbageCollector({ client: h.client, factory: h.factory, clock: h.clock, onError: (err) => h.errors.push(err) });
    await gc.start();
  });
  afterEach(async () => {
    try {
      await gc?.stop();
      expect(h.errors.map((e) => e.message)).to.deep.equal([]);
    } finally {
      await h.close();
    }
  });

  const get = (r: string, name: string) => getOrUndefined(h.client, r, 'default', name);
  const deployment = (name: string, finalizers?: string[]) =>
    h.client.create<KubeObject>('deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'default', ...(finalizers ? { finalizers } : {}) },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template },
    });
  const replicaSet = (name: string, owners: OwnerReference[]) =>
    h.client.create<KubeObject>('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: 'default', ownerReferences: owners },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template },
    });
  const pod = (name: string, owners: OwnerReference[], nodeName?: string) =>
    h.client.create<KubeObject>('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app: 'web' }, ownerReferences: owners },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: IMAGE }] },
    });

  it('cascades Deployment → ReplicaSet → Pods in the background', async () => {
    const d = await deployment('web');
    const rs = await replicaSet('web-abc', [ref(d)]);
    await pod('web-abc-1', [ref(rs)]);
    await pod('web-abc-2', [ref(rs)], 'worker-1');
    await settle();
    expect(await get('replicasets', 'web-abc')).to.not.equal(undefined);

    await h.client.delete('deployments', 'default', 'web');
    await waitFor(async () => !(await get('replicasets', 'web-abc')), 'ReplicaSet collected');
    await waitFor(async () => !(await get('pods', 'web-abc-1')), 'unscheduled pod collected');
    // A scheduled pod is deleted gracefully: Terminating until its kubelet finishes it.
    const p2 = await waitFor(async () => (await get('pods', 'web-abc-2'))?.metadata.deletionTimestamp, 'scheduled pod terminating');
    expect(p2).to.be.a('string');
  });

  it('deletes the EndpointSlices a Service owns with it', async () => {
    const svc = await h.client.create<KubeObject>('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    await h.client.create('endpointslices', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-x1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' }, ownerReferences: [ref(svc)] },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    await settle();
    await h.client.delete('services', 'default', 'web');
    await waitFor(async () => !(await get('endpointslices', 'web-x1')), 'slice collected');
    // The kubernetes Service's own slice (no owner) is left alone.
    expect(await get('endpointslices', 'kubernetes')).to.not.equal(undefined);
  });

  it('keeps a dependent that still has an owner, dropping only the dangling reference', async () => {
    const a = await deployment('a');
    const b = await deployment('b');
    await replicaSet('shared', [ref(a, false), ref(b, false)]);
    await settle();
    await h.client.delete('deployments', 'default', 'a');
    const rs = await waitFor(async () => {
      const o = await get('replicasets', 'shared');
      return o?.metadata.ownerReferences?.length === 1 ? o : undefined;
    }, 'dangling reference removed');
    expect(rs.metadata.ownerReferences![0]!.uid).to.equal(b.metadata.uid);
    await advance(h.clock, 1_000);
    expect(await get('replicasets', 'shared')).to.not.equal(undefined);
  });

  it('collects dependents whose owner never existed or was re-created with another uid', async () => {
    const d = await deployment('web');
    await replicaSet('ghost-child', [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'nobody', uid: '00000000-0000-0000-0000-000000000000' }]);
    await replicaSet('stale-child', [{ ...ref(d), uid: 'not-the-current-uid' }]);
    await replicaSet('live-child', [ref(d)]);
    await waitFor(async () => !(await get('replicasets', 'ghost-child')) && !(await get('replicasets', 'stale-child')), 'orphans collected');
    expect(await get('replicasets', 'live-child')).to.not.equal(undefined);
  });

  it('never deletes on an owner of a kind it cannot look up', async () => {
    await replicaSet('custom-child', [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'u-1' }]);
    await advance(h.clock, 2_000);
    expect(await get('replicasets', 'custom-child')).to.not.equal(undefined);
  });

  it('orphan finalizer: dependents lose the reference and survive, then the owner goes', async () => {
    const d = await deployment('web', ['orphan']);
    await replicaSet('web-abc', [ref(d)]);
    await settle();
    await h.client.delete('deployments', 'default', 'web');
    await waitFor(async () => !(await get('deployments', 'web')), 'owner gone after orphaning');
    const rs = (await get('replicasets', 'web-abc'))!;
    expect(rs, 'dependent kept').to.not.equal(undefined);
    expect(rs.metadata.ownerReferences ?? []).to.deep.equal([]);
  });

  it('foregroundDeletion finalizer: dependents go first, then the owner', async () => {
    const d = await deployment('web', ['foregroundDeletion']);
    await replicaSet('web-abc', [ref(d)]);
    await settle();
    await h.client.delete('deployments', 'default', 'web');
    await waitFor(async () => !(await get('replicasets', 'web-abc')), 'dependent deleted');
    await waitFor(async () => !(await get('deployments', 'web')), 'owner gone after its dependents');
  });
});
