/**
 * Real clients where only 127.0.0.1 can be bound (macOS, the BSDs; forced here with distinctPorts):
 * every node's real address is 127.0.0.1 and each node's NodePort, health-check port, kube-proxy
 * healthz and LoadBalancer port has a free real port of its own, mapped in the status. A request to
 * a node's real port must enter the emulation at that node — the ETP=Local Service and the source
 * address netexec sees tell which node it was.
 */
import type { Socket } from 'node:dgram';
import { expect } from 'chai';
import type { Service } from '../../src/api/types.js';
import type { Cluster } from '../../src/lab/cluster.js';
import { defaultDistinctPorts, fromTopology, SHARED_REAL_ADDRESS } from '../../src/lab/from-topology.js';
import { loadTopologyText } from '../../src/topology/load.js';
import { clusterFromText, endpointRules } from '../support/cluster.js';
import { netexecDeployment, serviceManifest, topologyHeader } from '../support/manifests.js';
import { until } from '../support/wait.js';
import { realGet as httpGet, udpExchange } from '../support/net.js';

/** One netexec UDP command to 127.0.0.1:port and its answer, or undefined after `waitMs`. */
const ask = (command: string, port: number, sockets: Socket[], waitMs = 3000): Promise<string | undefined> =>
  udpExchange(command, '127.0.0.1', port, sockets, { waitMs });

const TOPOLOGY = topologyHeader('dp', { nodes: ['cp', 'w1'], networking: '{loadBalancerPool: 172.20.255.0/24}', speed: 10 })
  + netexecDeployment('echo', 2, { node: 'w1' })
  + serviceManifest('echo', '[{name: udp, port: 81, targetPort: udp, nodePort: 30053, protocol: UDP}, {name: http, port: 80, targetPort: http, nodePort: 30080}]',
    { type: 'NodePort' })
  + serviceManifest('echo-local', '[{port: 81, targetPort: udp, nodePort: 30054, protocol: UDP}]', { type: 'NodePort', app: 'echo', spec: ['externalTrafficPolicy: Local'] })
  + serviceManifest('echo-lb', '[{port: 8080, targetPort: http}]', { type: 'LoadBalancer', app: 'echo' });

