/**
 * IpvsProxier syncs: the virtual servers, kube-ipvs0 addresses, ipsets and iptables rules kube-proxy's
 * ipvs mode makes for the golden cluster, and partial syncs that cost O(change) — counted in IPVS
 * operations, whatever the number of other services.
 */
import { expect } from 'chai';
import { Netfilter, iptables, save } from '../../../src/dataplane/netfilter/index.js';
import { NetNamespace } from '../../../src/dataplane/stack/index.js';
import { ipv4 } from '../../../src/net/index.js';
import { ipvsadmList } from '../../../src/proxy/ipvs/dump.js';
import { IpvsProxier } from '../../../src/proxy/ipvs/proxier.js';
import { type HealthCheckUpdate, healthCheckAfterSync } from '../../../src/proxy/healthcheck/state.js';
import { FakeClock } from '../../../src/util/clock.js';
import { CONFIG, ep, goldenClusterAndBulk, service, syncInitialLists, withEndpoints } from '../fixtures.js';

function start(extraServices: number) {
  const clock = new FakeClock();
  const ns = new NetNamespace({ name: 'worker-1', clock, ipForward: true });
  const netfilter = new Netfilter({ isLocal: (ip) => ns.isLocalAddress(ip) });
  ns.hooks = netfilter;
  const errors: unknown[] = [];
  const health: HealthCheckUpdate[] = [];
  const proxier = new IpvsProxier({
    ...CONFIG, ns, netfilter, clock, onError: (e) => errors.push(e),
  });
  proxier.onSynced = (c) => health.push(healthCheckAfterSync(c)); // as NodeProxy feeds its health server
  const { services, slices } = goldenClusterAndBulk(extraServices);
  syncInitialLists(proxier, clock, services, slices);
  return { clock, ns, netfilter, proxier, services, slices, errors, health };
}

