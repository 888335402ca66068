/**
 * The stale UDP conntrack cleanup kube-proxy runs after its syncs, on a real Conntrack table: the
 * entries it deletes and the ones it must leave alone.
 */
import { expect } from 'chai';
import { Conntrack, IPS_DST_NAT } from '../../src/dataplane/netfilter/index.js';
import { IPPROTO_TCP, IPPROTO_UDP, TCP_SYN, formatIpv4, ipv4 } from '../../src/net/index.js';
import { UdpConntrackCleaner } from '../../src/proxy/conntrack-cleanup.js';
import type { SyncedChanges } from '../../src/proxy/tracking-proxier.js';
import { ep, mapsFor, service, slice } from './fixtures.js';

/** A DNATed entry: client → (dst, dport) rewritten to (to, toPort). */
function natEntry(ct: Conntrack, proto: number, client: string, sport: number, dst: string, dport: number, to: string, toPort: number): void {
  const e = ct.create({ proto, src: ipv4(client), dst: ipv4(dst), sport, dport }, proto === IPPROTO_TCP ? TCP_SYN : 0, 0, 0)!;
  ct.setReply(e, { proto, src: ipv4(to), dst: ipv4(client), sport: toPort, dport: sport });
  e.status |= IPS_DST_NAT;
  expect(ct.confirm(e, 0)).to.equal(e);
}

function left(ct: Conntrack): string[] {
  return [...ct.entries()].map((e) => `${e.orig.proto === IPPROTO_UDP ? 'udp' : 'tcp'} ${formatIpv4(e.orig.dst)}:${e.orig.dport}→${formatIpv4(e.reply.src)}`).sort();
}

const dnsService = service('kube-system', 'dns', {
  type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 'tcp', port: 53, protocol: 'TCP' }],
});

function changes(over: Partial<SyncedChanges>, eps = [ep('10.244.1.2'), ep('10.244.2.2')]): SyncedChanges {
  const maps = mapsFor([dnsService], [slice('kube-system', 'dns', 'd1', eps, [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'tcp', port: 53 }])]);
  return {
    serviceMap: maps.services, endpointsMap: maps.endpoints, updatedServices: new Set(), changedPorts: new Set(),
    deletedUDPClusterIPs: new Set(), deletedUDPEndpoints: [], ...over,
  };
}

describe('proxy/UdpConntrackCleaner', () => {
  it('a UDP endpoint that stopped serving: its ClusterIP and NodePort entries go, TCP and other endpoints stay', () => {
    const ct = new Conntrack();
    natEntry(ct, IPPROTO_UDP, '10.244.3.4', 5000, '10.96.0.10', 53, '10.244.2.2', 53);
    natEntry(ct, IPPROTO_UDP, '198.51.100.7', 6000, '172.18.0.3', 30053, '10.244.2.2', 53);
    natEntry(ct, IPPROTO_UDP, '10.244.3.4', 5001, '10.96.0.10', 53, '10.244.1.2', 53);
    natEntry(ct, IPPROTO_TCP, '10.244.3.4', 5002, '10.96.0.10', 53, '10.244.2.2', 53);
    const cleaner = new UdpConntrackCleaner(ct);
    cleaner.afterSync(changes({ changedPorts: new Set(['kube-system/dns:dns/UDP']) })); // first sync: newly active
    natEntry(ct, IPPROTO_UDP, '10.244.3.4', 5000, '10.96.0.10', 53, '10.244.2.2', 53);
    natEntry(ct, IPPROTO_UDP, '198.51.100.7', 6000, '172.18.0.3', 30053, '10.244.2.2', 53);
    natEntry(ct, IPPROTO_UDP, '10.244.3.4', 5001, '10.96.0.10', 53, '10.244.1.2', 53);
    const r = cleaner.afterSync(changes({
      changedPorts: new Set(['kube-system/dns:dns/UDP']),
      deletedUDPEndpoints: [{ servicePort: 'kube-system/dns:dns/UDP', endpoint: '10.244.2.2:53' }],
    }, [ep('10.244.1.2')]));
    expect(r.filters).to.deep.equal([
      { protocol: IPPROTO_UDP, origDport: 30053, dstNat: ipv4('10.244.2.2') },
      { protocol: IPPROTO_UDP, origDst: ipv4('10.96.0.10'), dstNat: ipv4('10.244.2.2') },
    ]);
    expect(r.deleted).to.equal(2);
    expect(left(ct)).to.deep.equal(['tcp 10.96.0.10:53→10.244.2.2', 'udp 10.96.0.10:53→10.244.1.2']);
  });

  it('a UDP service port gaining its first endpoints: every entry to its ClusterIP and NodePort goes', () => {
    const ct = new Conntrack();
    const cleaner = new UdpConntrackCleaner(ct);
    expect(cleaner.afterSync(changes({ changedPorts: new Set(['kube-system/dns:dns/UDP']) }, [])).filters).to.deep.equal([]);
    // Made while the port had no endpoints (whatever they hold), and one of another service.
    natEntry(ct, IPPROTO_UDP, '10.244.3.4', 5000, '10.96.0.10', 53, '10.244.9.9', 53);
    natEntry(ct, IPPROTO_UDP, '198.51.100.7', 6000, '172.18.0.3', 30053, '10.244.9.9', 53);
    natEntry(ct, IPPROTO_UDP, '10.244.3.4', 5001, '10.96.0.11', 53, '10.244.2.2', 53);
    const r = cleaner.afterSync(changes({ changedPorts: new Set(['kube-system/dns:dns/UDP']) }));
    expect(r.filters).to.deep.equal([{ protocol: IPPROTO_UDP, origDst: ipv4('10.96.0.10') }, { protocol: IPPROTO_UDP, origDport: 30053 }]);
    expect(left(ct)).to.deep.equal(['udp 10.96.0.11:53→10.244.2.2']);
    // Already active: another change of its endpoints flushes nothing more.
    expect(cleaner.afterSync(changes({ changedPorts: new Set(['kube-system/dns:dns/UDP']) }, [ep('10.244.1.2')])).filters).to.deep.equal([]);
  });

  it('a deleted UDP Service: the entries to its ClusterIP go', () => {
    const ct = new Conntrack();
    natEntry(ct, IPPROTO_UDP, '10.244.3.4', 5000, '10.96.0.99', 53, '10.244.2.9', 53);
    natEntry(ct, IPPROTO_UDP, '10.244.3.4', 5001, '10.96.0.10', 53, '10.244.2.2', 53);
    new UdpConntrackCleaner(ct).afterSync(changes({ deletedUDPClusterIPs: new Set(['10.96.0.99']) }));
    expect(left(ct)).to.deep.equal(['udp 10.96.0.10:53→10.244.2.2']);
  });
});
