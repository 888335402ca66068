/**
 * The Service behaviours of Kubernetes' sig-network e2e tests that the other lab tests do not cover,
 * in one running cluster (iptables mode, flannel VXLAN, agnhost netexec pods, real clients on
 * loopback): ClientIP affinity and its expiry, UDP through a pod replacement (stale conntrack
 * flushed), a scale-down taking effect within one proxier sync, externalTrafficPolicy: Local with its
 * health checks, and LoadBalancer ingress IPs reached by real clients.
 */
import { type Socket, createSocket } from 'node:dgram';
import { realGet, udpExchange } from '../support/net.js';
import { connect } from 'node:net';
import { expect } from 'chai';
import type { Cluster } from '../../src/lab/cluster.js';
import type { EndpointSlice, Pod, Service } from '../../src/api/types.js';
import { httpGetFrom } from '../../src/lab/network/http-get.js';
import { IPPROTO_TCP, ipv4 } from '../../src/net/index.js';
import { randomNodeAddressBase } from '../support/kemu-process.js';
import { clusterFromText, endpointRules } from '../support/cluster.js';
import { netexecDeployment as netexec, serviceManifest as service, topologyHeader } from '../support/manifests.js';
import { until } from '../support/wait.js';

const TOPOLOGY = topologyHeader('acceptance', { networking: '{loadBalancerPool: 172.20.255.0/24}', speed: 10 })
  + netexec('web', 3) + netexec('local', 1, { node: 'w1' }) + netexec('udp', 1)
  + netexec('shrink', 3, { args: '[netexec, --http-port=8080, --delay-shutdown=3]' })
  + service('sticky', '[{port: 80, targetPort: http}]', { app: 'web', spec: ['sessionAffinity: ClientIP', 'sessionAffinityConfig: {clientIP: {timeoutSeconds: 1}}'] })
  + service('web-lb', '[{name: http, port: 80, targetPort: http}, {name: udp, port: 81, targetPort: udp, protocol: UDP}]', { type: 'LoadBalancer', app: 'web' })
  + service('local-lb', '[{port: 80, targetPort: http}]', { type: 'LoadBalancer', app: 'local', spec: ['externalTrafficPolicy: Local'] })
  + service('udp', '[{port: 81, targetPort: udp, protocol: UDP}]', { type: 'NodePort' })
  + service('shrink', '[{port: 80, targetPort: http}]');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Service acceptance in a running cluster (sig-network e2e behaviours)', function () {
  this.timeout(30_000);
  let cluster: Cluster;
  const real: Socket[] = [];
  let addr: Record<string, string> = {};
  const lbBase = randomNodeAddressBase();

  const podsOf = async (app: string): Promise<Pod[]> =>
    (await cluster.client.list<Pod>('pods', { namespace: 'default', labelSelector: `app=${app}` })).items;
  const svc = (name: string): Promise<Service> => cluster.client.get<Service>('services', 'default', name);
  /** An HTTP GET made from a pod of the `local` Deployment (on w1), through w1's kube-proxy. */
  const fromPod = async (url: string): Promise<string> => {
    const client = (await podsOf('local'))[0]!;
    const r = await httpGetFrom(cluster.network.pods.get(`default/${client.metadata.name}`)!.ns, { url, timeoutMs: 3000, maxBodyBytes: 1024 });
    if (!('status' in r)) throw new Error(`GET ${url}: ${r.error}`);
    return r.body;
  };

  before(async () => {
    cluster = clusterFromText(TOPOLOGY, 'acceptance.yaml', { nodeAddressBase: randomNodeAddressBase(), lbAddressBase: lbBase });
    await cluster.start();
    addr = Object.fromEntries((await cluster.status()).nodes.map((n) => [n.name, n.address]));
    const everywhere = (svcPort: string): number => Math.min(...['cp', 'w1', 'w2'].map((n) => endpointRules(cluster, n, svcPort)));
    await until('every endpoint in every node\'s rules', () =>
      everywhere('default/web-lb:http') === 3 && everywhere('default/shrink') === 3 && everywhere('default/udp') === 1 && everywhere('default/local-lb') === 1);
  });
  after(async () => {
    for (const s of real) s.close();
    await cluster?.stop();
  });

  describe('externalTrafficPolicy: Local', () => {
    it('shows the real client\'s emulated address in /clientip on a node with an endpoint', async () => {
      const np = (await svc('local-lb')).spec.ports![0]!.nodePort!;
      const r = await realGet(`http://${addr['w1']}:${np}/clientip`, { localAddress: '127.0.0.7' });
      expect(r.body.split(':')[0]).to.equal('198.51.100.7');
    });

    it('answers nothing on a node without endpoints, and its health check says 503 while w1\'s says 200', async () => {
      const s = await svc('local-lb');
      const np = s.spec.ports![0]!.nodePort!;
      const hc = s.spec.healthCheckNodePort!;
      expect(hc).to.be.a('number');
      const w1 = await realGet(`http://${addr['w1']}:${hc}/`);
      expect(w1.status).to.equal(200);
      expect(w1.body).to.equal('{\n\t"service": {\n\t\t"namespace": "default",\n\t\t"name": "local-lb"\n\t},\n\t"localEndpoints": 1,\n\t"serviceProxyHealthy": true\n}');
      for (const n of ['w2', 'cp']) {
        const r = await realGet(`http://${addr[n]}:${hc}/`);
        expect(r.status, n).to.equal(503);
        expect(JSON.parse(r.body).localEndpoints, n).to.equal(0);
      }
      // kube-proxy drops the SYN there ("has no local endpoints"): no answer at all.
      const err = await realGet(`http://${addr['w2']}:${np}/hostname`, { timeoutMs: 800 }).then(() => undefined, (e: Error) => e);
      expect(err?.message).to.equal('timeout');
      const status = await cluster.status();
      expect(status.nodePorts.filter((l) => l.port === hc).map((l) => `${l.node}/${l.protocol}/${String(l.healthCheck)}`).sort())
        .to.deep.equal(['cp/TCP/true', 'w1/TCP/true', 'w2/TCP/true']);
    });
  });

  describe('LoadBalancer ingress IPs for real clients', () => {
    const lbConns = (node: string, ip: string): number =>
      [...cluster.network.node(node).netfilter.conntrack.entries()].filter((e) => e.orig.dst === ipv4(ip)).length;

    it('lists each ingress IP with its real address and ports in the status', async () => {
      const status = await cluster.status();
      const lbs = Object.fromEntries(status.loadBalancers.map((l) => [l.service, l]));
      const ip = (await svc('web-lb')).status!.loadBalancer!.ingress![0]!.ip!;
      expect(ip).to.match(/^172\.20\.255\.\d+$/);
      const offset = Number(ip.split('.')[3]);
      expect(lbs['default/web-lb']).to.deep.equal({
        service: 'default/web-lb', ingressIP: ip, address: lbBase.replace(/\.0$/, `.${offset}`),
        ports: [{ port: 80, servicePort: 80, protocol: 'TCP' }, { port: 81, servicePort: 81, protocol: 'UDP' }],
      });
      expect(lbs['default/local-lb']!.ports).to.deep.equal([{ port: 80, servicePort: 80, protocol: 'TCP' }]);
    });

    it('TCP and UDP: a real client reaches every pod; connections go round robin to the workers (not the excluded control plane)', async () => {
      const lb = (await cluster.status()).loadBalancers.find((l) => l.service === 'default/web-lb')!;
      const names = (await podsOf('web')).map((p) => p.metadata.name!).sort();
      const seen = new Set<string>();
      for (let i = 0; i < 40 && (i < 12 || seen.size < names.length); i++) seen.add((await realGet(`http://${lb.address}/hostname`)).body);
      expect([...seen].sort()).to.deep.equal(names);
      expect(lbConns('w1', lb.ingressIP)).to.be.greaterThan(0);
      expect(lbConns('w2', lb.ingressIP)).to.be.greaterThan(0);
      expect(lbConns('cp', lb.ingressIP)).to.equal(0);
      expect(names).to.include(await udpExchange('hostname', lb.address, 81, real));
    });

    it('pins each open connection to its node with an `ip rule` in the gateway (kemu node show gateway rules), gone when it closes', async () => {
      const lb = (await cluster.status()).loadBalancers.find((l) => l.service === 'default/web-lb')!;
      const gateway = cluster.network.edgeOf('w1').ns;
      const tcpRules = (): number => gateway.rules.list().filter((r) => r.ipproto === IPPROTO_TCP).length;
      await until('earlier connections\' rules removed', () => tcpRules() === 0, 3000);
      const conn = connect({ host: lb.address, port: 80, localAddress: '127.0.0.1' });
      try {
        await until('the connection\'s rule', () => tcpRules() === 1, 3000);
        const res = await fetch(`${cluster.apiUrl()}/apis/kemu.dev/v1alpha1/show`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: 'router/gateway', view: 'rules' }),
        });
        const text = ((await res.json()) as { text: string }).text;
        const flow = new RegExp(`^\\d+:\\tfrom 198\\.51\\.100\\.1 to ${lb.ingressIP.replace(/\./g, '\\.')} ipproto tcp sport \\d+ dport 80 lookup lb-w[12]$`, 'm');
        expect(text).to.match(flow);
        expect(text).to.match(/^0:\tfrom all lookup local\n/);
      } finally {
        conn.destroy();
      }
      await until('the rule removed with the connection', () => tcpRules() === 0, 3000);
    });

    it('externalTrafficPolicy: Local sends only to the node whose health check says 200, keeping the client address', async () => {
      const lb = (await cluster.status()).loadBalancers.find((l) => l.service === 'default/local-lb')!;
      for (let i = 0; i < 6; i++) {
        const r = await realGet(`http://${lb.address}/clientip`, { localAddress: '127.0.0.9', timeoutMs: 3000 });
        expect(r.body.split(':')[0]).to.equal('198.51.100.9');
      }
      expect(lbConns('w1', lb.ingressIP)).to.equal(6);
      expect(lbConns('w2', lb.ingressIP)).to.equal(0);
    });
  });

  it('sessionAffinity ClientIP: requests stick to one pod, and after timeoutSeconds they may go elsewhere', async () => {
    const ip = (await svc('sticky')).spec.clusterIP!;
    const first = await fromPod(`http://${ip}/hostname`);
    for (let i = 0; i < 9; i++) expect(await fromPod(`http://${ip}/hostname`)).to.equal(first);
    // After the 1 s timeout the choice is random again (2 in 3 to another pod): a few rounds see it.
    let other: string | undefined;
    for (let round = 0; round < 10 && other === undefined; round++) {
      await sleep(1200);
      const now = await fromPod(`http://${ip}/hostname`);
      if (now !== first) other = now;
    }
    expect(other, 'a request after the timeout went to another pod').to.be.a('string');
  });

  it('UDP keeps working through a server pod replacement: the stale conntrack entry is flushed', async () => {
    const np = (await svc('udp')).spec.ports![0]!.nodePort!;
    const s = createSocket('udp4');
    real.push(s);
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const answers: string[] = [];
    s.on('message', (m) => answers.push(m.toString()));
    // One client port all along, as the e2e test's client: the same conntrack entry on the node.
    const timer = setInterval(() => s.send('hostname', np, addr['w1']!), 100);
    try {
      const [old] = await podsOf('udp');
      await until('an answer from the first pod', () => answers.includes(old!.metadata.name!), 5000);
      await cluster.client.delete('pods', 'default', old!.metadata.name!);
      await until('the replacement pod', async () => (await podsOf('udp')).some((p) => p.metadata.name !== old!.metadata.name && p.status?.podIP));
      const fresh = (await podsOf('udp')).find((p) => p.metadata.name !== old!.metadata.name)!;
      await until('an answer from the replacement pod', () => answers.includes(fresh.metadata.name!), 8000);
    } finally {
      clearInterval(timer);
    }
  });

  it('a scaled-down Deployment stops receiving traffic at the first proxier sync after its EndpointSlice update', async () => {
    const ip = (await svc('shrink')).spec.clusterIP!;
    const slices = cluster.controlPlane.factory.informer<EndpointSlice>('endpointslices');
    const w1 = cluster.proxyOf('w1')!; // fromPod's requests go through w1's rules
    let updatedAt: number | undefined;
    let syncBefore: number | undefined;
    slices.addHandlers({
      onUpdate: (_o, s) => {
        if (updatedAt !== undefined || s.metadata.labels?.['kubernetes.io/service-name'] !== 'shrink') return;
        if ((s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length !== 1) return;
        // The proxier got the same event from the same informer; its sync runs on a timer, never inside it.
        updatedAt = Date.now();
        syncBefore = w1.lastSync!.at;
      },
    });
    await cluster.client.patch('deployments', 'default', 'shrink', 'merge', { spec: { replicas: 1 } });
    await until('the EndpointSlice update', () => updatedAt !== undefined, 8000, 2);
    await until('w1\'s next sync', () => w1.lastSync!.at !== syncBefore, 2000, 2);
    const syncedAfterMs = w1.lastSync!.at - updatedAt!;
    const pods = await podsOf('shrink');
    const leaving = pods.filter((p) => p.metadata.deletionTimestamp !== undefined);
    const staying = pods.filter((p) => p.metadata.deletionTimestamp === undefined).map((p) => p.metadata.name!);
    expect(leaving).to.have.length(2);
    expect(staying).to.have.length(1);
    const answers = new Set<string>();
    for (let i = 0; i < 12; i++) answers.add(await fromPod(`http://${ip}/hostname`));
    expect([...answers]).to.deep.equal(staying);
    // The removed pods still serve (--delay-shutdown), so a stale rule would have reached them.
    for (const p of leaving) expect(await fromPod(`http://${p.status!.podIP}:8080/hostname`)).to.equal(p.metadata.name);
    // One sync: at most the min sync period (100 ms at speed 10) after the update, plus scheduling.
    expect(syncedAfterMs).to.be.lessThan(100 + 400);
  });
});
