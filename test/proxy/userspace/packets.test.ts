/**
 * userspace mode on the packet plane: a pod's connection to a ClusterIP is REDIRECTed to the node's
 * proxy socket, which dials an endpoint on the pod's behalf (round robin over a shuffled list,
 * ClientIP affinity), UDP goes through per-client sessions — and a dead endpoint is retried on the
 * next one, where iptables mode (DNAT straight to the endpoint) fails the same request.
 */
import { expect } from 'chai';
import { UdpProxySocket } from '../../../src/proxy/userspace/proxy-socket.js';
import type { UserspaceProxier } from '../../../src/proxy/userspace/proxier.js';
import { ep, service, slice } from '../fixtures.js';
import { type Mode, type ProxyLab, askName, fetchName, nameServers, proxyLab, publish, webService } from '../ipvs/lab.js';

describe('proxy/userspace on the packet plane', function () {
  this.timeout(20_000);
  let lab: ProxyLab;
  let servers: Array<ReturnType<typeof nameServers>>;

  const setUp = async (mode: Mode): Promise<void> => {
    lab = await proxyLab(mode);
    servers = [nameServers(lab.pods.b, 'b'), nameServers(lab.pods.b2, 'b2'), nameServers(lab.pods.c, 'c')];
  };
  afterEach(async () => {
    for (const s of servers) s.close();
    await lab.stop();
  });

  it('TCP to a ClusterIP through the proxy socket: round robin over the shuffled endpoints', async () => {
    await setUp('userspace');
    const { svc, slice: sl } = webService();
    await publish(lab, [svc], [sl]);
    const n1 = lab.proxies.n1 as UserspaceProxier;
    const order = n1.loadBalancer.endpoints('default/web:http/TCP').map((e) => ({ '10.244.1.2:8080': 'b', '10.244.1.3:8080': 'b2', '10.244.0.3:8080': 'c' })[e]);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(await fetchName(lab, lab.pods.a, '10.96.0.80', 80));
    expect(seen).to.deep.equal([...order, ...order]);
    expect(n1.proxySocket('default/web:http/TCP')!.stats).to.include({ accepted: 6, connected: 6, failed: 0 });
  });

  it('the host itself reaches a ClusterIP (KUBE-PORTALS-HOST: DNAT to the node IP and the proxy port)', async () => {
    await setUp('userspace');
    const { svc, slice: sl } = webService();
    await publish(lab, [svc], [sl]);
    const host = { ns: lab.net.node('n1').ns } as Parameters<typeof fetchName>[1];
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) seen.add(await fetchName(lab, host, '10.96.0.80', 80));
    expect([...seen].sort()).to.deep.equal(['b', 'b2', 'c']);
  });

  it('UDP through a per-client session; replies come from the ClusterIP; the session ends when idle', async () => {
    await setUp('userspace');
    const { svc, slice: sl } = webService();
    await publish(lab, [svc], [sl]);
    const answers = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const r = await askName(lab, lab.pods.a, '10.96.0.80', 53);
      expect(r.from).to.equal('10.96.0.80:53');
      answers.add(r.answer);
    }
    expect([...answers].sort()).to.deep.equal(['b', 'b2', 'c']);
    const sock = (lab.proxies.n1 as UserspaceProxier).proxySocket('default/web:dns/UDP') as UdpProxySocket;
    expect(sock).to.be.instanceOf(UdpProxySocket);
    expect(sock.stats.connected).to.equal(3);
    await lab.clock.advance(300); // --udp-timeout 250 ms
    expect(sock.sessionCount).to.equal(0);
  });

  it('ClientIP affinity sticks across connections', async () => {
    await setUp('userspace');
    const { svc, slice: sl } = webService({ affinity: true });
    await publish(lab, [svc], [sl]);
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) seen.add(await fetchName(lab, lab.pods.a, '10.96.0.80', 80));
    expect(seen.size).to.equal(1);
  });

  const deadEndpoint = async (): Promise<string[]> => {
    // Two endpoints; b2's listener is closed (its pod still answers, with a RST).
    const svc = service('default', 'half', { clusterIP: '10.96.0.70', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
    const sl = slice('default', 'half', 'half-1', [ep('10.244.1.2', 'n2'), ep('10.244.1.3', 'n2')], [{ name: 'http', port: 8080 }]);
    servers[1]!.tcp.close();
    await publish(lab, [svc], [sl]);
    const results: string[] = [];
    for (let i = 0; i < 24; i++) results.push(await fetchName(lab, lab.pods.a, '10.96.0.70', 80));
    return results;
  };

  it('userspace: a dead endpoint is retried on the next one, and every request succeeds', async () => {
    await setUp('userspace');
    const results = await deadEndpoint();
    expect(results).to.deep.equal(new Array(24).fill('b'));
    const stats = (lab.proxies.n1 as UserspaceProxier).proxySocket('default/half:http/TCP')!.stats;
    expect(stats.dialFailures, 'the dead endpoint was dialled and failed').to.be.greaterThan(0);
    expect(stats.failed).to.equal(0);
  });

  // 24 coin flips: all landing on one endpoint has odds 2^-23.
  it('iptables: the same requests fail whenever the DNAT picks the dead endpoint', async () => {
    await setUp('iptables');
    const results = await deadEndpoint();
    expect(results.filter((r) => r === 'b').length, 'some reach the live endpoint').to.be.greaterThan(0);
    expect(results.filter((r) => r === 'error:ECONNREFUSED').length, 'some are refused by the dead one').to.be.greaterThan(0);
    expect(results.every((r) => r === 'b' || r === 'error:ECONNREFUSED')).to.equal(true);
  });

  it('the portal rules: REDIRECT from pods, DNAT from the host, in kube-proxy\'s chains', async () => {
    await setUp('userspace');
    const { svc, slice: sl } = webService({ nodePort: 30080 });
    await publish(lab, [svc], [sl]);
    const port = (lab.proxies.n1 as UserspaceProxier).proxyPort('default/web:http/TCP')!;
    const { iptables } = await import('../../../src/dataplane/netfilter/index.js');
    const rs = lab.net.node('n1').netfilter.ruleset;
    const nat = iptables(rs, '-t nat -S').output;
    expect(nat).to.include(`-A KUBE-PORTALS-CONTAINER -d 10.96.0.80/32 -p tcp -m comment --comment "default/web:http" -m tcp --dport 80 -j REDIRECT --to-ports ${port}`);
    expect(nat).to.include(`-A KUBE-PORTALS-HOST -d 10.96.0.80/32 -p tcp -m comment --comment "default/web:http" -m tcp --dport 80 -j DNAT --to-destination ${lab.nodeIP.n1}:${port}`);
    expect(nat).to.include(`-A KUBE-NODEPORT-CONTAINER -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j REDIRECT --to-ports ${port}`);
    expect(nat).to.match(/^-A PREROUTING -m comment --comment "handle ClusterIPs; NOTE: this must be before the NodePort rules" -j KUBE-PORTALS-CONTAINER$/m);
    expect(iptables(rs, '-S KUBE-NODEPORT-NON-LOCAL').output).to.include(`--dport ${port} -m state --state NEW -j ACCEPT`);
    // And the NodePort works from the other node's pod, through the REDIRECT.
    expect(['b', 'b2', 'c']).to.include(await fetchName(lab, lab.pods.b, lab.nodeIP.n1, 30080));
  });
});
