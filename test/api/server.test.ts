import { expect } from 'chai';
import WebSocket from 'ws';
import { startTestApi, http, podManifest, type TestApi } from '../support/api.js';

describe('API server over HTTP', () => {
  let api: TestApi;
  beforeEach(async () => (api = await startTestApi()));
  afterEach(async () => api.close());

  describe('fixed paths and discovery', () => {
    it('serves /version, health and readiness', async () => {
      const v = await http(api.url, 'GET', '/version');
      expect(v.body).to.include({ major: '1', minor: '32' });
      for (const p of ['/healthz', '/livez', '/readyz']) expect((await http(api.url, 'GET', p)).text).to.equal('ok');
    });

    it('lists core and group resources with short names and subresources', async () => {
      expect((await http(api.url, 'GET', '/api')).body.versions).to.deep.equal(['v1']);
      const groups = (await http(api.url, 'GET', '/apis')).body.groups.map((g: any) => g.name);
      expect(groups).to.deep.equal(['apps', 'discovery.k8s.io', 'coordination.k8s.io', 'crd.projectcalico.org']);
      const core = (await http(api.url, 'GET', '/api/v1')).body.resources;
      const pods = core.find((r: any) => r.name === 'pods');
      expect(pods).to.include({ kind: 'Pod', namespaced: true, singularName: 'pod' });
      expect(pods.shortNames).to.deep.equal(['po']);
      expect(core.map((r: any) => r.name)).to.include.members(['pods/status', 'pods/binding', 'nodes/status']);
      const apps = (await http(api.url, 'GET', '/apis/apps/v1')).body.resources;
      expect(apps.find((r: any) => r.name === 'deployments/scale')).to.include({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    });

    it('publishes OpenAPI v3 with the fieldValidation parameter on PATCH', async () => {
      const index = (await http(api.url, 'GET', '/openapi/v3')).body;
      const url = index.paths['apis/apps/v1'].serverRelativeURL as string;
      const doc = (await http(api.url, 'GET', url)).body;
      const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
      expect(patch['x-kubernetes-group-version-kind']).to.deep.equal({ group: 'apps', version: 'v1', kind: 'Deployment' });
      expect(patch.parameters.map((p: any) => p.name)).to.include('fieldValidation');
    });
  });

  describe('CRUD and Status errors', () => {
    it('creates, gets and lists with label selectors', async () => {
      const created = await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('web-1', { app: 'web' }));
      expect(created.status).to.equal(201);
      expect(created.body.metadata.uid).to.match(/^[0-9a-f-]{36}$/);
      expect(created.body.status.phase).to.equal('Pending');
      await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('db-1', { app: 'db' }));
      const got = await http(api.url, 'GET', '/api/v1/namespaces/default/pods/web-1');
      expect(got.body.metadata.name).to.equal('web-1');
      const list = await http(api.url, 'GET', '/api/v1/pods?labelSelector=app%3Dweb');
      expect(list.body.kind).to.equal('PodList');
      expect(list.body.items.map((p: any) => p.metadata.name)).to.deep.equal(['web-1']);
    });

    it('generates names from generateName', async () => {
      const r = await http(api.url, 'POST', '/api/v1/namespaces/default/pods', { ...podManifest(''), metadata: { generateName: 'web-' } });
      expect(r.status).to.equal(201);
      expect(r.body.metadata.name).to.match(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    });

    it('answers 404 with a NotFound Status', async () => {
      const r = await http(api.url, 'GET', '/api/v1/namespaces/default/pods/nope');
      expect(r.status).to.equal(404);
      expect(r.body).to.deep.include({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'pods "nope" not found' });
      expect(r.body.details).to.deep.equal({ name: 'nope', group: '', kind: 'pods' });
    });

    it('answers 404 for objects in a namespace that does not exist', async () => {
      const r = await http(api.url, 'POST', '/api/v1/namespaces/missing/pods', podManifest('a'));
      expect(r.status).to.equal(404);
      expect(r.body.message).to.equal('namespaces "missing" not found');
    });

    it('answers 409 AlreadyExists and 409 Conflict for a stale update', async () => {
      const first = await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('a'));
      const dup = await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('a'));
      expect(dup.status).to.equal(409);
      expect(dup.body.reason).to.equal('AlreadyExists');
      const fresh = { ...first.body, metadata: { ...first.body.metadata, labels: { v: '1' } } };
      expect((await http(api.url, 'PUT', '/api/v1/namespaces/default/pods/a', fresh)).status).to.equal(200);
      const stale = await http(api.url, 'PUT', '/api/v1/namespaces/default/pods/a', fresh);
      expect(stale.status).to.equal(409);
      expect(stale.body.reason).to.equal('Conflict');
      expect(stale.body.message).to.contain('the object has been modified');
    });

    it('answers 400 for a body that is not JSON and for a bad resourceVersion', async () => {
      const r = await http(api.url, 'POST', '/api/v1/namespaces/default/pods', '{"kind": ');
      expect(r.status).to.equal(400);
      expect(r.body.reason).to.equal('BadRequest');
      const w = await http(api.url, 'GET', '/api/v1/pods?watch=true&resourceVersion=abc');
      expect(w.status).to.equal(400);
    });

    it('answers 405 for a POST on a named object', async () => {
      const r = await http(api.url, 'POST', '/api/v1/namespaces/default/pods/x', podManifest('x'));
      expect(r.status).to.equal(405);
      expect(r.body.reason).to.equal('MethodNotAllowed');
    });

    it('answers 413 for a 10 MB body and keeps serving', async () => {
      const big = JSON.stringify({ ...podManifest('big'), metadata: { name: 'big', annotations: { x: 'y'.repeat(10 * 1024 * 1024) } } });
      const r = await http(api.url, 'POST', '/api/v1/namespaces/default/pods', big);
      expect(r.status).to.equal(413);
      expect(r.body.reason).to.equal('RequestEntityTooLarge');
      expect((await http(api.url, 'GET', '/healthz')).status).to.equal(200);
    });

    it('answers 415 for an unknown patch type', async () => {
      await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('a'));
      const r = await http(api.url, 'PATCH', '/api/v1/namespaces/default/pods/a', '{}', { 'Content-Type': 'text/plain' });
      expect(r.status).to.equal(415);
      expect(r.body.reason).to.equal('UnsupportedMediaType');
    });

    it('answers 422 with causes for an invalid Service', async () => {
      const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad' }, spec: { ports: [{ port: 70000 }] } };
      const r = await http(api.url, 'POST', '/api/v1/namespaces/default/services', svc);
      expect(r.status).to.equal(422);
      expect(r.body.reason).to.equal('Invalid');
      expect(r.body.details.causes.map((c: any) => c.field)).to.include('spec.ports[0].port');
    });

    it('takes only .status on the status subresource', async () => {
      const created = await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('s'));
      const body = { ...created.body, metadata: { ...created.body.metadata, labels: { ignored: 'yes' } }, status: { phase: 'Running', podIP: '10.244.1.5' } };
      const ok = await http(api.url, 'PUT', '/api/v1/namespaces/default/pods/s/status', body);
      expect(ok.status).to.equal(200);
      expect(ok.body.status.phase).to.equal('Running');
      expect(ok.body.metadata.labels).to.deep.equal(created.body.metadata.labels);
      const spec = await http(api.url, 'PUT', '/api/v1/namespaces/default/pods/s/status', { ...ok.body, spec: { containers: [] } });
      expect(spec.body.spec.containers).to.have.length(1);
    });

    it('applies merge, JSON and strategic merge patches', async () => {
      await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('a', { app: 'a' }));
      const merge = await http(api.url, 'PATCH', '/api/v1/namespaces/default/pods/a', { metadata: { labels: { tier: 'x' } } }, { 'Content-Type': 'application/merge-patch+json' });
      expect(merge.body.metadata.labels).to.deep.equal({ app: 'a', tier: 'x' });
      const json = await http(api.url, 'PATCH', '/api/v1/namespaces/default/pods/a', [{ op: 'remove', path: '/metadata/labels/tier' }], { 'Content-Type': 'application/json-patch+json' });
      expect(json.body.metadata.labels).to.deep.equal({ app: 'a' });
      await http(api.url, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
      const cordon = await http(api.url, 'PATCH', '/api/v1/nodes/n1', { spec: { unschedulable: true } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
      expect(cordon.body.spec.unschedulable).to.equal(true);
    });
  });

  describe('admission', () => {
    it('allocates ClusterIPs inside the service range and NodePorts in 30000-32767', async () => {
      const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] } };
      const r = await http(api.url, 'POST', '/api/v1/namespaces/default/services', svc);
      expect(r.status).to.equal(201);
      expect(r.body.spec.clusterIP).to.match(/^10\.(9[6-9]|10[0-9]|11[01])\./);
      expect(r.body.spec.ports[0].nodePort).to.be.within(30000, 32767);
      expect(r.body.spec.ports[0].targetPort).to.equal(80);
    });

    it('gives the kubernetes Service the first address of the range', async () => {
      const r = await http(api.url, 'GET', '/api/v1/namespaces/default/services/kubernetes');
      expect(r.body.spec.clusterIP).to.equal('10.96.0.1');
    });

    it('rejects a NodePort that is already allocated with 422 and frees ports on delete', async () => {
      const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } });
      expect((await http(api.url, 'POST', '/api/v1/namespaces/default/services', svc('a'))).status).to.equal(201);
      const clash = await http(api.url, 'POST', '/api/v1/namespaces/default/services', svc('b'));
      expect(clash.status).to.equal(422);
      expect(clash.body.message).to.contain('provided port is already allocated');
      await http(api.url, 'DELETE', '/api/v1/namespaces/default/services/a');
      expect((await http(api.url, 'POST', '/api/v1/namespaces/default/services', svc('b'))).status).to.equal(201);
    });

    it('deletes an unscheduled pod at once and a bound pod gracefully', async () => {
      await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('loose'));
      expect((await http(api.url, 'DELETE', '/api/v1/namespaces/default/pods/loose')).status).to.equal(200);
      expect((await http(api.url, 'GET', '/api/v1/namespaces/default/pods/loose')).status).to.equal(404);

      await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('bound'));
      const bind = await http(api.url, 'POST', '/api/v1/namespaces/default/pods/bound/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'n1' } });
      expect(bind.status).to.equal(201);
      const del = await http(api.url, 'DELETE', '/api/v1/namespaces/default/pods/bound');
      expect(del.body.metadata.deletionTimestamp).to.be.a('string');
      expect(del.body.metadata.deletionGracePeriodSeconds).to.equal(30);
      const still = await http(api.url, 'GET', '/api/v1/namespaces/default/pods/bound');
      expect(still.status).to.equal(200);
      await http(api.url, 'DELETE', '/api/v1/namespaces/default/pods/bound?gracePeriodSeconds=0');
      expect((await http(api.url, 'GET', '/api/v1/namespaces/default/pods/bound')).status).to.equal(404);
    });

    it('scales through the scale subresource', async () => {
      const deploy = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
      };
      expect((await http(api.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', deploy)).status).to.equal(201);
      const scale = await http(api.url, 'GET', '/apis/apps/v1/namespaces/default/deployments/web/scale');
      expect(scale.body).to.deep.include({ kind: 'Scale', apiVersion: 'autoscaling/v1' });
      expect(scale.body.status.selector).to.equal('app=web');
      const patched = await http(api.url, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { spec: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' });
      expect(patched.body.spec.replicas).to.equal(5);
      const d = await http(api.url, 'GET', '/apis/apps/v1/namespaces/default/deployments/web');
      expect(d.body.spec.replicas).to.equal(5);
      expect(d.body.metadata.generation).to.equal(2);
    });
  });

  describe('lists and tables', () => {
    it('pages with limit/continue over a consistent snapshot', async () => {
      for (let i = 0; i < 5; i++) await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest(`p${i}`));
      const first = await http(api.url, 'GET', '/api/v1/namespaces/default/pods?limit=2');
      expect(first.body.items.map((p: any) => p.metadata.name)).to.deep.equal(['p0', 'p1']);
      expect(first.body.metadata.remainingItemCount).to.equal(3);
      await http(api.url, 'DELETE', '/api/v1/namespaces/default/pods/p3');
      const next = await http(api.url, 'GET', `/api/v1/namespaces/default/pods?limit=10&continue=${first.body.metadata.continue}`);
      expect(next.body.items.map((p: any) => p.metadata.name)).to.deep.equal(['p2', 'p3', 'p4']);
      expect(next.body.metadata.continue).to.equal(undefined);
      const bad = await http(api.url, 'GET', '/api/v1/namespaces/default/pods?limit=1&continue=garbage');
      expect(bad.status).to.equal(400);
    });

    it('renders server-side Tables for kubectl', async () => {
      await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('a'));
      const r = await http(api.url, 'GET', '/api/v1/namespaces/default/pods', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
      expect(r.body.kind).to.equal('Table');
      expect(r.body.columnDefinitions.map((c: any) => c.name).slice(0, 5)).to.deep.equal(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
      expect(r.body.rows[0].cells[0]).to.equal('a');
      expect(r.body.rows[0].object.kind).to.equal('PartialObjectMetadata');
    });

    it('answers 406 when only protobuf is acceptable', async () => {
      const r = await http(api.url, 'GET', '/api/v1/pods', undefined, { Accept: 'application/vnd.kubernetes.protobuf' });
      expect(r.status).to.equal(406);
    });
  });
});

