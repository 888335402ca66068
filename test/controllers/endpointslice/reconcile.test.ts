import { expect } from 'chai';
import { desiredEndpoints, newSlice } from '../../../src/controllers/endpointslice/compute.js';
import { reconcileSlices, type SlicePlan } from '../../../src/controllers/endpointslice/reconcile.js';
import type { EndpointPort, EndpointSlice, Pod, Service } from '../../../src/api/types.js';
import { node, pod, svc } from '../endpoints/fixtures.js';

const HTTP: EndpointPort[] = [{ name: 'http', port: 8080, protocol: 'TCP' }];
const lookup = (n: string) => node(n);
const ip = (i: number) => `10.244.${Math.floor(i / 200)}.${(i % 200) + 2}`;
const pods = (n: number, from = 0, o: Parameters<typeof pod>[1] = {}) =>
  Array.from({ length: n }, (_, i) => pod(`p${from + i}`, { ip: ip(from + i), ...o }));

function plan(service: Service, ps: Pod[], existing: EndpointSlice[], max = 100): SlicePlan {
  return reconcileSlices(service, desiredEndpoints(service, ps, lookup).groups, existing, max);
}

/** A slice as the API would hold it after the controller wrote `ps` into it. */
function stored(name: string, service: Service, ps: Pod[], ports = HTTP): EndpointSlice {
  const s = newSlice(service, ports);
  const { groups } = desiredEndpoints(service, ps, lookup);
  s.endpoints = groups.flatMap((g) => [...g.endpoints.values()]);
  s.metadata = { ...s.metadata, name, resourceVersion: '5', uid: `uid-${name}` };
  delete s.metadata.generateName;
  return s;
}

const summary = (p: SlicePlan) => ({
  create: p.create.map((s) => s.endpoints.length),
  update: p.update.map((s) => `${s.metadata.name}:${s.endpoints.length}`),
  delete: p.delete.map((s) => s.metadata.name),
});

describe('endpointslice reconcile', () => {
  const web = svc('web');

  it('creates one slice holding every endpoint', () => {
    const p = plan(web, pods(3), []);
    expect(summary(p)).to.deep.equal({ create: [3], update: [], delete: [] });
    expect(p.create[0]!.endpoints.map((e) => e.addresses[0])).to.deep.equal(['10.244.0.2', '10.244.0.3', '10.244.0.4']);
    expect(p.create[0]!.ports).to.deep.equal(HTTP);
  });

  it('splits 250 endpoints into slices of at most 100', () => {
    expect(summary(plan(web, pods(250), []))).to.deep.equal({ create: [100, 100, 50], update: [], delete: [] });
    expect(summary(plan(web, pods(250), [], 1000))).to.deep.equal({ create: [250], update: [], delete: [] });
  });

  it('creates an empty placeholder slice when nothing is selected, and keeps it', () => {
    const p = plan(web, [], []);
    expect(p.create).to.have.length(1);
    expect(p.create[0]!.endpoints).to.deep.equal([]);
    expect(p.create[0]!.ports).to.deep.equal([]);
    expect(summary(plan(web, [], [stored('web-abcde', web, [], [])]))).to.deep.equal({ create: [], update: [], delete: [] });
  });

  it('reuses the placeholder for the first endpoints instead of delete + create', () => {
    const p = plan(web, pods(2), [stored('web-abcde', web, [], [])]);
    expect(summary(p)).to.deep.equal({ create: [], update: ['web-abcde:2'], delete: [] });
    expect(p.update[0]!.ports).to.deep.equal(HTTP);
    expect(p.update[0]!.metadata.resourceVersion).to.equal('5');
  });

  it('writes nothing when the slices already match', () => {
    expect(summary(plan(web, pods(150), [stored('web-1', web, pods(100)), stored('web-2', web, pods(50, 100))]))).to.deep.equal({
      create: [],
      update: [],
      delete: [],
    });
  });

  it('removes a gone pod from its slice only', () => {
    const existing = [stored('web-1', web, pods(100)), stored('web-2', web, pods(50, 100))];
    expect(summary(plan(web, pods(149), existing))).to.deep.equal({ create: [], update: ['web-2:49'], delete: [] });
  });

  it('puts a new endpoint in the unchanged slice it fills best', () => {
    const existing = [stored('web-1', web, pods(60)), stored('web-2', web, pods(90, 60))];
    expect(summary(plan(web, pods(151), existing))).to.deep.equal({ create: [], update: ['web-2:91'], delete: [] });
  });

  it('tops up a slice already being updated before touching others', () => {
    const existing = [stored('web-1', web, pods(50)), stored('web-2', web, pods(50, 50))];
    // p0 turns not-ready (web-1 must be written anyway) and p100 appears: it joins web-1.
    const next = [pod('p0', { ip: ip(0), ready: false }), ...pods(100, 1)];
    const p = plan(web, next, existing);
    expect(summary(p)).to.deep.equal({ create: [], update: ['web-1:51'], delete: [] });
    expect(p.update[0]!.endpoints[0]!.conditions).to.deep.equal({ ready: false, serving: false, terminating: false });
  });

  it('deletes a slice left empty, and reuses it when another must be created', () => {
    const other: EndpointPort[] = [{ name: 'http', port: 9090, protocol: 'TCP' }];
    const moved = svc('web', { ports: [{ name: 'http', port: 80, targetPort: 9090, protocol: 'TCP' }] });
    const p = plan(moved, pods(2), [stored('web-1', web, pods(2))]);
    expect(summary(p)).to.deep.equal({ create: [], update: ['web-1:2'], delete: [] });
    expect(p.update[0]!.ports).to.deep.equal(other);
  });

  it('keeps one set of slices per distinct port set', () => {
    const named = svc('web', { ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }] });
    const ps = [
      pod('a', { ip: '10.244.0.2', ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }] }),
      pod('b', { ip: '10.244.0.3', ports: [{ name: 'web', containerPort: 9090, protocol: 'TCP' }] }),
    ];
    const p = plan(named, ps, []);
    expect(p.create.map((s) => [s.ports, s.endpoints.map((e) => e.targetRef?.name)])).to.deep.equal([
      [[{ name: 'http', port: 8080, protocol: 'TCP' }], ['a']],
      [[{ name: 'http', port: 9090, protocol: 'TCP' }], ['b']],
    ]);
  });

  it('follows service label changes', () => {
    const relabelled = svc('web', { labels: { tier: 'front' } });
    const p = plan(relabelled, pods(2), [stored('web-1', web, pods(2))]);
    expect(summary(p)).to.deep.equal({ create: [], update: ['web-1:2'], delete: [] });
    expect(p.update[0]!.metadata.labels).to.include({ tier: 'front', 'kubernetes.io/service-name': 'web' });
  });

  it('deletes slices owned by an earlier service of the same name', () => {
    const old = stored('web-old', { ...web, metadata: { ...web.metadata, uid: 'uid-old' } }, pods(2));
    expect(summary(plan(web, pods(2), [old]))).to.deep.equal({ create: [2], update: [], delete: ['web-old'] });
  });
});
