/** LoadBalancerRR: shuffled round robin, affinity with whole-second timeouts, reset after a failed dial. */
import { expect } from 'chai';
import { LoadBalancerRR } from '../../../src/proxy/userspace/round-robin.js';
import { mulberry32 } from '../../dataplane/netfilter/helpers.js';

const SVC = 'default/web:http/TCP';
const EPS = ['10.244.1.2:8080', '10.244.1.3:8080', '10.244.2.4:8080'];

describe('proxy/userspace LoadBalancerRR', () => {
  it('hands out every endpoint in turn, in a shuffled order that changes with the set', () => {
    const lb = new LoadBalancerRR(mulberry32(3));
    lb.newService(SVC, 'None', 0);
    expect(lb.nextEndpoint(SVC, '10.244.0.2', false, 0)).to.equal('missing-endpoints');
    expect(lb.nextEndpoint('default/other/TCP', '10.244.0.2', false, 0)).to.equal('missing-service');
    lb.setEndpoints(SVC, EPS);
    const order = [...lb.endpoints(SVC)];
    expect([...order].sort()).to.deep.equal(EPS);
    const picks = Array.from({ length: 6 }, () => lb.nextEndpoint(SVC, '10.244.0.2', false, 0));
    expect(picks).to.deep.equal([...order, ...order]);
    expect(lb.setEndpoints(SVC, [...EPS].reverse()), 'the same set in another order is no change').to.equal(false);
    expect(lb.setEndpoints(SVC, [...EPS, '10.244.2.5:8080'])).to.equal(true);
    expect(lb.nextEndpoint(SVC, '10.244.0.2', false, 0), 'the round robin restarts').to.equal(lb.endpoints(SVC)[0]);
  });

  it('shuffles: over many sets, each endpoint comes first about equally often', () => {
    const lb = new LoadBalancerRR(mulberry32(11));
    const first = new Map<string, number>();
    for (let i = 0; i < 900; i++) {
      lb.setEndpoints(SVC, []);
      lb.setEndpoints(SVC, EPS);
      const f = lb.endpoints(SVC)[0]!;
      first.set(f, (first.get(f) ?? 0) + 1);
    }
    for (const n of first.values()) expect(n / 900).to.be.closeTo(1 / 3, 0.06);
  });

  it('ClientIP affinity: kept while used within the timeout (whole seconds), then the next in turn', () => {
    const lb = new LoadBalancerRR(mulberry32(5));
    lb.newService(SVC, 'ClientIP', 10);
    lb.setEndpoints(SVC, EPS);
    const mine = lb.nextEndpoint(SVC, '10.244.0.2', false, 0);
    expect(lb.nextEndpoint(SVC, '10.244.0.2', false, 9_999)).to.equal(mine);
    expect(lb.nextEndpoint(SVC, '10.244.0.2', false, 19_998), 'lastUsed moved on at 9.999 s').to.equal(mine);
    expect(lb.nextEndpoint(SVC, '10.244.0.9', false, 20_000), 'another client').to.not.equal(mine);
    expect(lb.nextEndpoint(SVC, '10.244.0.2', false, 30_000), '10 s idle: expired').to.not.equal(mine);
  });

  it('sessionAffinityReset (after a failed dial) skips the remembered endpoint and replaces it', () => {
    const lb = new LoadBalancerRR(mulberry32(5));
    lb.newService(SVC, 'ClientIP', 0);
    lb.setEndpoints(SVC, EPS);
    const first = lb.nextEndpoint(SVC, '10.244.0.2', false, 0);
    const retry = lb.nextEndpoint(SVC, '10.244.0.2', true, 1);
    expect(retry).to.not.equal(first);
    expect(lb.nextEndpoint(SVC, '10.244.0.2', false, 2)).to.equal(retry);
  });

  it('an affinity to an endpoint that left is dropped; the client gets the next in turn', () => {
    const lb = new LoadBalancerRR(mulberry32(5));
    lb.newService(SVC, 'ClientIP', 60);
    lb.setEndpoints(SVC, EPS);
    const mine = lb.nextEndpoint(SVC, '10.244.0.2', false, 0) as string;
    lb.setEndpoints(SVC, EPS.filter((e) => e !== mine));
    const next = lb.nextEndpoint(SVC, '10.244.0.2', false, 1);
    expect(next).to.equal(lb.endpoints(SVC)[0]);
    expect(next).to.not.equal(mine);
  });
});
