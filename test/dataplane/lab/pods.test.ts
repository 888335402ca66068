/** attachPod/detachPod: the bridge-CNI-like sandbox; same-node pod traffic and pod → own host work. */
import { expect } from 'chai';
import { formatRoute, ping } from '../../../src/dataplane/stack/index.js';
import { LabNetwork, resolveTarget } from '../../../src/lab/network/index.js';
import { RealClock } from '../../../src/util/clock.js';
import { isKemuError } from '../../../src/util/errors.js';
import { twoRacks, udpHandles } from './support.js';

describe('lab/network: pods attached to a node', function () {
  this.timeout(20_000);
  let net: LabNetwork;
  const handles = udpHandles();

  before(async () => {
    net = LabNetwork.fromTopology(twoRacks(), { clock: new RealClock() });
    await net.start();
    net.attachPod('w1', 'default/a', '10.244.1.2', '10.244.1.0/24');
    net.attachPod('w1', 'kube-system/b', '10.244.1.3', '10.244.1.0/24');
  });
  after(async () => {
    await net.stop();
    expect(net.pods.size).to.equal(0);
    expect(udpHandles()).to.equal(handles);
  });

  it('wires eth0 in the pod, a veth into cni0 (created with the .1) and a default route via .1', () => {
    const w1 = net.node('w1');
    expect(w1.cni0!.addresses.map((x) => x.prefixLength)).to.deep.equal([24]);
    expect(resolveTarget(net, 'node/w1:cni0').ip).to.equal('10.244.1.1');
    const a = net.pods.get('default/a')!;
    expect(a.hostVeth.name).to.match(/^veth[0-9a-f]{8}$/);
    expect(w1.cni0!.portNames().sort()).to.deep.equal([a.hostVeth.name, net.pods.get('kube-system/b')!.hostVeth.name].sort());
    expect(a.ns.ipForward).to.equal(false);
    expect(a.ns.routes.list().map(formatRoute)).to.deep.equal([
      'default via 10.244.1.1 dev eth0',
      '10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2',
    ]);
  });

  it('pod → pod on the same node is bridged (TTL 64), pod → own host and host → pod work', async () => {
    const a = net.pods.get('default/a')!.ns;
    expect((await ping(a, '10.244.1.3', { count: 2, intervalMs: 5 })).ttls).to.deep.equal([64, 64]);
    expect((await ping(a, '172.18.0.3', { count: 1 })).received).to.equal(1);
    expect((await ping(net.node('w1').ns, '10.244.1.2', { count: 1 })).received).to.equal(1);
  });

  it('does not program cross-node pod routes (the CNI does): replies from another node find no way back', async () => {
    const r = await ping(net.pods.get('default/a')!.ns, '172.18.1.2', { count: 1, timeoutMs: 300 });
    expect(r.received).to.equal(0);
  });

  it('resolves pod/NAME[.NS] and bare IPs to the pod namespace', () => {
    expect(resolveTarget(net, 'pod/a').ns!.name).to.equal('default/a');
    expect(resolveTarget(net, 'pod/a.default').ns!.name).to.equal('default/a');
    expect(resolveTarget(net, 'pod/b.kube-system').ip).to.equal('10.244.1.3');
    expect(resolveTarget(net, '10.244.1.3').ns!.name).to.equal('kube-system/b');
    expect(resolveTarget(net, '172.18.1.1').ns!.name).to.equal('tor');
    expect(resolveTarget(net, '8.8.8.8').ns).to.equal(undefined);
    expect(() => resolveTarget(net, 'pod/nope')).to.throw(/no attached pod "nope"/);
    expect(() => resolveTarget(net, 'service/x')).to.throw(/bad target/);
  });

  it('refuses a second attach, an IP outside the podCIDR and an unknown node', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return isKemuError(err) ? err.code : String(err);
      }
      return undefined;
    };
    expect(code(() => net.attachPod('w1', 'default/a', '10.244.1.9', '10.244.1.0/24'))).to.equal('ERR_POD_ATTACHED');
    expect(code(() => net.attachPod('w1', 'default/c', '10.244.2.9', '10.244.1.0/24'))).to.equal('ERR_BAD_POD_IP');
    expect(code(() => net.attachPod('w1', 'default/c', '10.244.1.1', '10.244.1.0/24'))).to.equal('ERR_BAD_POD_IP');
    expect(code(() => net.attachPod('nope', 'default/c', '10.244.1.9', '10.244.1.0/24'))).to.equal('ERR_NO_SUCH_NODE');
  });

  it('detachPod removes the veth pair and the namespace', async () => {
    const b = net.pods.get('kube-system/b')!;
    expect(net.detachPod('kube-system/b')).to.equal(true);
    expect(net.detachPod('kube-system/b')).to.equal(false);
    expect(net.node('w1').ns.device(b.hostVeth.name)).to.equal(undefined);
    expect(net.node('w1').cni0!.portNames()).to.have.length(1);
    expect((await ping(net.pods.get('default/a')!.ns, '10.244.1.3', { count: 1, timeoutMs: 200 })).received).to.equal(0);
    // The name can be attached again (a recreated pod).
    net.attachPod('w1', 'kube-system/b', '10.244.1.4', '10.244.1.0/24');
    expect((await ping(net.pods.get('default/a')!.ns, '10.244.1.4', { count: 1 })).received).to.equal(1);
  });
});