describe('watch', () => {
  let api: TestApi;
  afterEach(async () => api.close());

  async function collect(url: string, n: number): Promise<any[]> {
    const res = await fetch(url);
    const reader = res.body!.getReader();
    const events: any[] = [];
    let buf = '';
    while (events.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += Buffer.from(value).toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    }
    await reader.cancel();
    return events;
  }

  it('streams ADDED, MODIFIED and DELETED over chunked HTTP from a resourceVersion', async () => {
    api = await startTestApi();
    const list = await http(api.url, 'GET', '/api/v1/namespaces/default/pods');
    const events = collect(`${api.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`, 3);
    await new Promise((r) => setTimeout(r, 50));
    const created = await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('a'));
    await http(api.url, 'PATCH', '/api/v1/namespaces/default/pods/a', { metadata: { labels: { x: 'y' } } }, { 'Content-Type': 'application/merge-patch+json' });
    await http(api.url, 'DELETE', '/api/v1/namespaces/default/pods/a');
    const got = await events;
    expect(got.map((e) => e.type)).to.deep.equal(['ADDED', 'MODIFIED', 'DELETED']);
    expect(got[0].object.metadata.uid).to.equal(created.body.metadata.uid);
  });

  it('reports a too-old resourceVersion as an ERROR event with 410 Expired', async () => {
    api = await startTestApi({ historySize: 2 });
    for (let i = 0; i < 5; i++) await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest(`p${i}`));
    const [ev] = await collect(`${api.url}/api/v1/pods?watch=true&resourceVersion=1`, 1);
    expect(ev.type).to.equal('ERROR');
    expect(ev.object).to.include({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('turns selector transitions into ADDED and DELETED', async () => {
    api = await startTestApi();
    await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('a', { app: 'x' }));
    const rv = (await http(api.url, 'GET', '/api/v1/pods')).body.metadata.resourceVersion;
    const events = collect(`${api.url}/api/v1/pods?watch=1&labelSelector=app%3Dweb&resourceVersion=${rv}`, 2);
    await new Promise((r) => setTimeout(r, 50));
    const patch = (app: string) => http(api.url, 'PATCH', '/api/v1/namespaces/default/pods/a', { metadata: { labels: { app } } }, { 'Content-Type': 'application/merge-patch+json' });
    await patch('web');
    await patch('other');
    expect((await events).map((e) => e.type)).to.deep.equal(['ADDED', 'DELETED']);
  });

  it('streams the same events over websocket', async () => {
    api = await startTestApi();
    const ws = new WebSocket(`${api.url.replace('http', 'ws')}/api/v1/namespaces/default/pods?watch=true`);
    const got: any[] = [];
    const done = new Promise<void>((resolve) => ws.on('message', (m) => (got.push(JSON.parse(m.toString())), got.length === 2 && resolve())));
    await new Promise((r) => ws.on('open', r));
    await http(api.url, 'POST', '/api/v1/namespaces/default/pods', podManifest('a'));
    await http(api.url, 'DELETE', '/api/v1/namespaces/default/pods/a');
    await done;
    ws.close();
    expect(got.map((e) => `${e.type}:${e.object.metadata.name}`)).to.deep.equal(['ADDED:a', 'DELETED:a']);
  });
});
