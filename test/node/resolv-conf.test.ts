/** The kubelet's resolv.conf for a pod (dnsPolicy, dnsConfig) and glibc's search order, as tables. */
import { expect } from 'chai';
import type { Pod } from '../../src/api/types.js';
import { candidateNames, formatResolvConf, podResolvConf } from '../../src/node/resolv-conf.js';

const DNS = { clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local' };
const pod = (spec: Partial<Pod['spec']>, namespace = 'shop'): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace }, spec: { containers: [], ...spec } }) as Pod;

describe('node/resolv-conf: the kubelet\'s pod DNS configuration', () => {
  const cases: Array<[string, Partial<Pod['spec']>, string]> = [
    ['ClusterFirst (the default)', {}, 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n'],
    ['Default: the node\'s resolver (none on kemu nodes)', { dnsPolicy: 'Default' }, 'options ndots:1\n'],
    ['hostNetwork + ClusterFirst falls back to Default', { hostNetwork: true }, 'options ndots:1\n'],
    ['hostNetwork + ClusterFirstWithHostNet', { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n'],
    ['None + dnsConfig', { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['example.com'], options: [{ name: 'ndots', value: '2' }] } }, 'search example.com\nnameserver 1.2.3.4\noptions ndots:2\n'],
    ['ClusterFirst + dnsConfig merged', { dnsConfig: { nameservers: ['1.2.3.4'], searches: ['corp'] } }, 'search shop.svc.cluster.local svc.cluster.local cluster.local corp\nnameserver 10.96.0.10\nnameserver 1.2.3.4\noptions ndots:5\n'],
  ];
  for (const [name, spec, text] of cases) {
    it(name, () => expect(formatResolvConf(podResolvConf(pod(spec), DNS))).to.equal(text));
  }

  it('glibc order: fewer dots than ndots → search list first, the name last; an absolute name alone', () => {
    const c = podResolvConf(pod({}), DNS);
    expect(candidateNames('web', c)).to.deep.equal(['web.shop.svc.cluster.local', 'web.svc.cluster.local', 'web.cluster.local', 'web']);
    expect(candidateNames('a.b.c.d.e.f', c)).to.deep.equal(['a.b.c.d.e.f', 'a.b.c.d.e.f.shop.svc.cluster.local', 'a.b.c.d.e.f.svc.cluster.local', 'a.b.c.d.e.f.cluster.local']);
    expect(candidateNames('web.shop.svc.cluster.local.', c)).to.deep.equal(['web.shop.svc.cluster.local']);
  });
});
