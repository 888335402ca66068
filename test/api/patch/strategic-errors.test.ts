/** Strategic merge patch: malformed patches, unsupported kinds, and the patch-metadata table itself. */
import { expect } from 'chai';
import { applyPatch, applyStrategicMergePatch, strategicSchemaForKind } from '../../../src/api/patch/index.js';
import { RESOURCES } from '../../../src/api/resources.js';
import { deepFreeze } from './deep-freeze.js';
import { deployment, errorOf, order, templateSpec, type Obj } from './strategic-fixtures.js';

describe('strategic merge patch: errors', () => {
  const errors: [string, string, Obj, unknown, string, string][] = [
    ['a kind without Go types (e.g. a CRD)', 'Widget', {}, { spec: {} }, 'ERR_PATCH_UNSUPPORTED',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml'],
    ['a patch that is not an object', 'Deployment', deployment(), [{ op: 'add' }], 'ERR_PATCH_INVALID',
      'a strategic merge patch must be a JSON object, not array'],
    ['$patch: merge on a map', 'Deployment', deployment(), { metadata: { labels: { $patch: 'merge', app: 'x' } } }, 'ERR_PATCH_INVALID',
      'unknown patch type: merge in map: map[$patch:merge app:x]'],
    ['$patch: merge on a list', 'Deployment', deployment(), templateSpec({ containers: [{ $patch: 'merge' }] }), 'ERR_PATCH_INVALID',
      'merging lists cannot yet be specified in the patch'],
    ['an unknown list directive', 'Deployment', deployment(), templateSpec({ containers: [{ $patch: 'bogus', name: 'x' }] }), 'ERR_PATCH_INVALID',
      'unknown patch type: bogus in map: map[$patch:bogus name:x]'],
    ['a list item without its merge key', 'Deployment', deployment(), templateSpec({ containers: [{ image: 'x' }] }), 'ERR_PATCH_INVALID',
      'map: map[image:x] does not contain declared merge key: name'],
    ['$patch: delete without the merge key', 'Deployment', deployment(), templateSpec({ containers: [{ $patch: 'delete' }] }), 'ERR_PATCH_INVALID',
      'map: map[$patch:delete] does not contain declared merge key: name'],
    ['a patch list item missing from $setElementOrder', 'Deployment', deployment(),
      templateSpec({ '$setElementOrder/containers': order('netexec'), containers: [{ name: 'sidecar', image: 'x' }] }), 'ERR_PATCH_INVALID',
      "the order in patch list:\n[map[image:x name:sidecar]]\n doesn't match $setElementOrder list:\n[map[name:netexec]]"],
    ['a field set outside $retainKeys', 'Deployment', deployment(), { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } }, 'ERR_PATCH_INVALID',
      'invalid patch format of retainKeys'],
    ['a primitive list mixing types', 'Deployment', deployment({ finalizers: ['a'] }), { metadata: { finalizers: [1] } }, 'ERR_PATCH_INVALID',
      'list element types are not identical: [[a] [1]]'],
    ['a malformed deletion directive', 'Deployment', deployment({ finalizers: ['a'] }), { metadata: { '$deleteFromPrimitiveListfinalizers': ['a'] } }, 'ERR_PATCH_INVALID',
      'invalid patch format of primitive list'],
  ];
  for (const [name, kind, target, patch, code, message] of errors) {
    it(`rejects ${name}`, () => {
      const err = errorOf(() => applyStrategicMergePatch(deepFreeze(target), deepFreeze(patch), kind));
      expect(err.code).to.equal(code);
      expect(err.message).to.equal(message);
    });
  }

  it('applyPatch refuses server-side apply and unknown media types', () => {
    expect(errorOf(() => applyPatch('application/apply-patch+yaml', {}, {}, 'Pod')).code).to.equal('ERR_PATCH_UNSUPPORTED');
    expect(errorOf(() => applyPatch('text/plain', {}, {}, 'Pod')).code).to.equal('ERR_PATCH_UNSUPPORTED');
  });
});

describe('strategic merge patch: schema table', () => {
  it('covers every built-in kind kemu serves; custom resources have none (kube-apiserver answers 415)', () => {
    const custom = (group: string) => group.endsWith('projectcalico.org');
    for (const r of RESOURCES.filter((x) => !custom(x.group))) expect(strategicSchemaForKind(r.kind), r.kind).to.not.equal(undefined);
    for (const r of RESOURCES.filter((x) => custom(x.group))) expect(strategicSchemaForKind(r.kind), r.kind).to.equal(undefined);
  });

  it('carries the Go struct tags for the lists kubectl relies on', () => {
    const pod = strategicSchemaForKind('Pod')!;
    const podSpec = pod.spec!.schema!;
    expect(podSpec.containers).to.include({ strategy: 'merge', mergeKey: 'name' });
    expect(podSpec.containers!.schema!.ports).to.deep.equal({ strategy: 'merge', mergeKey: 'containerPort' });
    expect(podSpec.volumes).to.deep.equal({ strategy: 'merge', mergeKey: 'name', retainKeys: true });
    expect(podSpec.tolerations).to.equal(undefined);
    expect(pod.metadata!.schema!.finalizers).to.deep.equal({ strategy: 'merge' });
    const deploymentTemplate = strategicSchemaForKind('Deployment')!.spec!.schema!.template!.schema!;
    expect(deploymentTemplate.spec!.schema).to.equal(podSpec);
    expect(strategicSchemaForKind('Node')!.spec!.schema!.taints).to.equal(undefined);
    expect(strategicSchemaForKind('Service')!.spec!.schema!.ports).to.deep.equal({ strategy: 'merge', mergeKey: 'port' });
  });
});
