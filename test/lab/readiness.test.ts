/** When `kemu up` counts a cluster as up (lab/readiness.ts, pure): a table of small clusters. */
import { expect } from 'chai';
import type { EndpointSlice, KubeObject, Node, Pod, Service } from '../../src/api/types.js';
import { evaluateReadiness } from '../../src/lab/readiness.js';

const node = (name: string, ready = true, podCIDR: string | null = '10.244.1.0/24'): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name },
  spec: { ...(podCIDR ? { podCIDR } : {}) }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
}) as Node;

const pod = (name: string, opts: { ready?: boolean; ip?: string; unschedulable?: boolean; app?: string } = {}): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: opts.app ?? 'web' } },
  spec: { containers: [], ...(opts.unschedulable ? {} : { nodeName: 'w1' }) },
  status: opts.unschedulable
    ? { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }
    : { phase: 'Running', ...(opts.ip ? { podIP: opts.ip } : {}), conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
}) as Pod;

const service = (name: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }) as Service;
const slice = (svc: string, ips: string[]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${svc}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4', endpoints: ips.map((a) => ({ addresses: [a], conditions: { ready: true } })),
}) as EndpointSlice;
const deployment = (replicas: number, readyReplicas: number): { kind: string; object: KubeObject } => ({
  kind: 'Deployment',
  object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', generation: 1 }, spec: { replicas, selector: { matchLabels: { app: 'web' } } }, status: { observedGeneration: 1, readyReplicas } } as KubeObject,
});

describe('lab/readiness: when a cluster counts as up', () => {
  it('ready: every node Ready with a podCIDR, pods Running and Ready, endpoints published', () => {
    const r = evaluateReadiness(['w1'], [node('w1')], [pod('a', { ip: '10.244.1.2' })], [service('web')], [slice('web', ['10.244.1.2'])], [deployment(1, 1)]);
    expect(r.ready, r.waitingFor.join('; ')).to.equal(true);
    expect([r.nodesReady, r.podsReady, r.servicesReady]).to.deep.equal([1, 1, 1]);
  });

  it('waits for a node without a podCIDR, a missing node, an unready pod and an unpublished endpoint', () => {
    const r = evaluateReadiness(['w1', 'w2', 'w3'], [node('w1', true, null), node('w2', false)], [pod('a', { ip: '10.244.1.2' }), pod('b', { ready: false })], [service('web')], [slice('web', [])]);
    expect(r.ready).to.equal(false);
    expect(r.waitingFor).to.deep.equal([
      'node w1: no podCIDR', 'node w2: not Ready', 'node w3: not registered', 'pod default/b: Running',
      'service default/web: 1 ready pod(s) not in its EndpointSlices',
    ]);
  });

  it('a Deployment short of replicas waits, unless the missing ones cannot be scheduled anywhere', () => {
    const pods = [pod('a', { ip: '10.244.1.2' }), pod('b', { unschedulable: true })];
    const slices = [slice('web', ['10.244.1.2'])];
    expect(evaluateReadiness(['w1'], [node('w1')], pods, [service('web')], slices, [deployment(2, 1)]).ready).to.equal(true);
    const short = evaluateReadiness(['w1'], [node('w1')], [pods[0]!], [service('web')], slices, [deployment(2, 1)]);
    expect(short.waitingFor).to.deep.equal(['deployment default/web: 1/2 ready']);
    // An unschedulable pod of another workload does not count for this one.
    const other = evaluateReadiness(['w1'], [node('w1')], [pods[0]!, pod('c', { unschedulable: true, app: 'db' })], [service('web')], slices, [deployment(2, 1)]);
    expect(other.ready).to.equal(false);
  });
});
