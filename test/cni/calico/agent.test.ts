/**
 * calico-node's lifecycle and problem reporting: a node joining later gets sessions with everyone;
 * a BGP port someone else holds is a reported problem (Failed, one line, a Warning Event,
 * NetworkUnavailable True) that clears by itself on retry; a restarted agent picks up where it was.
 */
import { expect } from 'chai';
import { formatRoutes } from '../../../src/dataplane/iproute/index.js';
import { TcpLayer } from '../../../src/dataplane/tcp/index.js';
import { ping } from '../../../src/dataplane/stack/index.js';
import { type CalicoLab, calicoConfig, calicoLab, oneRack, waitFor } from './support.js';

describe('cni/calico: agent lifecycle and problems', function () {
  this.timeout(20_000);
  let lab: CalicoLab;

  before(async () => {
    lab = await calicoLab(oneRack(), calicoConfig({ mode: 'ipip' }));
    await lab.join('cp', 'w1');
    await lab.meshUp();
  });
  after(async () => lab.close());

  it('adds a node that joins later to everyone\'s sessions and routes', async () => {
    await lab.join('w2');
    lab.addPod('w2', 'default/late');
    await lab.meshUp();
    await lab.converged();
    expect(lab.agents.get('cp')!.peerStatus().map((p) => p.peerAddress).sort()).to.deep.equal(['172.18.0.3', '172.18.0.4']);
    expect(formatRoutes(lab.net.node('cp').ns)).to.include(`${lab.agents.get('w2')!.status().blocks[0]} via 172.18.0.4 dev tunl0 proto bird onlink`);
  });

  it('reports a BGP port it cannot take: Failed, one line, an Event, NetworkUnavailable True — then recovers', async () => {
    await lab.addNode('w3');
    const squatter = TcpLayer.of(lab.net.node('w3').ns).listen(179, { address: '172.18.0.5' });
    const agent = lab.startAgent('w3');
    await waitFor(() => agent.status().phase === 'Failed', 'w3 failed');
    expect(agent.lastError()).to.match(/^calico ipip on w3: BIRD cannot listen on 172\.18\.0\.5:179: .*in use/);
    expect(agent.lastError()).to.not.include('\n');
    expect(agent.nodeStatus()).to.equal('Calico process is not running.\n');
    await waitFor(() => lab.node('w3').status?.conditions?.find((c) => c.type === 'NetworkUnavailable')?.status === 'True', 'condition True');
    expect(lab.node('w3').status!.conditions!.find((c) => c.type === 'NetworkUnavailable')!.reason).to.equal('CalicoBGPFailed');
    let events: Awaited<ReturnType<CalicoLab['events']>> = [];
    await waitFor(() => {
      void lab.events('w3').then((e) => (events = e));
      return events.some((e) => e.reason === 'CalicoBGPFailed');
    }, 'event on w3');
    const ev = events.find((e) => e.reason === 'CalicoBGPFailed')!;
    expect([ev.type, ev.source?.component]).to.deep.equal(['Warning', 'calico-node']);
    squatter.close();
    await waitFor(() => agent.status().phase === 'Running', 'w3 running after the port is free');
    await waitFor(() => lab.node('w3').status?.conditions?.find((c) => c.type === 'NetworkUnavailable')?.reason === 'CalicoIsUp', 'CalicoIsUp');
    expect(agent.lastError()).to.equal(undefined);
    await lab.meshUp(['w3']);
  });

  it('restarts without losing anything: same tunnel address, sessions back, traffic flows', async () => {
    const w1 = lab.agents.get('w1')!;
    const before = w1.tunnelAddress;
    await w1.stop();
    expect(w1.status().phase).to.equal('Stopped');
    // Its routes stay while it is down (BIRD's `persist`); the peers see the Cease at once.
    expect(formatRoutes(lab.net.node('w1').ns)).to.include('dev tunl0 proto bird onlink');
    await waitFor(() => lab.agents.get('cp')!.peerStatus().find((p) => p.peerAddress === '172.18.0.3')?.state !== 'up', 'cp sees w1 down');
    w1.start();
    await lab.meshUp(['w1', 'cp']);
    expect(w1.tunnelAddress).to.equal(before);
    const pod = lab.addPod('w1', 'default/again');
    await lab.converged();
    expect((await ping(pod.ns, lab.pods.get('default/late')!.ip, { count: 1, timeoutMs: 1000 })).received).to.equal(1);
  });

  it('prunes, after a hold time, the routes a restarted BIRD finds that nobody announces any more', async () => {
    const w1 = lab.agents.get('w1')!;
    const w2Block = lab.agents.get('w2')!.status().blocks[0]!;
    await w1.stop();
    // While w1's calico-node is down, w2 goes away for good.
    lab.net.setNodeLinkDown('w2', true);
    await lab.agents.get('w2')!.stop();
    await lab.api.client.delete('nodes', undefined, 'w2');
    expect(formatRoutes(lab.net.node('w1').ns)).to.include(`${w2Block} via 172.18.0.4 dev tunl0`);
    const restarted = Date.now();
    w1.start();
    await lab.meshUp(['w1']);
    expect(formatRoutes(lab.net.node('w1').ns)).to.include(`${w2Block} via 172.18.0.4 dev tunl0`); // kept during the grace period
    await waitFor(() => !formatRoutes(lab.net.node('w1').ns).includes(w2Block), 'stale route pruned', 6000);
    expect(Date.now() - restarted).to.be.greaterThan(1000);
    expect(formatRoutes(lab.net.node('w1').ns)).to.include('192.168.0.0/26 via 172.18.0.2 dev tunl0 proto bird onlink');
  });
});