describe('distinct ports: every node on 127.0.0.1, a real port per node and port', function () {
  this.timeout(30_000);
  let cluster: Cluster;
  const sockets: Socket[] = [];
  /** "node TCP/30080" → the real port. */
  let real: Record<string, number> = {};

  before(async () => {
    cluster = clusterFromText(TOPOLOGY, 'dp.yaml', { distinctPorts: true });
    await cluster.start();
    await until('both endpoints on every node', () =>
      ['cp', 'w1'].every((n) => endpointRules(cluster, n, 'default/echo:udp') === 2 && endpointRules(cluster, n, 'default/echo-local') >= 1));
    await until('the LoadBalancer listens', async () => (await cluster.status()).loadBalancers.length === 1);
    real = Object.fromEntries((await cluster.status()).nodePorts.map((l) => [`${l.node} ${l.protocol}/${l.nodePort}`, l.port]));
  });
  after(async () => {
    for (const s of sockets) s.close();
    await cluster?.stop();
  });

  it('is the default only where 127.0.1.N cannot be bound', () => {
    expect(defaultDistinctPorts('linux')).to.equal(false);
    expect(defaultDistinctPorts('darwin')).to.equal(true);
    expect(defaultDistinctPorts('freebsd')).to.equal(true);
    const loaded = loadTopologyText(TOPOLOGY, 'dp.yaml');
    if (!loaded.ok) throw new Error(loaded.diagnostics[0]!.message);
    const config = fromTopology(loaded.value, { distinctPorts: true });
    expect(config.nodes.map((n) => n.realAddress)).to.deep.equal([SHARED_REAL_ADDRESS, SHARED_REAL_ADDRESS]);
    expect(config.bgpPort, 'one address cannot hold port 179 for every node').to.equal(0);
    expect(fromTopology(loaded.value, { distinctPorts: false, nodeAddressBase: '127.0.9.0' }).nodes.map((n) => n.realAddress))
      .to.deep.equal(['127.0.9.1', '127.0.9.2']);
  });

  it('lists every node on 127.0.0.1 and every listener on a port of its own', async () => {
    const status = await cluster.status();
    expect(status.nodes.map((n) => n.address)).to.deep.equal([SHARED_REAL_ADDRESS, SHARED_REAL_ADDRESS]);
    // A LoadBalancer Service has a NodePort too (allocated).
    const lbNodePort = (await cluster.client.get<Service>('services', 'default', 'echo-lb')).spec.ports![0]!.nodePort!;
    expect(Object.keys(real).sort()).to.deep.equal([
      'cp TCP/10256', 'cp TCP/30080', `cp TCP/${lbNodePort}`, 'cp UDP/30053', 'cp UDP/30054',
      'w1 TCP/10256', 'w1 TCP/30080', `w1 TCP/${lbNodePort}`, 'w1 UDP/30053', 'w1 UDP/30054',
    ].sort());
    const tcp = status.nodePorts.filter((l) => l.protocol === 'TCP').map((l) => l.port);
    const udp = status.nodePorts.filter((l) => l.protocol === 'UDP').map((l) => l.port);
    expect(new Set(tcp).size).to.equal(tcp.length);
    expect(new Set(udp).size).to.equal(udp.length);
    expect(status.nodePorts.every((l) => l.address === SHARED_REAL_ADDRESS && l.port > 0)).to.equal(true);
    expect(cluster.realEndpoint('w1', 30080)).to.deep.equal({ address: SHARED_REAL_ADDRESS, port: real['w1 TCP/30080'] });
    expect(cluster.realEndpoint('w1', 30081)).to.equal(undefined);
  });

  it('each node\'s real port enters at that node: ETP=Local answers on w1\'s, not on cp\'s (no local pod)', async () => {
    expect(await ask('clientip', real['w1 UDP/30054']!, sockets)).to.match(/^198\.51\.100\.1:\d+$/);
    expect(await ask('clientip', real['cp UDP/30054']!, sockets, 1000)).to.equal(undefined);
  });

  it('ETP=Cluster through cp\'s port takes the second hop (masqueraded to cp\'s flannel.1), through w1\'s it does not', async () => {
    expect(await ask('clientip', real['cp UDP/30053']!, sockets)).to.match(/^10\.244\.\d+\.0:\d+$/);
    expect(await ask('clientip', real['w1 UDP/30053']!, sockets)).to.match(/^10\.244\.\d+\.1:\d+$/);
  });

  it('HTTP through either node\'s real port, kube-proxy healthz on each node\'s own port', async () => {
    for (const node of ['cp', 'w1']) {
      const r = await httpGet(`http://127.0.0.1:${real[`${node} TCP/30080`]}/echo?msg=${node}`);
      expect(r, node).to.deep.equal({ status: 200, body: node });
      const healthz = await httpGet(`http://127.0.0.1:${real[`${node} TCP/10256`]}/healthz`);
      expect(healthz.status, node).to.equal(200);
      expect(JSON.parse(healthz.body)).to.include({ nodeEligible: true });
    }
  });

  it('a LoadBalancer ingress IP is 127.0.0.1 with a real port standing for its service port', async () => {
    const [lb] = (await cluster.status()).loadBalancers;
    expect(lb!.address).to.equal(SHARED_REAL_ADDRESS);
    expect(lb!.ingressIP).to.match(/^172\.20\.255\.\d+$/);
    expect(lb!.ports).to.have.length(1);
    expect(lb!.ports[0]).to.include({ servicePort: 8080, protocol: 'TCP' });
    const r = await httpGet(`http://127.0.0.1:${lb!.ports[0]!.port}/echo?msg=lb`);
    expect(r).to.deep.equal({ status: 200, body: 'lb' });
  });
});
