import { expect } from 'chai';
import { escapeFieldValue, parseFieldSelector, selectableFields } from '../../../src/api/selectors/index.js';
import { KemuError } from '../../../src/util/errors.js';

function errorOf(fn: () => unknown): KemuError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(KemuError);
    return err as KemuError;
  }
  throw new Error('expected an error');
}

const pod = Object.freeze({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default' },
  spec: { nodeName: 'worker-1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' },
  status: { phase: 'Running', podIPs: [{ ip: '10.244.1.5' }], podIP: '10.244.1.5' },
});
const pendingPod = { metadata: { name: 'web-2', namespace: 'default' }, spec: { hostNetwork: true }, status: { phase: 'Pending' } };
const node = { metadata: { name: 'worker-1' }, spec: { unschedulable: true } };
const readyNode = { metadata: { name: 'worker-2' }, spec: {} };
const event = {
  metadata: { name: 'web-1.17a', namespace: 'default' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'u1', apiVersion: 'v1', resourceVersion: '42', fieldPath: 'spec.containers{web}' },
  reason: 'Scheduled',
  type: 'Normal',
  reportingComponent: 'default-scheduler',
  source: {},
};

describe('field selectors: matching per resource', () => {
  const cases: [string, string, unknown, boolean][] = [
    ['pods', 'spec.nodeName=worker-1', pod, true],
    ['pods', 'spec.nodeName==worker-1', pod, true],
    ['pods', 'spec.nodeName!=worker-1', pod, false],
    ['pods', 'spec.nodeName=', pendingPod, true],
    ['pods', 'spec.nodeName=worker-1', pendingPod, false],
    ['pods', 'spec.host=worker-1', pod, true],
    ['pods', 'metadata.name=web-1,metadata.namespace=default', pod, true],
    ['pods', 'metadata.namespace!=default', pod, false],
    ['pods', 'status.phase!=Running,spec.restartPolicy=Always', pod, false],
    ['pods', 'status.phase=Pending', pendingPod, true],
    ['pods', 'status.podIP=10.244.1.5', pod, true],
    ['pods', 'status.podIP=10.244.1.5', { status: { podIP: '10.244.1.5' } }, true],
    ['pods', 'spec.hostNetwork=false', pod, true],
    ['pods', 'spec.hostNetwork=true', pendingPod, true],
    ['pods', 'spec.schedulerName=default-scheduler,spec.serviceAccountName=default', pod, true],
    ['pods', 'status.nominatedNodeName=', pod, true],
    ['nodes', 'spec.unschedulable=true', node, true],
    ['nodes', 'spec.unschedulable=false', readyNode, true],
    ['nodes', 'metadata.name=worker-2', readyNode, true],
    ['namespaces', 'status.phase=Active', { metadata: { name: 'default' }, status: { phase: 'Active' } }, true],
    ['services', 'spec.clusterIP!=None', { metadata: { name: 'web' }, spec: { clusterIP: '10.96.0.10', type: 'ClusterIP' } }, true],
    ['services', 'spec.type=NodePort', { metadata: { name: 'web' }, spec: { type: 'ClusterIP' } }, false],
    ['events', 'involvedObject.kind=Pod,involvedObject.name=web-1,involvedObject.uid=u1', event, true],
    ['events', 'involvedObject.fieldPath=spec.containers{web},involvedObject.resourceVersion=42', event, true],
    ['events', 'involvedObject.apiVersion=v1,involvedObject.namespace=default,reason=Scheduled,type=Normal', event, true],
    // An event without source.component is found by its reporting component.
    ['events', 'source=default-scheduler,reportingComponent=default-scheduler', event, true],
    ['replicasets', 'status.replicas=0', { metadata: { name: 'rs' } }, true],
    ['replicasets', 'status.replicas=3', { metadata: { name: 'rs' }, status: { replicas: 3 } }, true],
    ['deployments', 'metadata.name=web', { metadata: { name: 'web', namespace: 'default' } }, true],
    ['configmaps', 'metadata.namespace=kube-system', { metadata: { name: 'x', namespace: 'default' } }, false],
    ['pods', 'metadata.name=a\\,b', { metadata: { name: 'a,b' } }, true],
    ['pods', 'metadata.name=a\\=b\\\\c', { metadata: { name: 'a=b\\c' } }, true],
    ['pods', '', pod, true],
  ];
  for (const [resource, selector, obj, expected] of cases) {
    it(`${resource}: ${JSON.stringify(selector)} ${expected ? 'matches' : 'does not match'}`, () => {
      expect(parseFieldSelector(selector, resource).matches(obj)).to.equal(expected);
    });
  }
});

