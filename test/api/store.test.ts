import { expect } from 'chai';
import { MemoryStore } from '../../src/api/store/memory.js';
import type { StoreEvent } from '../../src/api/store/store.js';
import type { KubeObject } from '../../src/api/types.js';
import { isKemuError } from '../../src/util/errors.js';

const pod = (name: string, ns = 'default', extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, ...extra },
  spec: { containers: [] },
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isKemuError(err) ? err.code : 'not-a-kemu-error';
  }
  return undefined;
}

describe('MemoryStore', () => {
  it('hands out one monotonic resourceVersion across resources', () => {
    const s = new MemoryStore();
    const a = s.create('pods', pod('a'));
    const b = s.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'default' }, spec: {} });
    const a2 = s.update('pods', a.object);
    expect(b.resourceVersion).to.equal(a.resourceVersion + 1);
    expect(a2.resourceVersion).to.equal(b.resourceVersion + 1);
    expect(a2.object.metadata.resourceVersion).to.equal(String(a2.resourceVersion));
  });

  it('stores frozen objects with their JSON computed once', () => {
    const s = new MemoryStore();
    const stored = s.create('pods', pod('a'));
    expect(Object.isFrozen(stored.object.metadata)).to.equal(true);
    expect(JSON.parse(stored.json)).to.deep.equal(stored.object);
    expect(Reflect.set(stored.object.metadata, 'name', 'x')).to.equal(false);
    expect(stored.object.metadata.name).to.equal('a');
  });

  it('lists in namespace/name order and filters by namespace', () => {
    const s = new MemoryStore();
    s.create('pods', pod('b', 'ns2'));
    s.create('pods', pod('z', 'ns1'));
    s.create('pods', pod('a', 'ns1'));
    expect(s.list('pods', '').items.map((i) => `${i.object.metadata.namespace}/${i.object.metadata.name}`)).to.deep.equal(['ns1/a', 'ns1/z', 'ns2/b']);
    expect(s.list('pods', 'ns2').items.map((i) => i.object.metadata.name)).to.deep.equal(['b']);
  });

  it('rejects duplicates, missing objects and stale versions with stable codes', () => {
    const s = new MemoryStore();
    const a = s.create('pods', pod('a'));
    expect(code(() => s.create('pods', pod('a')))).to.equal('ERR_ALREADY_EXISTS');
    expect(code(() => s.update('pods', pod('nope')))).to.equal('ERR_NOT_FOUND');
    s.update('pods', a.object, a.resourceVersion);
    expect(code(() => s.update('pods', a.object, a.resourceVersion))).to.equal('ERR_CONFLICT');
    expect(code(() => s.delete('pods', 'default', 'a', a.resourceVersion))).to.equal('ERR_CONFLICT');
    expect(code(() => s.delete('pods', 'default', 'nope'))).to.equal('ERR_NOT_FOUND');
  });

  it('replays history after a resourceVersion and then streams live events', () => {
    const s = new MemoryStore();
    const a = s.create('pods', pod('a'));
    s.create('pods', pod('b'));
    const seen: string[] = [];
    s.watch('pods', a.resourceVersion, (e: StoreEvent) => seen.push(`${e.type}:${e.name}`));
    s.delete('pods', 'default', 'a');
    expect(seen).to.deep.equal(['ADDED:b', 'DELETED:a']);
  });

  it('carries the previous state and a fresh resourceVersion on DELETED', () => {
    const s = new MemoryStore();
    const a = s.create('pods', pod('a'));
    let ev: StoreEvent | undefined;
    s.watch('pods', s.currentResourceVersion(), (e) => (ev = e));
    s.delete('pods', 'default', 'a');
    expect(ev!.type).to.equal('DELETED');
    expect(ev!.previous!.resourceVersion).to.equal(a.resourceVersion);
    expect(ev!.resourceVersion).to.be.greaterThan(a.resourceVersion);
  });

  it('answers ERR_GONE for a watch older than the kept history', () => {
    const s = new MemoryStore({ historySize: 3 });
    const first = s.create('pods', pod('p0'));
    for (let i = 1; i < 10; i++) s.create('pods', pod(`p${i}`));
    expect(code(() => s.watch('pods', first.resourceVersion, () => {}))).to.equal('ERR_GONE');
    const seen: string[] = [];
    s.watch('pods', s.oldestWatchableResourceVersion(), (e) => seen.push(e.name));
    expect(seen).to.deep.equal(['p7', 'p8', 'p9']);
  });

  it('stops delivering after cancel', () => {
    const s = new MemoryStore();
    let n = 0;
    const w = s.watch('pods', s.currentResourceVersion(), () => n++);
    s.create('pods', pod('a'));
    w.cancel();
    s.create('pods', pod('b'));
    expect(n).to.equal(1);
  });

  it('wakes a triggered pod watch only for pods on its node, including moves away from it', () => {
    const s = new MemoryStore();
    const seen: string[] = [];
    s.watch('pods', s.currentResourceVersion(), (e) => seen.push(`${e.type}:${e.name}`), { trigger: 'n1' });
    const onNode = (name: string, nodeName: string) => ({ ...pod(name), spec: { nodeName, containers: [] } });
    s.create('pods', onNode('a', 'n1'));
    s.create('pods', onNode('b', 'n2'));
    const b = s.get('pods', 'default', 'b')!;
    s.update('pods', { ...b.object, spec: { nodeName: 'n1', containers: [] } });
    const a = s.get('pods', 'default', 'a')!;
    s.update('pods', { ...a.object, spec: { nodeName: 'n3', containers: [] } });
    s.delete('pods', 'default', 'b');
    expect(seen).to.deep.equal(['ADDED:a', 'MODIFIED:b', 'MODIFIED:a', 'DELETED:b']);
  });

  it('wakes a node watch pinned to metadata.name only for that node', () => {
    const s = new MemoryStore();
    const seen: string[] = [];
    s.watch('nodes', s.currentResourceVersion(), (e) => seen.push(`${e.type}:${e.name}`), { trigger: 'n1' });
    const node = (name: string, podCIDR?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: podCIDR ? { podCIDR } : {} });
    s.create('nodes', node('n1'));
    s.create('nodes', node('n2'));
    s.update('nodes', node('n2', '10.244.2.0/24'));
    s.update('nodes', node('n1', '10.244.1.0/24'));
    s.delete('nodes', '', 'n1');
    expect(seen).to.deep.equal(['ADDED:n1', 'MODIFIED:n1', 'DELETED:n1']);
  });

  it('makes a version\'s JSON on first need, once, and exactly as JSON.stringify would', () => {
    const s = new MemoryStore();
    const stored = s.create('pods', pod('a', 'default', { labels: { app: 'web' } }));
    const text = stored.json;
    expect(JSON.parse(text)).to.deep.equal(stored.object);
    expect(text).to.equal(JSON.stringify(stored.object));
    expect(stored.json).to.equal(text);
    expect(Object.isFrozen(stored.object) && Object.isFrozen(stored.object.metadata.labels)).to.equal(true);
  });
});