describe('proxy/IpvsProxier', () => {
  it('builds kube-proxy\'s virtual servers for the golden cluster (ClusterIP, external IP, NodePort, LB VIP)', () => {
    const { proxier, errors } = start(0);
    expect(errors).to.deep.equal([]);
    const list = ipvsadmList(proxier.table);
    expect(list).to.include('TCP  10.96.0.1:443 rr\n  -> 172.18.0.10:6443             Masq    1      0          0\n');
    expect(list).to.include('UDP  10.96.0.10:53 rr\n  -> 10.244.1.2:53                Masq    1      0          0\n  -> 10.244.2.2:53');
    for (const vip of ['10.96.100.100:80', '172.18.0.100:80', '172.18.0.11:30080']) {
      expect(list, vip).to.include(`TCP  ${vip} rr persistent 10800\n  -> 10.244.1.5:8080`);
    }
    // externalTrafficPolicy Local: the NodePort keeps the local endpoint only; the ClusterIP has both.
    expect(list).to.include('TCP  172.18.0.11:30081 rr\n  -> 10.244.1.8:80                Masq    1      0          0\nTCP');
    expect(list).to.match(/TCP {2}10\.96\.0\.50:80 rr\n {2}-> 10\.244\.1\.8:80 .*\n {2}-> 10\.244\.2\.9:80/);
    // internalTrafficPolicy Local without a local endpoint: a virtual server with no real server (refused).
    expect(list).to.include('TCP  10.96.0.70:80 rr\nTCP');
    expect(list).to.include('TCP  192.0.2.10:80 rr\n  -> 10.244.3.13:80');
    expect(list, 'headless and ExternalName services get nothing').to.not.include('10.96.0.99:81');
  });

  it('binds ClusterIPs, external IPs and LB VIPs to kube-ipvs0 (not node IPs), and fills the ipsets', () => {
    const { ns, netfilter } = start(0);
    const dummy = ns.device('kube-ipvs0')!;
    expect(dummy.kind).to.equal('dummy');
    const bound = dummy.addresses.map((a) => a.address);
    for (const ip of ['10.96.0.1', '10.96.0.10', '10.96.100.100', '172.18.0.100', '192.0.2.10']) expect(bound, ip).to.include(ipv4(ip));
    expect(bound).to.not.include(ipv4('172.18.0.11'));
    expect(ns.isLocalAddress(ipv4('10.96.0.1'))).to.equal(true);
    const sets = netfilter.ipsets;
    expect(sets.get('KUBE-CLUSTER-IP')!.has('10.96.0.10,udp:53')).to.equal(true);
    expect(sets.get('KUBE-LOOP-BACK')!.has('10.244.1.5,tcp:8080,10.244.1.5')).to.equal(true);
    expect(sets.get('KUBE-LOOP-BACK')!.has('10.244.3.7,tcp:8080,10.244.3.7'), 'only local endpoints').to.equal(false);
    expect([...sets.get('KUBE-NODE-PORT-TCP')!.entries].sort()).to.deep.equal(['30080', '30081', '30082', '30099']);
    expect([...sets.get('KUBE-NODE-PORT-LOCAL-TCP')!.entries]).to.deep.equal(['30081']);
    expect(sets.get('KUBE-EXTERNAL-IP')!.has('172.18.0.100,tcp:80')).to.equal(true);
    expect(sets.get('KUBE-LOAD-BALANCER-SOURCE-CIDR')!.has('192.0.2.10,tcp:80,203.0.113.0/25')).to.equal(true);
  });

  it('writes kube-proxy\'s ipvs-mode iptables rules, with ipset matches, and the jumps', () => {
    const { netfilter } = start(0);
    const nat = save(netfilter.ruleset, { tables: ['nat'] });
    expect(nat).to.include('-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ');
    expect(nat).to.include('-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE');
    expect(nat).to.include('-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port with externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN');
    expect(nat).to.include('-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT');
    expect(nat).to.include('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(iptables(netfilter.ruleset, '-S INPUT').output).to.include('-A INPUT -m comment --comment "kubernetes health check rules" -j KUBE-NODE-PORT');
    expect(nat.split('\n').filter((l) => l.startsWith('-A KUBE-')).length, 'a constant few rules').to.be.below(25);
  });

  for (const extra of [10, 300]) {
    it(`one endpoint added: one real server per virtual server of that service, nothing else (${extra} other services)`, () => {
      const { clock, proxier, slices, errors } = start(extra);
      const web2 = slices.find((s) => s.metadata.name === 'web-2')!;
      proxier.onEndpointSliceUpdate(web2, withEndpoints(web2, [ep('10.244.2.6', 'worker-2'), ep('10.244.2.7', 'worker-2')]));
      clock.advance(1000);
      expect(errors).to.deep.equal([]);
      // web has 3 virtual servers: ClusterIP, external IP, NodePort on the node IP.
      expect(proxier.lastSync).to.deep.include({
        full: false, servicePorts: 1, realServersAdded: 3, realServersDeleted: 0, realServersEdited: 0, virtualServersAdded: 0,
        virtualServersDeleted: 0, ipsetChanges: 0, addressChanges: 0, rulesWritten: false,
      });
      expect(proxier.table.getService('TCP', '10.96.100.100', 80)!.dests.map((d) => d.port)).to.have.length(4);
    });
  }

  it('a deleted service: its virtual servers, addresses and ipset entries go; the rules follow the emptied sets', () => {
    const { clock, proxier, services, ns, netfilter } = start(0);
    proxier.onServiceDelete(services.find((s) => s.metadata.name === 'lb')!);
    clock.advance(1000);
    expect(proxier.lastSync).to.deep.include({ virtualServersDeleted: 3, addressChanges: 2 }); // ClusterIP and LB VIP
    expect(proxier.table.getService('TCP', '192.0.2.10', 80)).to.equal(undefined);
    expect(ns.isLocalAddress(ipv4('192.0.2.10'))).to.equal(false);
    expect(netfilter.ipsets.get('KUBE-LOAD-BALANCER')!.size).to.equal(0);
    expect(proxier.lastSync!.rulesWritten, 'KUBE-LOAD-BALANCER became empty').to.equal(true);
    expect(save(netfilter.ruleset, { tables: ['nat'] })).to.not.include('KUBE-LOAD-BALANCER dst,dst');
  });

  it('graceful termination: a removed TCP endpoint with connections stays at weight 0 until they end', () => {
    const { clock, proxier, slices } = start(0);
    // A connection to default/web through the ClusterIP, scheduled by IPVS.
    const vs = proxier.table.getService('TCP', '10.96.100.100', 80)!;
    const r = proxier.table.inbound({ protocol: 'TCP', src: ipv4('10.244.1.30'), sport: 5555, dst: vs.address, dport: 80, flags: 0x02 }, clock.now());
    if (r.action !== 'forward') throw new Error(r.action);
    const chosen = r.conn.dest;
    const web1 = slices.find((s) => s.metadata.name === 'web-1')!;
    const web2 = slices.find((s) => s.metadata.name === 'web-2')!;
    const remaining = [web1, web2].flatMap((s) => s.endpoints).map((e) => e.addresses[0]!).filter((a) => ipv4(a) !== chosen.address);
    // Rebuild both slices without the chosen endpoint.
    proxier.onEndpointSliceUpdate(web1, withEndpoints(web1, remaining.filter((a) => a !== '10.244.2.6').map((a) => ep(a, a === '10.244.1.5' ? 'worker-1' : 'worker-3'))));
    proxier.onEndpointSliceUpdate(web2, withEndpoints(web2, remaining.includes('10.244.2.6') ? [ep('10.244.2.6', 'worker-2')] : []));
    clock.advance(1000);
    expect(vs.dests.find((d) => d === chosen)?.weight, 'quiescent while its connection lives').to.equal(0);
    clock.advance(61_000); // SYN_RECV times out after 60 s; the next sync deletes the real server
    proxier.sync();
    clock.advance(1000);
    expect(vs.dests.includes(chosen)).to.equal(false);
    expect(vs.dests).to.have.length(2);
  });

  it('tells the health-check server about Local-policy LoadBalancers only', () => {
    const { health, clock, proxier } = start(0);
    expect(health).to.have.length(1);
    expect([...health[0]!.services.keys()]).to.deep.equal([]);
    proxier.onServiceAdd(service('default', 'hc', {
      type: 'LoadBalancer', clusterIP: '10.96.0.81', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000,
      ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30090 }],
    }));
    clock.advance(1000);
    expect(health.at(-1)!.services.get('default/hc')).to.deep.equal({ namespace: 'default', name: 'hc', port: 32000, localEndpoints: 0 });
  });
});
