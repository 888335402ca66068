import { expect } from 'chai';
import { startTestApi, http, type TestApi } from '../../support/api.js';
import { entry, envelope, len, loadFixtures, msg } from './pb.js';

const PROTOBUF = { 'Content-Type': 'application/vnd.kubernetes.protobuf' };

function collection(obj: any): string {
  const ns = obj.metadata.namespace ?? 'default';
  switch (obj.kind) {
    case 'Namespace':
      return '/api/v1/namespaces';
    case 'Deployment':
      return `/apis/apps/v1/namespaces/${ns}/deployments`;
    default:
      return `/api/v1/namespaces/${ns}/${obj.kind.toLowerCase()}s`;
  }
}

describe('API server: protobuf request bodies', () => {
  let api: TestApi;
  before(async () => (api = await startTestApi()));
  after(async () => api.close());

  // In index order: the namespace fixture creates team-a before the configmap that lives there.
  for (const f of loadFixtures()) {
    it(`creates what kubectl ${f.args.slice(0, 4).join(' ')} sent (${f.name})`, async () => {
      const r = await http(api.url, 'POST', `${collection(f.json)}?fieldManager=kubectl-create&fieldValidation=Strict`, f.bytes, PROTOBUF);
      expect(r.status, r.text).to.equal(201);
      expect(r.headers.get('content-type')).to.equal('application/json');
      expect(r.body).to.deep.include({ kind: f.json.kind, apiVersion: f.json.apiVersion });
      expect(r.body.metadata).to.include({ name: f.json.metadata.name });
      expect(r.body.metadata.uid).to.be.a('string');
      if (f.json.data) expect(r.body.data).to.deep.equal(f.json.data);
      if (f.json.binaryData) expect(r.body.binaryData).to.deep.equal(f.json.binaryData);
      if (f.json.kind === 'Service') expect(r.body.spec.type).to.equal(f.json.spec.type);
    });
  }

  it('stores the decoded fields: replicas, image, ports, nodePort', async () => {
    const deploy = await http(api.url, 'GET', '/apis/apps/v1/namespaces/default/deployments/api');
    expect(deploy.body.spec.replicas).to.equal(3);
    expect(deploy.body.spec.template.spec.containers[0]).to.include({ image: 'registry.k8s.io/e2e-test-images/agnhost:2.47' });
    expect(deploy.body.spec.template.spec.containers[0].ports).to.deep.equal([{ containerPort: 8080, protocol: 'TCP' }]);
    const svc = await http(api.url, 'GET', '/api/v1/namespaces/default/services/web-np');
    expect(svc.body.spec.ports[0]).to.include({ port: 80, targetPort: 8080, nodePort: 30080 });
  });

  it('answers 400 naming a field kemu cannot decode', async () => {
    const body = envelope('v1', 'ConfigMap', msg(1, len(1, 'odd'), len(17, 'managed')));
    const r = await http(api.url, 'POST', '/api/v1/namespaces/default/configmaps', body, PROTOBUF);
    expect(r.status).to.equal(400);
    expect(r.body).to.include({ kind: 'Status', reason: 'BadRequest', message: 'kemu cannot decode protobuf field 17 of ObjectMeta; send JSON instead' });
  });

  it('answers 415 for a kind kemu does not decode, and 400 for a broken body', async () => {
    const secret = await http(api.url, 'POST', '/api/v1/namespaces/default/configmaps', envelope('v1', 'Secret', entry(2, 'k', 'v')), PROTOBUF);
    expect(secret.status).to.equal(415);
    expect(secret.body.reason).to.equal('UnsupportedMediaType');
    expect(secret.body.message).to.include('apps/v1 Deployment');
    const broken = await http(api.url, 'POST', '/api/v1/namespaces', Buffer.from('k8s\0\x0a\x7f'), PROTOBUF);
    expect(broken.status).to.equal(400);
    expect(broken.body.message).to.match(/not a valid Kubernetes protobuf message/);
  });

  it('takes the JSON path afterwards: a kind that does not match the URL is refused as for JSON', async () => {
    const r = await http(api.url, 'POST', '/api/v1/namespaces/default/configmaps', envelope('v1', 'Namespace', msg(1, len(1, 'x'))), PROTOBUF);
    expect(r.status).to.equal(400);
    expect(r.body.reason).to.equal('BadRequest');
  });
});
