/**
 * The calico CNI plugin's pod wiring on a bare host namespace: routed cali* veths, the pod's
 * 169.254.1.1 gateway answered by the host's proxy ARP, and DEL removing everything again.
 */
import { expect } from 'chai';
import { CALICO_HOST_VETH_MAC, attachCalicoPod, calicoVethName, detachCalicoPod } from '../../../src/cni/calico/index.js';
import { formatNeighbours, formatRoutes } from '../../../src/dataplane/iproute/index.js';
import { EthernetDevice, NetNamespace, ping } from '../../../src/dataplane/stack/index.js';
import { ETHERTYPE_ARP, decodeArp, decodeEthernet, formatMac, ipv4 } from '../../../src/net/index.js';
import { RealClock } from '../../../src/util/clock.js';
import { isKemuError } from '../../../src/util/errors.js';

function host(): NetNamespace {
  const clock = new RealClock();
  const ns = new NetNamespace({ name: 'node', clock, ipForward: true });
  const eth0 = ns.addDevice(new EthernetDevice('eth0'));
  ns.addAddress(eth0, '172.18.0.3/24');
  ns.routes.add({ dst: 'default', via: '172.18.0.1', dev: 'eth0' });
  return ns;
}

describe('cni/calico: pod network (CNI ADD/DEL)', () => {
  const clock = new RealClock();

  it('wires pods with routed veths; the host answers ARP for 169.254.1.1 with ee:ee:ee:ee:ee:ee', async () => {
    const ns = host();
    const a = attachCalicoPod({ name: 'w1', ns }, 'default/a', '192.168.0.1', { mtu: 1480, clock });
    const b = attachCalicoPod({ name: 'w1', ns }, 'default/b', '192.168.0.2', { mtu: 1480, clock });
    expect(formatRoutes(ns)).to.include(`192.168.0.1 dev ${calicoVethName('default/a')} scope link\n192.168.0.2 dev ${calicoVethName('default/b')} scope link\n`);
    expect([a.hostVeth.addresses.length, formatMac(a.hostVeth.mac), a.hostVeth.mtu, a.eth0.mtu]).to.deep.equal([0, 'ee:ee:ee:ee:ee:ee', 1480, 1480]);
    const arps: number[] = [];
    const off = b.hostVeth.addTap((dir, frame) => {
      const eth = decodeEthernet(frame);
      const arp = eth.ok && eth.value.etherType === ETHERTYPE_ARP ? decodeArp(eth.value.payload) : undefined;
      if (dir === 'tx' && arp?.ok && arp.value.op === 1) arps.push(arp.value.senderIp);
    });
    const r = await ping(a.ns, '192.168.0.2', { count: 2, intervalMs: 1, timeoutMs: 1000 });
    off();
    expect(r.ttls).to.deep.equal([63, 63]);
    expect(formatNeighbours(a.ns)).to.include(`169.254.1.1 dev eth0 lladdr ${formatMac(CALICO_HOST_VETH_MAC)} REACHABLE`);
    // The veth has no address: the host asks for the pod from the address it would use toward it (eth0's).
    expect(arps).to.deep.equal([ipv4('172.18.0.3')]);
    detachCalicoPod({ name: 'w1', ns }, b);
    expect(ns.device(b.hostVeth.name)).to.equal(undefined);
    expect(formatRoutes(ns)).to.not.include('192.168.0.2');
    expect((await ping(a.ns, '192.168.0.2', { count: 1, timeoutMs: 100 })).received).to.equal(0);
  });

  it('gets no answer for the gateway without proxy ARP (what calico turns on is what makes it work)', async () => {
    const ns = host();
    const a = attachCalicoPod({ name: 'w1', ns }, 'default/a', '192.168.0.1', { mtu: 1500, clock });
    attachCalicoPod({ name: 'w1', ns }, 'default/b', '192.168.0.2', { mtu: 1500, clock });
    a.hostVeth.proxyArp = false;
    expect((await ping(a.ns, '192.168.0.2', { count: 1, timeoutMs: 300 })).received).to.equal(0);
    expect(formatNeighbours(a.ns)).to.not.include('169.254.1.1 dev eth0 lladdr');
  });

  it('refuses a pod twice and a bad address', () => {
    const ns = host();
    attachCalicoPod({ name: 'w1', ns }, 'default/a', '192.168.0.1', { mtu: 1500, clock });
    const codes: string[] = [];
    for (const [key, ip] of [['default/a', '192.168.0.9'], ['default/c', '192.168.0']] as const) {
      try {
        attachCalicoPod({ name: 'w1', ns }, key, ip, { mtu: 1500, clock });
      } catch (err) {
        codes.push(isKemuError(err) ? err.code : 'other');
      }
    }
    expect(codes).to.deep.equal(['ERR_POD_ATTACHED', 'ERR_BAD_POD_IP']);
  });
});
