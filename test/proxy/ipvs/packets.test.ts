/**
 * ipvs mode on the packet plane: pods reach a ClusterIP over TCP and UDP through the node's IPVS
 * (LOCAL_IN on kube-ipvs0, DNAT to the real server, replies un-NATed by IPVS's connection), rr spreads
 * evenly, ClientIP persistence sticks, hairpin is masqueraded, and a service without real servers is
 * refused with ICMP port unreachable.
 */
import { expect } from 'chai';
import { IpvsProxier } from '../../../src/proxy/ipvs/proxier.js';
import { ipvsadmConnections, ipvsadmList } from '../../../src/proxy/ipvs/dump.js';
import { service } from '../fixtures.js';
import { type ProxyLab, askName, fetchName, nameServers, proxyLab, publish, webService } from './lab.js';

describe('proxy/ipvs on the packet plane', function () {
  this.timeout(20_000);
  let lab: ProxyLab;
  let servers: Array<ReturnType<typeof nameServers>>;

  beforeEach(async () => {
    lab = await proxyLab('ipvs');
    servers = [nameServers(lab.pods.b, 'b'), nameServers(lab.pods.b2, 'b2'), nameServers(lab.pods.c, 'c')];
  });
  afterEach(async () => {
    for (const s of servers) s.close();
    await lab.stop();
  });

  it('TCP to a ClusterIP: every connection answered, spread evenly over the real servers (rr)', async () => {
    const { svc, slice } = webService();
    await publish(lab, [svc], [slice]);
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) seen.push(await fetchName(lab, lab.pods.a, '10.96.0.80', 80));
    expect(seen.filter((s) => s === 'b')).to.have.length(3);
    expect(seen.filter((s) => s === 'b2')).to.have.length(3);
    expect(seen.filter((s) => s === 'c')).to.have.length(3);
    const n1 = lab.proxies.n1 as IpvsProxier;
    expect(ipvsadmList(n1.table)).to.match(/^TCP {2}10\.96\.0\.80:80 rr$/m);
    expect(ipvsadmConnections(n1.table, lab.clock.now())).to.match(/^TCP \d\d:\d\d {2}TIME_WAIT {3}10\.244\.0\.2:\d+ +10\.96\.0\.80:80 +10\.244\.1\.2:8080$/m);
    expect(lab.net.node('n1').ns.device('kube-ipvs0')!.addresses.length).to.equal(1);
  });

  it('UDP to a ClusterIP: answers come from the ClusterIP, from every real server', async () => {
    const { svc, slice } = webService();
    await publish(lab, [svc], [slice]);
    const answers = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = await askName(lab, lab.pods.a, '10.96.0.80', 53);
      expect(r.from).to.equal('10.96.0.80:53');
      answers.add(r.answer);
    }
    expect([...answers].sort()).to.deep.equal(['b', 'b2', 'c']);
    expect(ipvsadmConnections((lab.proxies.n1 as IpvsProxier).table, lab.clock.now())).to.match(/^UDP 0[45]:\d\d {2}UDP {9}10\.244\.0\.2:\d+/m);
  });

  it('ClientIP affinity: a persistent virtual server keeps a client on one real server', async () => {
    const { svc, slice } = webService({ affinity: true });
    await publish(lab, [svc], [slice]);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await fetchName(lab, lab.pods.a, '10.96.0.80', 80));
    expect(seen.size).to.equal(1);
    const n1 = lab.proxies.n1 as IpvsProxier;
    expect(ipvsadmList(n1.table)).to.match(/^TCP {2}10\.96\.0\.80:80 rr persistent 10800$/m);
    // The template (port 0) names the client's real server.
    expect(ipvsadmConnections(n1.table, lab.clock.now())).to.match(/^TCP 1[78]\d:\d\d {2}NONE {8}10\.244\.0\.2:0 +10\.96\.0\.80:80/m);
  });

  it('hairpin: a pod reaching itself through its service is masqueraded (KUBE-LOOP-BACK)', async () => {
    const svc = service('default', 'self', { clusterIP: '10.96.0.90', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    const { slice } = webService({ name: 'self' });
    slice.endpoints = slice.endpoints.filter((e) => e.addresses[0] === '10.244.0.3');
    await publish(lab, [svc], [slice]);
    expect(await fetchName(lab, lab.pods.c, '10.96.0.90', 80)).to.equal('c');
    expect(lab.net.node('n1').netfilter.ipsets.get('KUBE-LOOP-BACK')!.has('10.244.0.3,tcp:8080,10.244.0.3')).to.equal(true);
  });

  it('a NodePort on the node address, from a pod on the other node (masqueraded)', async () => {
    const { svc, slice } = webService({ nodePort: 30080 });
    await publish(lab, [svc], [slice]);
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) seen.add(await fetchName(lab, lab.pods.b, lab.nodeIP.n1, 30080));
    expect([...seen].sort()).to.deep.equal(['b', 'b2', 'c']);
    expect(ipvsadmList((lab.proxies.n1 as IpvsProxier).table)).to.include(`TCP  ${lab.nodeIP.n1}:30080 rr`);
  });

  it('the host itself reaches a ClusterIP (LOCAL_OUT: DNAT in place, the VIP source masqueraded)', async () => {
    const { svc, slice } = webService();
    await publish(lab, [svc], [slice]);
    const host = { ns: lab.net.node('n1').ns } as Parameters<typeof fetchName>[1];
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) seen.add(await fetchName(lab, host, '10.96.0.80', 80));
    expect([...seen].sort()).to.deep.equal(['b', 'b2', 'c']);
  });

  it('a service without endpoints is refused (ICMP port unreachable from IPVS)', async () => {
    const svc = service('default', 'empty', { clusterIP: '10.96.0.99', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    await publish(lab, [svc], []);
    expect(await fetchName(lab, lab.pods.a, '10.96.0.99', 80)).to.equal('error:ECONNREFUSED');
    expect((lab.proxies.n1 as IpvsProxier).datapath.counters.unreachable).to.be.greaterThan(0);
  });
});
