/**
 * The write path's economies must not be visible: a request body is still the caller's own after
 * the call, stored objects are frozen, status writes keep the stored spec, and parts shared
 * between versions are the frozen ones only.
 */
import { expect } from 'chai';
import { ApiService } from '../../src/api/service/service.js';
import { MemoryStore } from '../../src/api/store/memory.js';
import { deepFreeze } from '../../src/api/store/freeze.js';
import { labelSelectorFromObject, selectorFromSet } from '../../src/api/selectors/index.js';
import { FakeClock } from '../../src/util/clock.js';
import type { KubeObject } from '../../src/api/types.js';

function service(): ApiService {
  const s = new ApiService({ store: new MemoryStore(), clock: new FakeClock(), serviceSubnet: '10.96.0.0/12' });
  s.create('namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return s;
}

const podBody = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] },
});

describe('api write path', () => {
  it('copies a create body: the caller may change it afterwards, the stored object is frozen and defaulted', () => {
    const s = service();
    const body = podBody();
    const stored = s.create('pods', 'default', body).object;
    body.metadata.labels!.app = 'changed';
    body.spec.containers[0].ports[0].containerPort = 81;
    expect(stored.metadata.labels).to.deep.equal({ app: 'web' });
    expect(stored.spec.containers[0].ports[0]).to.deep.equal({ containerPort: 80, protocol: 'TCP' });
    expect(stored.spec.restartPolicy).to.equal('Always');
    expect(Object.isFrozen(stored.spec.containers[0].ports[0])).to.equal(true);
    expect(body.spec.restartPolicy).to.equal(undefined); // defaults went into the server's copy only
  });

  it('a status write takes only .status, shares its frozen parts and copies the rest', () => {
    const s = service();
    const pod = s.create('pods', 'default', podBody()).object;
    const frozen = deepFreeze({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
    const next = s.update('pods', 'default', 'p', { ...pod, spec: { containers: [] }, status: frozen }, { subresource: 'status' }).object;
    expect(next.status).to.equal(frozen); // immutable, so the same object can be stored
    expect(next.spec).to.equal(pod.spec); // the stored spec, not the body's
    const mutable = { phase: 'Succeeded', conditions: [{ type: 'Ready', status: 'False' }] };
    const after = s.update('pods', 'default', 'p', { ...next, status: mutable }, { subresource: 'status' }).object;
    mutable.conditions[0]!.status = 'True';
    expect(after.status.conditions[0].status).to.equal('False');
    expect(Object.isFrozen(after.status.conditions[0])).to.equal(true);
  });

  it('bumps generation for a spec change, not for the same spec with its keys in another order', () => {
    const s = service();
    const body: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
    const created = s.create('services', 'default', body).object;
    const reordered = { ...created, spec: Object.fromEntries(Object.entries(created.spec).reverse()) };
    const same = s.update('services', 'default', 'svc', reordered).object;
    expect(same.metadata.generation).to.equal(created.metadata.generation);
    const changed = s.update('services', 'default', 'svc', { ...same, spec: { ...same.spec, selector: { app: 'db' } } }).object;
    expect(changed.metadata.generation).to.equal((created.metadata.generation ?? 0) + 1);
  });

  it('binding sets spec.nodeName and PodScheduled, keeping the rest of the pod', () => {
    const s = service();
    const pod = s.create('pods', 'default', podBody()).object;
    s.create('pods', 'default', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } }, { subresource: 'binding' });
    const bound = s.get('pods', 'default', 'p');
    expect(bound.spec.nodeName).to.equal('n1');
    expect(pod.spec.nodeName).to.equal(undefined); // the earlier version is untouched
    expect(bound.spec.containers).to.deep.equal(pod.spec.containers);
    expect(bound.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).to.deep.equal(['PodScheduled=True']);
    expect(Object.isFrozen(bound.spec)).to.equal(true);
  });
});

describe('selectors compiled once per frozen object', () => {
  it('selectorFromSet and labelSelectorFromObject give the same matcher for the same frozen object', () => {
    const set = deepFreeze({ app: 'web' });
    expect(selectorFromSet(set)).to.equal(selectorFromSet(set));
    expect(selectorFromSet(set).matches({ app: 'web', x: 'y' })).to.equal(true);
    const sel = deepFreeze({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['a'] }] });
    expect(labelSelectorFromObject(sel)).to.equal(labelSelectorFromObject(sel));
    expect(labelSelectorFromObject(sel).matches({ app: 'web', tier: 'a' })).to.equal(true);
  });

  it('compiles a mutable object afresh each time, so a change to it counts', () => {
    const set: Record<string, string> = { app: 'web' };
    expect(selectorFromSet(set).matches({ app: 'web' })).to.equal(true);
    set.app = 'db';
    expect(selectorFromSet(set).matches({ app: 'web' })).to.equal(false);
  });
});
