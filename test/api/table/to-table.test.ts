import { expect } from 'chai';
import type { ResourceInfo } from '../../../src/api/resources.js';
import { RESOURCES } from '../../../src/api/resources.js';
import { toTable } from '../../../src/api/table/index.js';
import type { KubeObject } from '../../../src/api/types.js';
import { deepFreeze } from '../defaults/fixtures.js';
import { ago, M, NOW, resource } from './fixtures.js';

const cm = (name: string, rv: string): KubeObject =>
  deepFreeze({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: rv, creationTimestamp: ago(M), labels: { a: 'b' } },
    data: { k: 'v' },
  });

describe('table: the Table envelope', () => {
  it('is a meta.k8s.io/v1 Table with the list metadata', () => {
    const table = toTable(resource('configmaps'), [cm('a', '11'), cm('b', '12')], {
      now: NOW,
      includeObject: 'Metadata',
      listMeta: { resourceVersion: '42', continue: 'tok', remainingItemCount: 5 },
    });
    expect(table.kind).to.equal('Table');
    expect(table.apiVersion).to.equal('meta.k8s.io/v1');
    expect(table.metadata).to.deep.equal({ resourceVersion: '42', continue: 'tok', remainingItemCount: 5 });
    expect(Object.keys(table)).to.deep.equal(['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
    expect(table.rows.map((r) => r.cells)).to.deep.equal([
      ['a', 1, '60s'],
      ['b', 1, '60s'],
    ]);
  });

  it('includes PartialObjectMetadata by default (includeObject=Metadata)', () => {
    const obj = cm('a', '11');
    const row = toTable(resource('configmaps'), [obj], { now: NOW, includeObject: 'Metadata' }).rows[0]!;
    expect(row.object).to.deep.equal({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata });
  });

  it('includes the whole object for includeObject=Object, nothing for None', () => {
    const obj = cm('a', '11');
    expect(toTable(resource('configmaps'), [obj], { now: NOW, includeObject: 'Object' }).rows[0]!.object).to.equal(obj);
    expect(toTable(resource('configmaps'), [obj], { now: NOW, includeObject: 'None' }).rows[0]).to.not.have.property('object');
  });

  it("uses a single object's resourceVersion when there is no list", () => {
    expect(toTable(resource('configmaps'), [cm('a', '11')], { now: NOW, includeObject: 'None' }).metadata).to.deep.equal({ resourceVersion: '11' });
    expect(toTable(resource('configmaps'), [], { now: NOW, includeObject: 'None' }).metadata).to.deep.equal({});
  });

  it('prints an empty list as no rows, still with the columns', () => {
    const table = toTable(resource('pods'), [], { now: NOW, includeObject: 'Metadata', listMeta: { resourceVersion: '7' } });
    expect(table.rows).to.deep.equal([]);
    expect(table.columnDefinitions).to.have.length(9);
  });

  it('gives every served resource a NAME column of format name, and wide columns priority 1', () => {
    for (const r of RESOURCES) {
      const columns = toTable(r, [], { now: NOW, includeObject: 'None' }).columnDefinitions;
      const name = columns.find((c) => c.format === 'name');
      expect(name?.name, r.plural).to.equal('Name');
      if (r.plural !== 'events') expect(columns[0], r.plural).to.equal(name);
      for (const c of columns) {
        expect(c).to.have.all.keys('name', 'type', 'format', 'description', 'priority');
        expect([0, 1]).to.include(c.priority);
        expect(c.description, `${r.plural} ${c.name}`).to.not.equal('');
      }
    }
  });

  it('hands out column definitions the caller may change', () => {
    const a = toTable(resource('pods'), [], { now: NOW, includeObject: 'None' });
    a.columnDefinitions[0]!.name = 'changed';
    expect(toTable(resource('pods'), [], { now: NOW, includeObject: 'None' }).columnDefinitions[0]!.name).to.equal('Name');
  });

  it('falls back to the generic Name / Created At table for a resource without a printer', () => {
    const widgets: ResourceInfo = { ...resource('configmaps'), plural: 'widgets', kind: 'Widget', listKind: 'WidgetList' };
    const table = toTable(widgets, [cm('w', '3'), { apiVersion: 'v1', kind: 'Widget', metadata: { name: 'new' } }], { now: NOW, includeObject: 'None' });
    expect(table.columnDefinitions.map((c) => [c.name, c.type, c.format])).to.deep.equal([
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ]);
    expect(table.rows.map((r) => r.cells)).to.deep.equal([
      ['w', ago(M)],
      ['new', '0001-01-01T00:00:00Z'],
    ]);
  });
});
