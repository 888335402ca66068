/**
 * UserspaceProxier syncs: a proxy socket and portal rules per service port, opened and closed only
 * for the ports that changed; endpoint changes only reach the load balancer.
 */
import { expect } from 'chai';
import { Netfilter, iptables } from '../../../src/dataplane/netfilter/index.js';
import { NetNamespace } from '../../../src/dataplane/stack/index.js';
import { TcpLayer } from '../../../src/dataplane/tcp/index.js';
import { UserspaceProxier } from '../../../src/proxy/userspace/proxier.js';
import { FakeClock } from '../../../src/util/clock.js';
import { NODE, NODE_IP, ep, goldenClusterAndBulk, syncInitialLists, withEndpoints } from '../fixtures.js';

function start(extra: number) {
  const clock = new FakeClock();
  const ns = new NetNamespace({ name: NODE, clock, ipForward: true });
  TcpLayer.of(ns);
  const netfilter = new Netfilter({ isLocal: (ip) => ns.isLocalAddress(ip) });
  ns.hooks = netfilter;
  const errors: unknown[] = [];
  const proxier = new UserspaceProxier({ nodeName: NODE, nodeIP: NODE_IP, ns, netfilter, clock, onError: (e) => errors.push(e) });
  const { services, slices } = goldenClusterAndBulk(extra);
  syncInitialLists(proxier, clock, services, slices);
  const rules = (chain: string, table = 'nat') => iptables(netfilter.ruleset, `-t ${table} -S ${chain}`).output.split('\n').filter((l) => l.startsWith('-A'));
  return { clock, ns, netfilter, proxier, services, slices, errors, rules };
}

describe('proxy/UserspaceProxier', () => {
  it('opens a proxy socket and portals for every service port (9 in the golden cluster)', () => {
    const { proxier, rules, errors } = start(0);
    expect(errors).to.deep.equal([]);
    expect(proxier.lastSync).to.deep.include({ portsOpened: 9, portsClosed: 0 });
    // ClusterIPs (9 ports) + 1 external IP + 1 LB VIP, each a pod portal and a host portal.
    expect(rules('KUBE-PORTALS-CONTAINER')).to.have.length(11);
    expect(rules('KUBE-PORTALS-HOST')).to.have.length(11);
    expect(rules('KUBE-NODEPORT-CONTAINER')).to.have.length(4);
    expect(rules('KUBE-NODEPORT-NON-LOCAL', 'filter')).to.have.length(4);
    expect(rules('KUBE-PORTALS-CONTAINER')).to.include(
      `-A KUBE-PORTALS-CONTAINER -d 172.18.0.100/32 -p tcp -m comment --comment "default/web:http" -m tcp --dport 80 -m addrtype --dst-type LOCAL -j REDIRECT --to-ports ${proxier.proxyPort('default/web:http/TCP')}`,
    );
    const udp = proxier.proxyPort('kube-system/kube-dns:dns/UDP')!;
    expect(rules('KUBE-PORTALS-HOST')).to.include(`-A KUBE-PORTALS-HOST -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp --dport 53 -j DNAT --to-destination ${NODE_IP}:${udp}`);
    expect(proxier.loadBalancer.endpoints('default/web:http/TCP')).to.have.length(3);
    expect(proxier.loadBalancer.endpoints('default/drain:http/TCP'), 'not ready: not proxied').to.have.length(0);
  });

  for (const extra of [10, 300]) {
    it(`an endpoint change reaches the load balancer only; a service change reopens that service only (${extra} others)`, () => {
      const { clock, proxier, slices, services, rules } = start(extra);
      const before = proxier.proxyPort('default/web:http/TCP');
      const web2 = slices.find((s) => s.metadata.name === 'web-2')!;
      proxier.onEndpointSliceUpdate(web2, withEndpoints(web2, [ep('10.244.2.6', 'worker-2'), ep('10.244.2.7', 'worker-2')]));
      clock.advance(1000);
      expect(proxier.lastSync).to.deep.include({ portsOpened: 0, portsClosed: 0, endpointUpdates: 1 });
      expect(proxier.proxyPort('default/web:http/TCP')).to.equal(before);
      expect(proxier.loadBalancer.endpoints('default/web:http/TCP')).to.have.length(4);
      const drain = services.find((s) => s.metadata.name === 'drain')!;
      proxier.onServiceUpdate(drain, { ...drain, spec: { ...drain.spec, ports: [{ name: 'http', port: 81, protocol: 'TCP' }] } });
      clock.advance(1000);
      expect(proxier.lastSync).to.deep.include({ portsOpened: 1, portsClosed: 1 });
      expect(rules('KUBE-PORTALS-CONTAINER').filter((r) => r.includes('default/drain')).map((r) => r.match(/--dport (\d+)/)![1])).to.deep.equal(['81']);
    });
  }

  it('a deleted service: portals removed, proxy socket closed (its port is free)', () => {
    const { clock, proxier, services, rules, ns } = start(0);
    const port = proxier.proxyPort('default/kubernetes:https/TCP')!;
    proxier.onServiceDelete(services.find((s) => s.metadata.name === 'kubernetes')!);
    clock.advance(1000);
    expect(proxier.proxyPort('default/kubernetes:https/TCP')).to.equal(undefined);
    expect(rules('KUBE-PORTALS-HOST').some((r) => r.includes('default/kubernetes'))).to.equal(false);
    expect(() => TcpLayer.of(ns).listen(port).close(), 'the port is free again').to.not.throw();
  });

  it('stop() closes everything and removes the portals; a restart flushes stale ones', () => {
    const { proxier, rules, netfilter, ns, clock } = start(0);
    proxier.stop();
    expect(rules('KUBE-PORTALS-CONTAINER')).to.have.length(0);
    iptables(netfilter.ruleset, '-t nat -A KUBE-PORTALS-CONTAINER -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j REDIRECT --to-ports 40000');
    const again = new UserspaceProxier({ nodeName: NODE, nodeIP: NODE_IP, ns, netfilter, clock });
    again.start();
    again.onServicesSynced();
    again.onEndpointSlicesSynced();
    clock.advance(0);
    expect(rules('KUBE-PORTALS-CONTAINER')).to.have.length(0);
    again.stop();
  });
});
