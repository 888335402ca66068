/**
 * The kubernetes plugin, CoreDNS handler-test style: name → type → rcode, answer, authority,
 * additional; against objects created through the real in-process API with informers synced.
 */
import { expect } from 'chai';
import type { RecordType } from 'dns-packet';
import { kubernetes } from '../../src/dns/kubernetes/plugin.js';
import { compose, type Handler } from '../../src/dns/types.js';
import { reverseName } from '../../src/dns/names.js';
import type { InformerView } from '../../src/dns/kubernetes/view.js';
import { ask, rr, SERIAL, startFixture, type DnsFixture } from './fixture.js';
import { NS, OBJECTS } from './objects.js';

const Z = 'cluster.local';
const SOA = `${Z}. 30 IN SOA ns.dns.${Z}. hostmaster.${Z}. ${SERIAL} 7200 1800 86400 30`;


interface Case {
  name: string;
  qname: string;
  qtype: RecordType;
  rcode: string;
  answer?: string[];
  ns?: string[];
  extra?: string[];
}

const s = (name: string) => `${name}.${NS}.svc.${Z}`;
const A = (owner: string, ip: string, ttl = 30) => `${owner}. ${ttl} IN A ${ip}`;
const SRV = (owner: string, w: number, port: number, target: string) => `${owner}. 30 IN SRV 0 ${w} ${port} ${target}.`;

/** The next plugin in the chain: marks that a query fell through. */
const NEXT: Handler = async (req) => ({
  rcode: 0,
  authoritative: false,
  answers: [{ name: req.name, type: 'TXT', ttl: 1, class: 'IN', data: ['next'] }],
  authorities: [],
  additionals: [],
});
const FELL = (owner: string) => [`${owner}. 1 IN TXT "next"`];

