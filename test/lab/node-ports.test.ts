/**
 * NodePorts for real clients, end to end: agnhost netexec pods (emulated, listening on the packet
 * plane), each node with a real loopback address; a real UDP datagram or HTTP request sent to a
 * NodePort there enters the emulation from the node's gateway as an outside client (198.51.100.d for
 * a real peer 127.x.y.d), is DNAT'd by kube-proxy's rules on the node, crosses to another node
 * through flannel VXLAN when needed, and is answered back to the real socket.
 */
import type { Socket } from 'node:dgram';
import { expect } from 'chai';
import type { Cluster } from '../../src/lab/cluster.js';
import type { Pod } from '../../src/api/types.js';
import { clientAddressFor } from '../../src/lab/edge/client-address.js';
import { randomNodeAddressBase } from '../support/kemu-process.js';
import { clusterFromText, endpointRules } from '../support/cluster.js';
import { netexecDeployment, serviceManifest, topologyHeader } from '../support/manifests.js';
import { until } from '../support/wait.js';
import { realGet as httpGet, udpExchange } from '../support/net.js';

/** One netexec UDP command from a real socket bound to `from`, and the answer (undefined: none in 3 s). */
const ask = (command: string, from: string, to: string, port: number, sockets: Socket[]): Promise<string | undefined> =>
  udpExchange(command, to, port, sockets, { from });

const TOPOLOGY = topologyHeader('np', { nodes: ['cp', 'w1'], speed: 10 }) + netexecDeployment('echo', 2, { node: 'w1' })
  + serviceManifest('echo', '[{name: udp, port: 81, targetPort: udp, nodePort: 30053, protocol: UDP}, {name: http, port: 80, targetPort: http, nodePort: 30080}]',
    { type: 'NodePort' })
  + serviceManifest('echo-local', '[{port: 81, targetPort: udp, nodePort: 30054, protocol: UDP}]', { type: 'NodePort', app: 'echo', spec: ['externalTrafficPolicy: Local'] });

describe('NodePorts on the nodes\' real addresses (netexec pods)', function () {
  this.timeout(30_000);
  let cluster: Cluster;
  const real: Socket[] = [];
  let names: string[] = [];
  let addr: Record<string, string> = {};

  before(async () => {
    cluster = clusterFromText(TOPOLOGY, 'np.yaml', { nodeAddressBase: randomNodeAddressBase() });
    await cluster.start();
    // Both endpoints in every node's rules (the slice may have gained its second one after the first sync).
    await until('both endpoints on every node', () =>
      ['cp', 'w1'].every((n) => endpointRules(cluster, n, 'default/echo:udp') === 2 && endpointRules(cluster, n, 'default/echo-local') >= 1));
    names = (await cluster.client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=echo' })).items.map((p) => p.metadata.name!).sort();
    addr = Object.fromEntries((await cluster.status()).nodes.map((n) => [n.name, n.address]));
  });
  after(async () => {
    for (const s of real) s.close();
    await cluster?.stop();
  });

  it('lists the listeners in the status, one per node and NodePort', async () => {
    const status = await cluster.status();
    expect(addr['w1']).to.match(/^127\.\d+\.\d+\.\d+$/);
    expect(status.nodePorts.filter((l) => l.port === 30053).map((l) => `${l.node} ${l.address} ${l.protocol}`).sort())
      .to.deep.equal(status.nodes.map((n) => `${n.name} ${n.address} UDP`).sort());
    expect(status.nodePorts.filter((l) => l.port === 30080).map((l) => l.protocol)).to.deep.equal(['TCP', 'TCP']);
  });

  it('kube-proxy\'s own /healthz and /livez answer on every node\'s real address, port 10256', async () => {
    const status = await cluster.status();
    expect(status.nodePorts.filter((l) => l.port === 10256).map((l) => `${l.node} ${l.protocol} ${String(l.proxyHealthz)}`).sort())
      .to.deep.equal(status.nodes.map((n) => `${n.name} TCP true`).sort());
    for (const n of status.nodes) {
      const healthz = await httpGet(`http://${n.address}:10256/healthz`);
      expect(healthz.status, n.name).to.equal(200);
      const body = JSON.parse(healthz.body) as { lastUpdated: string; currentTime: string; nodeEligible: boolean };
      expect(body.nodeEligible).to.equal(true);
      expect(body.lastUpdated).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC m=\+\d+\.\d{9}$/);
      expect((await httpGet(`http://${n.address}:10256/livez`)).status).to.equal(200);
      expect((await httpGet(`http://${n.address}:10256/metrics`)).status).to.equal(404);
    }
    expect(cluster.proxyOf('w1')!.proxyHealthz('/healthz')!.status).to.equal(200);
  });

  it('UDP: a real client reaches both pods through w1\'s NodePort; ETP=Cluster masquerades it', async () => {
    const answers = new Set<string | undefined>();
    for (let i = 0; i < 16; i++) answers.add(await ask('hostname', '127.0.0.1', addr['w1']!, 30053, real));
    expect([...answers].sort()).to.deep.equal(names);
    // Masqueraded toward the local pods: they see cni0's address (the node's), not the client.
    const seen = await ask('clientip', '127.0.0.1', addr['w1']!, 30053, real);
    expect(seen).to.match(/^10\.244\.\d+\.1:\d+$/);
  });

  it('UDP: a node without local pods forwards to another node (second hop over flannel VXLAN)', async () => {
    expect(names).to.include(await ask('hostname', '127.0.0.1', addr['cp']!, 30053, real));
    // Masqueraded to cp's flannel.1 address (10.244.X.0) before it crossed the tunnel.
    expect(await ask('clientip', '127.0.0.1', addr['cp']!, 30053, real)).to.match(/^10\.244\.\d+\.0:\d+$/);
  });

  it('UDP: externalTrafficPolicy: Local keeps the client address (198.51.100.d for 127.x.y.d)', async () => {
    const seen = await ask('clientip', '127.0.0.7', addr['w1']!, 30054, real);
    expect(seen?.split(':')[0]).to.equal(clientAddressFor('127.0.0.7'));
    expect(clientAddressFor('127.0.0.7')).to.equal('198.51.100.7');
  });

  it('TCP: curl-style HTTP GETs on both nodes\' NodePort reach netexec over kemu\'s TCP', async () => {
    const answers = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await httpGet(`http://${addr[i % 2 === 0 ? 'w1' : 'cp']!}:30080/hostname`);
      expect(r.status).to.equal(200);
      answers.add(r.body);
    }
    expect([...answers].sort()).to.deep.equal(names);
    const echo = await httpGet(`http://${addr['cp']!}:30080/echo?msg=through-the-tunnel`);
    expect(echo.body).to.equal('through-the-tunnel');
  });
});