describe('field selectors: canonical form and index hints', () => {
  const printed: [string, string, string][] = [
    ['pods', '', ''],
    ['pods', 'status.phase!=Running,spec.restartPolicy=Always', 'spec.restartPolicy=Always,status.phase!=Running'],
    ['pods', 'spec.nodeName==n1', 'spec.nodeName=n1'],
    ['pods', 'spec.host=n1', 'spec.nodeName=n1'],
    ['pods', 'metadata.name=a\\,b', 'metadata.name=a\\,b'],
    ['pods', 'metadata.name=x,', 'metadata.name=x'],
  ];
  for (const [resource, input, out] of printed) {
    it(`${JSON.stringify(input)} prints as ${JSON.stringify(out)}`, () => {
      expect(parseFieldSelector(input, resource).toString()).to.equal(out);
    });
  }

  it('requiredValue gives the equality value for an index (spec.host counts as spec.nodeName)', () => {
    const s = parseFieldSelector('spec.host=worker-1,status.phase!=Failed', 'pods');
    expect(s.requiredValue('spec.nodeName')).to.equal('worker-1');
    expect(s.requiredValue('status.phase')).to.equal(undefined);
    expect(s.requirements.map(({ field, operator, value }) => ({ field, operator, value }))).to.deep.equal([
      { field: 'spec.nodeName', operator: '=', value: 'worker-1' },
      { field: 'status.phase', operator: '!=', value: 'Failed' },
    ]);
  });

  it('empty selectors are empty', () => {
    expect(parseFieldSelector('', 'pods').empty).to.equal(true);
    expect(parseFieldSelector(',', 'pods').empty).to.equal(true);
    expect(parseFieldSelector('metadata.name=x', 'pods').empty).to.equal(false);
  });

  it('escapes values as fields.EscapeValue does', () => {
    expect(escapeFieldValue('a\\b,c=d')).to.equal('a\\\\b\\,c\\=d');
  });

  it('lists the selectable fields of a resource', () => {
    expect(selectableFields('nodes')).to.deep.equal(['metadata.name', 'spec.unschedulable']);
    expect(selectableFields('endpoints')).to.deep.equal(['metadata.name', 'metadata.namespace']);
    expect(selectableFields('pods')).to.include.members(['spec.nodeName', 'status.phase', 'spec.host']);
  });
});

describe('field selectors: errors', () => {
  const errors: [string, string, string][] = [
    ['pods', 'spec.foo=bar', 'field label not supported: spec.foo'],
    ['pods', 'spec.nodeName = x', 'field label not supported: spec.nodeName '],
    ['nodes', 'metadata.namespace=default', 'field label not supported: metadata.namespace'],
    ['namespaces', 'metadata.namespace=x', 'field label not supported: metadata.namespace'],
    ['events', 'message=x', 'field label not supported: message'],
    ['deployments', 'spec.replicas=1', '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ['endpointslices', 'addressType=IPv4', '"addressType" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ['pods', 'spec.nodeName', "invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'"],
    // Terms are sorted before parsing, so the syntax error in "zzz" wins over the unknown field.
    ['pods', 'spec.foo=1,zzz', "invalid selector: 'spec.foo=1,zzz'; can't understand 'zzz'"],
    ['pods', 'metadata.name=a=b', 'invalid field selector: unescaped character in value: 61'],
    ['pods', 'metadata.name=a\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['pods', 'metadata.name=a\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [resource, selector, message] of errors) {
    it(`${resource}: rejects ${JSON.stringify(selector)}`, () => {
      const err = errorOf(() => parseFieldSelector(selector, resource));
      expect(err.code).to.equal('ERR_BAD_SELECTOR');
      expect(err.message).to.equal(message);
    });
  }
});
