/** The load balancer's pure decisions: real addresses of ingress IPs, eligible nodes, round robin. */
import { expect } from 'chai';
import type { Node, Service } from '../../src/api/types.js';
import { LABEL_EXCLUDE_FROM_LB, RoundRobin, eligibleNodes, ingressIPOf, lbRealAddress } from '../../src/lab/edge/lb-backends.js';

function node(name: string, ready: boolean, labels: Record<string, string> = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: {},
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown' }] },
  } as Node;
}

function lb(policy?: 'Local' | 'Cluster', ip?: string): Service {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' },
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...(policy ? { externalTrafficPolicy: policy } : {}) },
    status: { loadBalancer: ip ? { ingress: [{ ip }] } : {} },
  } as Service;
}

const nodes = new Map([
  ['cp', node('cp', true, { [LABEL_EXCLUDE_FROM_LB]: '' })],
  ['w1', node('w1', true)],
  ['w2', node('w2', true)],
  ['w3', node('w3', false)],
]);
const names = ['cp', 'w1', 'w2', 'w3'];

describe('lab/edge load balancer backends', () => {
  it('maps the pool\'s N-th address to base + N, inside 127.0.0.0/8 only', () => {
    expect(lbRealAddress('172.20.255.1', '172.20.255.0/24', '127.0.2.0')).to.equal('127.0.2.1');
    expect(lbRealAddress('172.20.255.254', '172.20.255.0/24', '127.0.2.0')).to.equal('127.0.2.254');
    expect(lbRealAddress('10.1.2.3', '10.1.0.0/16', '127.9.0.0')).to.equal('127.9.2.3');
    expect(lbRealAddress('172.20.254.1', '172.20.255.0/24', '127.0.2.0'), 'outside the pool').to.equal(undefined);
    expect(lbRealAddress('10.200.0.1', '10.0.0.0/8', '127.255.255.0'), 'past 127.255.255.255').to.equal(undefined);
  });

  it('reads the ingress IP of LoadBalancer Services only, pending ones have none', () => {
    expect(ingressIPOf(lb('Cluster', '172.20.255.7'))).to.equal('172.20.255.7');
    expect(ingressIPOf(lb('Cluster'))).to.equal(undefined);
    expect(ingressIPOf({ ...lb('Cluster', '172.20.255.7'), spec: { type: 'NodePort', ports: [] } } as Service)).to.equal(undefined);
  });

  it('Cluster policy: Ready nodes without the exclusion label; Local: only those whose health check says 200', () => {
    const probe = (n: string): 200 | 503 | undefined => (n === 'w2' ? 200 : n === 'w1' ? 503 : undefined);
    expect(eligibleNodes(lb('Cluster'), names, (n) => nodes.get(n), probe)).to.deep.equal(['w1', 'w2']);
    expect(eligibleNodes(lb('Local'), names, (n) => nodes.get(n), probe)).to.deep.equal(['w2']);
    expect(eligibleNodes(lb('Local'), names, (n) => nodes.get(n), () => 503)).to.deep.equal([]);
  });

  it('a cluster whose only Ready node is excluded still uses it (a one-node cluster)', () => {
    expect(eligibleNodes(lb('Cluster'), ['cp', 'w3'], (n) => nodes.get(n), () => undefined)).to.deep.equal(['cp']);
  });

  it('round robin per Service, restarting when the last node left the list', () => {
    const rr = new RoundRobin();
    expect([1, 2, 3].map(() => rr.next('a', ['w1', 'w2']))).to.deep.equal(['w1', 'w2', 'w1']);
    expect(rr.next('b', ['w1', 'w2'])).to.equal('w1');
    expect(rr.next('a', ['w2', 'w3'])).to.equal('w2');
    expect(rr.next('a', ['w2', 'w3'])).to.equal('w3');
    expect(rr.next('a', [])).to.equal(undefined);
  });
});
