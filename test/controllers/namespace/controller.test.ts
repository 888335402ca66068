import { expect } from 'chai';
import type { KubeObject } from '../../../src/api/types.js';
import { NamespaceController } from '../../../src/controllers/namespace/controller.js';
import { advance, getOrUndefined, harness, settle, waitFor, type Harness } from '../nodelifecycle/support.js';

const IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.47';

describe('namespace NamespaceController (real API)', () => {
  let h: Harness;
  let ctl: NamespaceController | undefined;

  beforeEach(async () => {
    h = await harness('namespace-controller');
    ctl = new NamespaceController({ client: h.client, factory: h.factory, clock: h.clock, onError: (err) => h.errors.push(err) });
    await ctl.start();
  });
  afterEach(async () => {
    try {
      await ctl?.stop();
      expect(h.errors.map((e) => e.message)).to.deep.equal([]);
    } finally {
      await h.close();
    }
  });

  const ns = (name: string) => getOrUndefined(h.client, 'namespaces', undefined, name);
  const count = async (name: string): Promise<number> => {
    let n = 0;
    for (const r of ['pods', 'services', 'configmaps', 'endpoints', 'deployments', 'leases', 'events']) n += (await h.client.list(r, { namespace: name })).items.length;
    return n;
  };

  it('empties a deleted namespace, then finalizes it so the API server removes it', async () => {
    await h.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    const objects: [string, KubeObject][] = [
      ['configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'team' }, data: { a: '1' } }],
      ['services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'team' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }],
      ['pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending', namespace: 'team' }, spec: { containers: [{ name: 'c', image: IMAGE }] } }],
      [
        'deployments',
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'team' },
          spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: IMAGE }] } } },
        },
      ],
      ['leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lock', namespace: 'team' }, spec: { holderIdentity: 'x' } }],
    ];
    for (const [r, o] of objects) await h.client.create(r, o);
    expect(await count('team')).to.equal(5);

    await h.client.delete('namespaces', undefined, 'team');
    await waitFor(async () => !(await ns('team')), 'namespace gone');
    expect(await count('team')).to.equal(0);
    // The other namespaces are untouched.
    expect((await h.client.list('services', { namespace: 'default' })).items.map((s) => s.metadata.name)).to.include('kubernetes');
  });

  it('stays Terminating while a pod is still terminating gracefully, and goes once it is gone', async () => {
    await h.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'busy' } });
    await h.client.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'running', namespace: 'busy' },
      spec: { nodeName: 'worker-1', terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: IMAGE }] },
    });
    await h.client.delete('namespaces', undefined, 'busy');
    await settle();
    await advance(h.clock, 5_000);
    const terminating = (await ns('busy'))!;
    expect(terminating.status?.phase).to.equal('Terminating');
    expect(terminating.spec?.finalizers).to.deep.equal(['kubernetes']);
    const pod = (await getOrUndefined(h.client, 'pods', 'busy', 'running'))!;
    expect(pod.metadata.deletionTimestamp, 'pod deleted gracefully').to.be.a('string');

    // What the pod's kubelet does once its containers stopped.
    await h.client.delete('pods', 'busy', 'running', { gracePeriodSeconds: 0 });
    await waitFor(async () => !(await ns('busy')), 'namespace gone after the pod');
  });

  it('ignores namespaces that are not being deleted', async () => {
    await h.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'calm' } });
    await h.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'calm' } });
    await advance(h.clock, 5_000);
    expect(await count('calm')).to.equal(1);
    expect((await ns('calm'))!.status?.phase).to.equal('Active');
  });
});
