/**
 * TrackingProxier.onSynced, the hook every mode shares for kube-proxy's post-sync work (health checks,
 * stale UDP conntrack): after each sync it is told what that sync applied, in every mode.
 */
import { expect } from 'chai';
import { Netfilter } from '../../src/dataplane/netfilter/index.js';
import { NetNamespace } from '../../src/dataplane/stack/index.js';
import { TcpLayer } from '../../src/dataplane/tcp/index.js';
import { IptablesProxier, IpvsProxier, UserspaceProxier } from '../../src/proxy/index.js';
import type { SyncedChanges, TrackingProxier } from '../../src/proxy/tracking-proxier.js';
import { FakeClock } from '../../src/util/clock.js';
import { CONFIG, NODE, NODE_IP, ep, service, slice, withEndpoints } from './fixtures.js';

const MODES: Record<string, (clock: FakeClock) => TrackingProxier> = {
  iptables: (clock) => new IptablesProxier({ ...CONFIG, ruleset: new Netfilter().ruleset, clock }),
  ipvs: (clock) => {
    const ns = new NetNamespace({ name: NODE, clock, ipForward: true });
    const netfilter = new Netfilter({ isLocal: (ip) => ns.isLocalAddress(ip) });
    ns.hooks = netfilter;
    return new IpvsProxier({ ...CONFIG, ns, netfilter, clock });
  },
  userspace: (clock) => {
    const ns = new NetNamespace({ name: NODE, clock, ipForward: true });
    TcpLayer.of(ns);
    const netfilter = new Netfilter({ isLocal: (ip) => ns.isLocalAddress(ip) });
    ns.hooks = netfilter;
    return new UserspaceProxier({ nodeName: NODE, nodeIP: NODE_IP, ns, netfilter, clock });
  },
};

for (const [mode, make] of Object.entries(MODES)) {
  describe(`proxy/TrackingProxier.onSynced (${mode} mode)`, () => {
    it('reports what each sync applied: ports, services, UDP endpoints that went away', () => {
      const clock = new FakeClock();
      const proxier = make(clock);
      const reports: SyncedChanges[] = [];
      proxier.onSynced = (c) => reports.push(c);
      const dns = service('kube-system', 'dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
      const web = service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
      const dnsSlice = slice('kube-system', 'dns', 'dns-1', [ep('10.244.1.2', NODE), ep('10.244.2.2', 'w2')], [{ name: 'dns', port: 53, protocol: 'UDP' }]);
      proxier.start();
      proxier.onServiceAdd(dns);
      proxier.onServiceAdd(web);
      proxier.onEndpointSliceAdd(dnsSlice);
      proxier.onServicesSynced();
      proxier.onEndpointSlicesSynced();
      clock.advance(0);
      expect(reports).to.have.length(1);
      expect([...reports[0]!.changedPorts].sort()).to.deep.equal(['default/web:http/TCP', 'kube-system/dns:dns/UDP']);
      expect([...reports[0]!.updatedServices].sort()).to.deep.equal(['default/web', 'kube-system/dns']);
      expect(reports[0]!.serviceMap.size).to.equal(2);
      expect(reports[0]!.endpointsMap.get('kube-system/dns:dns/UDP')).to.have.length(2);

      proxier.onEndpointSliceUpdate(dnsSlice, withEndpoints(dnsSlice, [ep('10.244.1.2', NODE)]));
      clock.advance(1000);
      expect(reports).to.have.length(2);
      expect([...reports[1]!.changedPorts]).to.deep.equal(['kube-system/dns:dns/UDP']);
      expect(reports[1]!.deletedUDPEndpoints).to.deep.equal([{ servicePort: 'kube-system/dns:dns/UDP', endpoint: '10.244.2.2:53' }]);

      proxier.onServiceDelete(dns);
      clock.advance(1000);
      expect([...reports[2]!.deletedUDPClusterIPs]).to.deep.equal(['10.96.0.10']);

      // A periodic sync with nothing applied is not reported.
      clock.advance(60_000);
      expect(reports).to.have.length(3);
      proxier.stop();
    });
  });
}