const CASES: Case[] = [
  // ClusterIP services
  { name: 'A of a ClusterIP service', qname: s('svc1'), qtype: 'A', rcode: 'NOERROR', answer: [A(s('svc1'), '10.96.0.100')] },
  { name: 'names are case-insensitive, the owner keeps the case', qname: `SVC1.TestNS.svc.Cluster.Local`, qtype: 'A', rcode: 'NOERROR', answer: [A('SVC1.TestNS.svc.Cluster.Local', '10.96.0.100')] },
  { name: 'AAAA of an IPv4 service is NODATA', qname: s('svc1'), qtype: 'AAAA', rcode: 'NOERROR', ns: [SOA] },
  { name: 'unknown service is NXDOMAIN', qname: s('nope'), qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'unknown namespace is NXDOMAIN', qname: `svc1.nons.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'existing namespace name is NODATA', qname: `${NS}.svc.${Z}`, qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { name: 'unknown namespace name is NXDOMAIN', qname: `nons.svc.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'svc.zone is NODATA', qname: `svc.${Z}`, qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { name: 'pod.zone is NODATA', qname: `pod.${Z}`, qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { name: 'the apex is NODATA for A', qname: Z, qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { name: 'a last label other than svc/pod is NXDOMAIN', qname: `foo.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'too many labels is NXDOMAIN', qname: `a.b.c.${s('svc1')}`, qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'MX of a service is NODATA', qname: s('svc1'), qtype: 'MX', rcode: 'NOERROR', ns: [SOA] },
  { name: 'MX of an unknown name is NXDOMAIN', qname: s('nope'), qtype: 'MX', rcode: 'NXDOMAIN', ns: [SOA] },
  // SRV and the _port._proto rules
  { name: 'SRV of a named port', qname: `_http._tcp.${s('svc1')}`, qtype: 'SRV', rcode: 'NOERROR', answer: [SRV(`_http._tcp.${s('svc1')}`, 100, 80, s('svc1'))], extra: [A(s('svc1'), '10.96.0.100')] },
  { name: 'SRV of a UDP port', qname: `_dns._udp.${s('svc1')}`, qtype: 'SRV', rcode: 'NOERROR', answer: [SRV(`_dns._udp.${s('svc1')}`, 100, 53, s('svc1'))], extra: [A(s('svc1'), '10.96.0.100')] },
  { name: 'SRV with the wrong protocol is NXDOMAIN', qname: `_http._udp.${s('svc1')}`, qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'SRV of an unknown port is NXDOMAIN', qname: `_nope._tcp.${s('svc1')}`, qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  {
    name: 'SRV of the service name: every port, weights shared',
    qname: s('svc1'),
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [SRV(s('svc1'), 50, 80, s('svc1')), SRV(s('svc1'), 50, 53, s('svc1'))],
    extra: [A(s('svc1'), '10.96.0.100')],
  },
  { name: 'a lone "_" port matches any port of the protocol', qname: `_._tcp.${s('svc1')}`, qtype: 'SRV', rcode: 'NOERROR', answer: [SRV(`_._tcp.${s('svc1')}`, 100, 80, s('svc1'))], extra: [A(s('svc1'), '10.96.0.100')] },
  { name: 'port and protocol without underscores', qname: `http.tcp.${s('svc1')}`, qtype: 'SRV', rcode: 'NOERROR', answer: [SRV(`http.tcp.${s('svc1')}`, 100, 80, s('svc1'))], extra: [A(s('svc1'), '10.96.0.100')] },
  { name: 'A of an SRV name is the ClusterIP', qname: `_http._tcp.${s('svc1')}`, qtype: 'A', rcode: 'NOERROR', answer: [A(`_http._tcp.${s('svc1')}`, '10.96.0.100')] },
  { name: 'SRV of an unnamed port', qname: s('svc-noname'), qtype: 'SRV', rcode: 'NOERROR', answer: [SRV(s('svc-noname'), 100, 8080, s('svc-noname'))], extra: [A(s('svc-noname'), '10.96.0.101')] },
  { name: 'a named SRV of an unnamed port is NXDOMAIN', qname: `_http._tcp.${s('svc-noname')}`, qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'an endpoint of a ClusterIP service', qname: `10-244-4-4.${s('svc1')}`, qtype: 'A', rcode: 'NOERROR', answer: [A(`10-244-4-4.${s('svc1')}`, '10.244.4.4')] },
  // headless
  { name: 'headless: one A per ready endpoint', qname: s('hdls1'), qtype: 'A', rcode: 'NOERROR', answer: ['10.244.1.10', '10.244.1.11', '10.244.1.13'].map((ip) => A(s('hdls1'), ip)) },
  {
    name: 'headless SRV: one target per endpoint',
    qname: `_http._tcp.${s('hdls1')}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [`10-244-1-10.${s('hdls1')}`, `db-0.${s('hdls1')}`, `10-244-1-13.${s('hdls1')}`].map((t) => SRV(`_http._tcp.${s('hdls1')}`, 33, 80, t)),
    extra: [A(`10-244-1-10.${s('hdls1')}`, '10.244.1.10'), A(`db-0.${s('hdls1')}`, '10.244.1.11'), A(`10-244-1-13.${s('hdls1')}`, '10.244.1.13')],
  },
  { name: 'headless endpoint by hostname', qname: `db-0.${s('hdls1')}`, qtype: 'A', rcode: 'NOERROR', answer: [A(`db-0.${s('hdls1')}`, '10.244.1.11')] },
  { name: 'headless endpoint by dashed IP', qname: `10-244-1-10.${s('hdls1')}`, qtype: 'A', rcode: 'NOERROR', answer: [A(`10-244-1-10.${s('hdls1')}`, '10.244.1.10')] },
  { name: 'a not-ready endpoint does not exist', qname: `10-244-1-12.${s('hdls1')}`, qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'headless without ready endpoints is NXDOMAIN', qname: s('hdls-empty'), qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'headless without any slice is NXDOMAIN', qname: s('hdls-none'), qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'SRV of headless without endpoints is NXDOMAIN', qname: `_http._tcp.${s('hdls-none')}`, qtype: 'SRV', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'headless without ports still answers A', qname: s('hdls-noports'), qtype: 'A', rcode: 'NOERROR', answer: [A(s('hdls-noports'), '10.244.1.30')] },
  { name: 'headless without ports has no SRV', qname: s('hdls-noports'), qtype: 'SRV', rcode: 'NOERROR', ns: [SOA] },
  { name: 'StatefulSet pod by hostname', qname: `web-0.${s('web')}`, qtype: 'A', rcode: 'NOERROR', answer: [A(`web-0.${s('web')}`, '10.244.2.10')] },
  {
    name: 'StatefulSet SRV targets are the pod hostnames',
    qname: `_http._tcp.${s('web')}`,
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [SRV(`_http._tcp.${s('web')}`, 50, 80, `web-0.${s('web')}`), SRV(`_http._tcp.${s('web')}`, 50, 80, `web-1.${s('web')}`)],
    extra: [A(`web-0.${s('web')}`, '10.244.2.10'), A(`web-1.${s('web')}`, '10.244.2.11')],
  },
  { name: 'headless IPv6: AAAA', qname: s('hdls6'), qtype: 'AAAA', rcode: 'NOERROR', answer: [`${s('hdls6')}. 30 IN AAAA fd00::5`] },
  { name: 'headless IPv6: A is NODATA', qname: s('hdls6'), qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  { name: 'headless IPv6 endpoint by hostname', qname: `v6-0.${s('hdls6')}`, qtype: 'AAAA', rcode: 'NOERROR', answer: [`v6-0.${s('hdls6')}. 30 IN AAAA fd00::5`] },
  // ExternalName
  { name: 'ExternalName: CNAME', qname: s('ext'), qtype: 'CNAME', rcode: 'NOERROR', answer: [`${s('ext')}. 30 IN CNAME example.com.`] },
  { name: 'ExternalName: A is the CNAME, the client follows it', qname: s('ext'), qtype: 'A', rcode: 'NOERROR', answer: [`${s('ext')}. 30 IN CNAME example.com.`] },
  { name: 'ExternalName in the zone is followed', qname: s('ext-in'), qtype: 'A', rcode: 'NOERROR', answer: [`${s('ext-in')}. 30 IN CNAME ${s('svc1')}.`, A(s('svc1'), '10.96.0.100')] },
  { name: 'ExternalName: SRV is NODATA', qname: s('ext'), qtype: 'SRV', rcode: 'NOERROR', ns: [SOA] },
  { name: 'ExternalName to an IP does not exist', qname: s('ext-ip'), qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'no endpoint names under an ExternalName', qname: `x.${s('ext')}`, qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  // PTR
  { name: 'PTR of a ClusterIP', qname: reverseName('10.96.0.100'), qtype: 'PTR', rcode: 'NOERROR', answer: [`${reverseName('10.96.0.100')}. 30 IN PTR ${s('svc1')}.`] },
  { name: 'PTR of an endpoint IP', qname: reverseName('10.244.1.10'), qtype: 'PTR', rcode: 'NOERROR', answer: [`${reverseName('10.244.1.10')}. 30 IN PTR 10-244-1-10.${s('hdls1')}.`] },
  { name: 'PTR of an endpoint with hostname', qname: reverseName('10.244.1.11'), qtype: 'PTR', rcode: 'NOERROR', answer: [`${reverseName('10.244.1.11')}. 30 IN PTR db-0.${s('hdls1')}.`] },
  { name: 'PTR of an IPv6 endpoint', qname: reverseName('fd00::5'), qtype: 'PTR', rcode: 'NOERROR', answer: [`${reverseName('fd00::5')}. 30 IN PTR v6-0.${s('hdls6')}.`] },
  { name: 'PTR of a not-ready endpoint falls through', qname: reverseName('10.244.1.12'), qtype: 'PTR', rcode: 'NOERROR', answer: FELL(reverseName('10.244.1.12')) },
  { name: 'PTR of an unknown IP falls through', qname: reverseName('192.0.2.1'), qtype: 'PTR', rcode: 'NOERROR', answer: FELL(reverseName('192.0.2.1')) },
  { name: 'a partial reverse name falls through', qname: '10.in-addr.arpa', qtype: 'PTR', rcode: 'NOERROR', answer: FELL('10.in-addr.arpa') },
  // pods (insecure)
  { name: 'pod A record (insecure: any IP)', qname: `1-2-3-4.${NS}.pod.${Z}`, qtype: 'A', rcode: 'NOERROR', answer: [A(`1-2-3-4.${NS}.pod.${Z}`, '1.2.3.4')] },
  { name: 'pod AAAA record', qname: `fd00--1.${NS}.pod.${Z}`, qtype: 'AAAA', rcode: 'NOERROR', answer: [`fd00--1.${NS}.pod.${Z}. 30 IN AAAA fd00::1`] },
  { name: 'pod name that is no IP', qname: `1-2-3.${NS}.pod.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'pod in an unknown namespace', qname: `1-2-3-4.nons.pod.${Z}`, qtype: 'A', rcode: 'NXDOMAIN', ns: [SOA] },
  { name: 'pod namespace name is NODATA', qname: `${NS}.pod.${Z}`, qtype: 'A', rcode: 'NOERROR', ns: [SOA] },
  // TXT, SOA, NS
  { name: 'dns-version TXT', qname: `dns-version.${Z}`, qtype: 'TXT', rcode: 'NOERROR', answer: [`dns-version.${Z}. 28800 IN TXT "1.1.0"`] },
  { name: 'TXT of another name is NODATA', qname: s('nope'), qtype: 'TXT', rcode: 'NOERROR', ns: [SOA] },
  { name: 'SOA', qname: Z, qtype: 'SOA', rcode: 'NOERROR', answer: [SOA] },
  { name: 'NS of the zone: the DNS service and its ClusterIP', qname: Z, qtype: 'NS', rcode: 'NOERROR', answer: [`${Z}. 30 IN NS kube-dns.kube-system.svc.${Z}.`], extra: [A(`kube-dns.kube-system.svc.${Z}`, '10.96.0.10')] },
  { name: 'ns.dns.zone A', qname: `ns.dns.${Z}`, qtype: 'A', rcode: 'NOERROR', answer: [A(`ns.dns.${Z}`, '10.96.0.10')] },
  // outside the zones
  { name: 'a name outside the zones goes to the next plugin', qname: 'example.org', qtype: 'A', rcode: 'NOERROR', answer: FELL('example.org') },
];

describe('dns kubernetes plugin (handler table)', function () {
  let fx: DnsFixture;
  let view: InformerView;
  let chain: Handler;

  before(async () => {
    fx = await startFixture(OBJECTS);
    view = await fx.view(false);
    const k = kubernetes({ zones: [Z, 'in-addr.arpa', 'ip6.arpa'], view, ttl: 30, podMode: 'insecure', fallthrough: ['in-addr.arpa', 'ip6.arpa'], localIPs: ['10.244.0.5'] });
    chain = compose([k.plugin], NEXT);
  });
  after(() => fx.close());

  for (const c of CASES) {
    it(`${c.name}: ${c.qtype} ${c.qname}`, async () => {
      const res = await ask(chain, c.qname, c.qtype);
      expect(res.rcode, 'rcode').to.equal(c.rcode);
      const fell = c.answer?.[0]?.includes('"next"');
      if (!fell) expect(res.flag_aa, 'AA').to.equal(true);
      expect((res.answers ?? []).map(rr).sort(), 'answer').to.deep.equal([...(c.answer ?? [])].sort());
      expect((res.authorities ?? []).map(rr), 'authority').to.deep.equal(c.ns ?? []);
      expect((res.additionals ?? []).map(rr).sort(), 'additional').to.deep.equal([...(c.extra ?? [])].sort());
    });
  }
});
